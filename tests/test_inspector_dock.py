"""The backprop inspector shows the numbers the engine's step really uses."""

import numpy as np
import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QObject

from gui.common.chain_rule import fmt
from gui.docks.inspector_dock import InspectorDock
from nncore.network import forward, loss_value

pytestmark = pytest.mark.shows_iteration("shown.iteration")  # checked by drawn()


@pytest.fixture
def dock(make_view):
    return make_view(InspectorDock, size=(900, 500))


@pytest.fixture
def shown(drawn):
    """``shown(dock, edge)`` waits until the panel shows ``edge`` at the session's
    iteration, and returns what it shows."""

    def read(dock, edge):
        drawn(dock)
        assert dock.shown.edge == edge
        return dock.displayed()

    return read


def check_text(shown):
    """Every number on screen is its full-precision value, formatted."""
    for texts, values in zip(shown["text"], shown["values"], strict=True):
        assert texts == [fmt(v) for v in values]
    for key in ("gradient", "learning_rate", "delta_w", "before", "after"):
        assert shown[key + "_text"] == fmt(shown[key])


@pytest.fixture
def step_and_check(shown):
    """``step_and_check(dock, edge)``: Δw read from the panel at k equals
    W_{k+1} - W_k after Step; returns what the panel showed at k."""

    def check(dock, edge):
        session = dock.session
        k = session.iteration
        seen = shown(dock, edge)
        check_text(seen)
        l, i, j = edge
        before = session.run.weights_at(k)[l][i, j]
        assert seen["before"] == before
        assert session.cursor.step()
        after = session.run.weights_at(k + 1)[l][i, j]
        assert after - before == pytest.approx(seen["delta_w"], abs=1e-12)
        assert after == pytest.approx(seen["after"], abs=1e-12)
        return seen

    return check


def test_no_selection_shows_w1_and_says_to_click(dock, shown):
    assert dock.objectName() == "inspector_dock"
    seen = shown(dock, (0, 0, 0))
    assert "Click an edge in the diagram" in dock.title.text()
    assert seen["formula"] == "∂E/∂w₁ = Σ (ŷ − y) · ŷ(1 − ŷ) · x₁"
    assert seen["headers"][0] == "x₁"


def test_output_edge_matches_the_tutorial_formula_at_iteration_0(dock, shown):
    session = dock.session
    session.selection.select_edge((0, 0, 0))
    seen = shown(dock, (0, 0, 0))
    assert "Click" not in dock.title.text() and "w₁ (x₁ → ŷ)" in dock.title.text()
    # The tutorial's own code, written out: grad = X.T @ ((yhat - y) * yhat * (1 - yhat)).
    X = np.array([[0, 0, 1], [1, 1, 1], [1, 0, 1], [0, 1, 1]], float)
    y = np.array([0, 1, 1, 0], float)
    w0 = np.array([-0.16595599, 0.44064899, -0.99977125])
    yhat = 1 / (1 + np.exp(-(X @ w0)))
    x, shown_yhat, shown_y, dE, dyds, dsdw, product = seen["values"]
    np.testing.assert_allclose(x, X[:, 0])
    np.testing.assert_allclose(shown_yhat, yhat, atol=1e-8)
    np.testing.assert_array_equal(shown_y, y)
    np.testing.assert_allclose(dE, yhat - y, atol=1e-8)
    np.testing.assert_allclose(dyds, yhat * (1 - yhat), atol=1e-8)
    np.testing.assert_array_equal(dsdw, x)
    np.testing.assert_allclose(product, (yhat - y) * yhat * (1 - yhat) * X[:, 0], atol=1e-8)
    assert seen["gradient"] == pytest.approx(np.sum(product), abs=1e-15)
    assert seen["gradient"] == pytest.approx(X[:, 0] @ ((yhat - y) * yhat * (1 - yhat)),
                                             abs=1e-8)
    assert seen["text"][1][0] == "0.26898640"  # ŷ of sample 1 = σ(-0.99977125)
    assert seen["learning_rate"] == 1.0 and seen["learning_rate_text"] == "1"


@pytest.mark.parametrize("edge", [(0, 0, 0), (0, 1, 0), (0, 2, 0)])
def test_output_edge_delta_equals_the_step_for_several_iterations(dock, edge, step_and_check):
    session = dock.session
    session.run.train(300)
    session.selection.select_edge(edge)
    for k in (0, 1, 17, 299, 300):  # along the recorded history, then training anew
        session.cursor.seek(k)
        step_and_check(dock, edge)


def test_hidden_edges_delta_equals_the_step(dock, step_and_check):
    session = dock.session
    session.new_run(layer_sizes=[3, 4, 3, 1], activations=["tanh", "sigmoid", "sigmoid"])
    session.run.train(40)
    for edge in [(0, 0, 0), (0, 2, 3), (1, 3, 1), (2, 1, 0)]:
        session.selection.select_edge(edge)
        for k in (0, 25, 40):
            session.cursor.seek(k)
            step_and_check(dock, edge)


def test_hidden_delta_is_formed_as_shown_and_matches_finite_differences(dock, shown):
    session = dock.session
    session.new_run(layer_sizes=[3, 4, 1])
    session.run.train(200)
    session.cursor.seek(200)
    edge = (0, 1, 2)
    session.selection.select_edge(edge)
    seen = shown(dock, edge)
    headers, values = seen["headers"], dict(zip(seen["headers"], seen["values"], strict=True))
    assert headers[:5] == ["x₂", "ŷ", "y", "h₃", "δ(ŷ) · w₁₅"]
    back, fprime, delta = (np.array(values[h]) for h in
                           ("Σₘ δₘ · w(h₃→m)", "f′(s) = h₃(1 − h₃)", "δ(h₃)"))
    h = np.array(values["h₃"])
    np.testing.assert_allclose(fprime, h * (1 - h))
    np.testing.assert_allclose(delta, back * fprime, rtol=1e-15)
    assert "h₃ feeds ŷ through w₁₅" in dock.notes.text()
    # An independent check of the batch sum: central finite differences of E.
    run, W = session.run, session.run.weights_at(200)

    def loss_with(value):
        changed = [w.copy() for w in W]
        changed[0][1, 2] = value
        return loss_value(forward(run.X, changed, run.activations)[-1], run.Y)

    w, eps = W[0][1, 2], 1e-6
    numeric = (loss_with(w + eps) - loss_with(w - eps)) / (2 * eps)
    assert seen["gradient"] == pytest.approx(numeric, rel=1e-6, abs=1e-10)
    assert seen["gradient"] == pytest.approx(sum(seen["values"][-1]), abs=1e-15)


def test_learning_rate_other_than_one_and_after_a_change(dock, step_and_check):
    session = dock.session
    session.new_run(learning_rate=0.37)
    session.run.train(20)
    session.selection.select_edge((0, 2, 0))
    session.cursor.seek(10)
    seen = step_and_check(dock, (0, 2, 0))
    assert seen["learning_rate"] == 0.37 and seen["learning_rate_text"] == "0.37000000"
    session.cursor.set_learning_rate(2.5)  # from iteration 11 on; the later history goes
    seen = step_and_check(dock, (0, 2, 0))
    assert seen["learning_rate"] == 2.5
    assert seen["delta_w"] == -2.5 * seen["gradient"]
    seen = step_and_check(dock, (0, 2, 0))
    assert seen["learning_rate"] == 2.5


def test_cross_entropy_shows_delta_as_yhat_minus_y(dock, step_and_check):
    session = dock.session
    session.new_run(loss="bce")
    session.run.train(5)
    session.cursor.seek(5)
    session.selection.select_edge((0, 0, 0))
    seen = step_and_check(dock, (0, 0, 0))
    assert seen["headers"][3] == "δ = ŷ − y"
    yhat, y, delta = (np.array(v) for v in seen["values"][1:4])
    np.testing.assert_array_equal(delta, yhat - y)
    assert "cancel" in dock.notes.text()


def test_a_hand_edit_after_k_is_named(dock, qtbot, shown):
    session = dock.session
    session.run.train(5)
    session.cursor.seek(3)
    session.cursor.set_weight(0, 0, 0, 2.0)  # at iteration 3: the history after it goes
    session.cursor.step()
    session.cursor.step_back()  # iteration 3, whose step the edit did not change
    seen = shown(dock, (0, 0, 0))
    assert seen["before"] == 2.0
    session.run.set_weight(4, 0, 0, 0, -1.0)  # now W_4 is set by hand after the step
    session.cursor.sigHistoryChanged.emit()
    qtbot.waitUntil(lambda: "set by hand to −1" in dock.summary_names["after"].text())


def test_a_new_run_falls_back_to_w1(dock, shown):
    session = dock.session
    session.new_run(layer_sizes=[3, 4, 1])
    session.selection.select_edge((1, 3, 0))
    seen = shown(dock, (1, 3, 0))
    assert seen["formula"].startswith("∂E/∂w₁₆ = Σ (ŷ − y) · ŷ(1 − ŷ) · h₄")
    session.new_run(layer_sizes=[3, 1])  # the selection goes with the old network
    seen = shown(dock, (0, 0, 0))
    assert "Click an edge in the diagram" in dock.title.text()
    assert len(seen["headers"]) == 7


def test_many_samples_scroll_and_stay_exact(dock, step_and_check):
    session = dock.session
    rng = np.random.RandomState(4)
    X = np.column_stack([rng.uniform(-1, 1, (200, 2)), np.ones(200)])
    Y = (X[:, :1] * X[:, 1:2] > 0).astype(float)
    session.new_run(X=X, Y=Y, layer_sizes=[3, 5, 1], dataset_name="quadrants")
    session.run.train(10)
    session.cursor.seek(10)
    session.selection.select_edge((0, 1, 4))
    seen = step_and_check(dock, (0, 1, 4))
    assert len(seen["values"][0]) == 200
    assert dock.table.verticalScrollBar().maximum() > 0  # 200 rows scroll


def sigmoid(s):
    return 1 / (1 + np.exp(-s))


def test_a_seek_announces_only_the_columns_that_change_and_shows_them_right(dock, shown):
    """x, y and ∂s/∂w = x stay; ŷ, ∂E/∂ŷ, ∂ŷ/∂s and the products are announced (one
    range each, no model reset) and read right at every iteration, though the cells
    were painted, and so formatted, at the iteration before."""
    session, model = dock.session, dock.model
    session.run.train(50)
    X, y = session.run.X, session.run.Y[:, 0]
    announced, resets = [], []
    model.dataChanged.connect(lambda a, b, *_: announced.append((a.column(), b.column())))
    model.modelReset.connect(lambda: resets.append(True))
    for k in (3, 4, 40, 7):
        dock.table.viewport().repaint()  # formats every cell now on screen
        announced.clear()
        session.cursor.seek(k)
        seen = shown(dock, (0, 0, 0))
        assert announced == [(1, 1), (3, 4), (6, 6)] and not resets
        yhat = sigmoid(X @ session.run.weights_at(k)[0][:, 0])
        x, shown_yhat, shown_y, dE, dyds, dsdw, product = seen["values"]
        np.testing.assert_array_equal(x, X[:, 0])
        np.testing.assert_array_equal(shown_y, y)
        np.testing.assert_allclose(shown_yhat, yhat, rtol=1e-12)
        np.testing.assert_allclose(product, (yhat - y) * yhat * (1 - yhat) * X[:, 0],
                                   rtol=1e-12, atol=1e-300)
        check_text(seen)
        assert seen["text"][1] == [fmt(v) for v in yhat]


class LayoutRequests(QObject):
    """Counts the layout requests posted to some widgets."""

    def __init__(self, widgets):
        super().__init__()
        self.count = 0
        for widget in widgets:
            widget.installEventFilter(self)

    def eventFilter(self, obj, event):
        self.count += event.type() == QEvent.Type.LayoutRequest
        return False


def test_scrubbing_lays_nothing_out_and_every_summary_fits(dock, shown):
    """The summary labels change on every seek but keep their size (a layout request
    would climb to the main window), and each stays wide enough for its text."""
    session = dock.session
    session.run.train(2000)
    session.cursor.seek(1)
    shown(dock, (0, 0, 0))
    QCoreApplication.sendPostedEvents()  # the first layout
    requests = LayoutRequests([dock, dock.widget()])
    for k in (2000, 5, 1999, 37, 1000, 0, 8, 640):
        session.cursor.seek(k)
        shown(dock, (0, 0, 0))
        QCoreApplication.sendPostedEvents()  # delivers any layout request
        for label in [*dock.summary_names.values(), *dock.summary_values.values()]:
            assert label.fontMetrics().horizontalAdvance(label.text()) <= label.width()
    assert requests.count == 0
    assert dock.summary_names["before"].text() == "w₁ now (iteration 640)"
    session.cursor.set_weight(0, 0, 0, 123456.5)  # a text wider than any before: it grows
    session.cursor.step()
    session.cursor.step_back()
    seen = shown(dock, (0, 0, 0))
    assert seen["before_text"] == "1.2346e+05"  # wider than −0.00000000
    for label in dock.summary_values.values():
        assert label.fontMetrics().horizontalAdvance(label.text()) <= label.width()


def test_notes_that_need_more_lines_get_them(dock, qtbot, shown):
    """The notes label sits outside the layout; a longer text still gets its height."""
    session = dock.session
    session.new_run(layer_sizes=[3, 4, 1])
    session.selection.select_edge((0, 0, 0))
    shown(dock, (0, 0, 0))
    qtbot.waitUntil(lambda: dock.notes.label.geometry() == dock.notes.rect())
    one = dock.notes.height()
    assert one == dock.notes.label.heightForWidth(dock.notes.width())
    session.new_run(layer_sizes=[3, 4, 24, 1])  # h₁ feeds 24 units: several lines
    session.selection.select_edge((0, 0, 0))
    shown(dock, (0, 0, 0))
    assert "h₁ (layer 1) feeds h₁ (layer 2) through" in dock.notes.text()
    notes = dock.notes
    qtbot.waitUntil(lambda: notes.height() == notes.label.heightForWidth(notes.width()))
    assert notes.height() >= 3 * one and notes.label.geometry() == notes.rect()
