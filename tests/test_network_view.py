"""The diagram draws the weights of the current iteration, the activations of the
selected sample, and edits a weight through the engine."""

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QInputDialog, QToolTip

from gui.common import palette
from gui.diagram.network_view import NetworkView
from nncore.network import forward


@pytest.fixture
def view(make_view):
    return make_view(NetworkView, size=(760, 520))


def expected_styles(session, values=None):
    if values is None:
        values = session.run.params_at(session.iteration)
    out, index = [], 0
    for layer, W in enumerate(session.run.unflatten(values)):
        for (row, col), w in np.ndenumerate(W):
            out.append((layer, row, col, palette.weight_width(w), palette.weight_color(w)))
            index += 1
    return out


def assert_styles(view, expected):
    styles = view.edge_styles()
    assert [s[:4] for s in styles] == [e[:4] for e in expected]
    assert [s[4].name() for s in styles] == [e[4].name() for e in expected]


def test_edges_follow_the_weights_of_the_current_iteration(view, drawn, train):
    session = view.session
    drawn(view)
    w0 = session.run.params_at(0)
    assert np.allclose(w0, [-0.16595599, 0.44064899, -0.99977125])
    assert_styles(view, expected_styles(session))
    assert view.edge_styles()[2][3] == 1.5  # |w3| = 0.9998 -> 1.5 px per unit, in 0.5 px steps
    assert view.edge_styles()[2][4].name() == palette.weight_color(-1.0).name()

    train(session, 1000)
    drawn(view)
    assert session.iteration == 1000
    w = session.run.params_at(1000)
    assert np.allclose(w, [7.26283009, -0.21614618, -3.41703015])
    assert_styles(view, expected_styles(session))
    # the tutorial's final weights: a strong positive x1, a clear negative x3
    widths = [s[3] for s in view.edge_styles()]
    assert widths == [11.0, 0.5, 5.0]
    assert view.edge_styles()[0][4].name() == palette.POSITIVE.name()

    session.cursor.seek(10)  # back in time: the drawing goes back too
    drawn(view)
    assert_styles(view, expected_styles(session))
    assert view.item.edge_values.tolist() == session.run.params_at(10).tolist()


def test_paths_are_bucketed_by_pen(view, drawn, train):
    session = view.session
    session.new_run(layer_sizes=[3, 16, 16, 1])
    train(session, 50)
    drawn(view)
    n_edges = 3 * 16 + 16 * 16 + 16
    assert len(view.edge_styles()) == n_edges
    pens = {(s[3], s[4].name()) for s in view.edge_styles()}
    assert len(view.item.buckets) == len(pens) < n_edges / 4
    widths = [pen.widthF() for pen, _ in view.item.buckets]
    assert widths == sorted(widths)  # thick edges are drawn last, on top


def test_nodes_show_the_selected_samples_activations(view, drawn, train):
    session = view.session
    train(session, 999)
    drawn(view)
    labels = view.node_labels()
    assert [label[2] for label in labels] == ["x1", "x2", "x3", "ŷ"]
    # sample 0 is x = [0 0 1]; the tutorial prints yhat_999[0] = 0.03178421
    assert [label[3] for label in labels] == ["0", "0", "1", "0.03"]
    assert view.samples.currentText() == "x = [0 0 1] → y = 0"

    view.samples.setCurrentIndex(1)  # the learner picks x = [1 1 1]
    assert session.selection.sample == 1
    drawn(view)
    assert [label[3] for label in view.node_labels()] == ["1", "1", "1", "0.97"]
    assert view.item.target_text == "y = 1"

    session.selection.select_sample(2)  # set elsewhere (e.g. the dataset dock): the combo follows
    drawn(view)
    assert view.samples.currentIndex() == 2
    assert view.node_labels()[3][3] == "0.98"  # yhat_999[2] = 0.97906682


def test_hidden_units_show_their_activation(view, drawn, train):
    session = view.session
    session.new_run(layer_sizes=[3, 4, 1])
    train(session, 200)
    session.selection.select_sample(3)
    drawn(view)
    layers = forward(session.run.X[3:4], session.cursor.weights(), session.run.activations)
    labels = view.node_labels()
    hidden = [label for label in labels if label[0] == 1]
    assert [label[2] for label in hidden] == ["h1", "h2", "h3", "h4"]
    assert [label[3] for label in hidden] == [f"{v:.2f}" for v in layers[1][0]]
    assert view.item.node_values[1] == pytest.approx(layers[1][0])
    assert view.item.captions[1] == ("hidden 1\nsigmoid", "H1\nσ")


def test_a_probe_input_is_shown_instead_of_the_sample(view, drawn, train):
    session = view.session
    train(session, 1000)
    session.selection.set_probe([1, 0, 0])
    drawn(view)
    # the tutorial: predict [1, 0, 0] -> 0.99929937
    assert [label[3] for label in view.node_labels()] == ["1", "0", "0", "1.00"]
    assert view.item.node_values[-1][0] == pytest.approx(0.99929937, abs=1e-8)
    assert view.caption.isVisible()
    assert "your input x = [1 0 0]" in view.caption.text()
    assert view.item.highlight_nodes
    session.selection.set_probe(None)
    drawn(view)
    assert not view.caption.isVisible()
    assert view.node_labels()[3][3] == "0.03"


def test_edge_tooltip_gives_weight_last_update_and_gradient(view, drawn, train):
    session = view.session
    drawn(view)
    text = view.edge_tooltip((0, 0, 0))
    assert text.splitlines()[0].startswith("x1 → ŷ")
    assert "w = -0.165956 at iteration 0" in text
    assert "Δw = —" in text  # no update before iteration 0
    grad0 = session.run.gradient_at(0)[0][0, 0]
    assert f"∂E/∂w = {grad0:+.4g}" in text

    train(session, 10)
    run = session.run
    text = view.edge_tooltip((0, 2, 0))
    dw = run.weights_at(10)[0][2, 0] - run.weights_at(9)[0][2, 0]
    assert f"Δw = W_10 − W_9 = {dw:+.4g}" in text
    # the update really is -lr * gradient at 9: the tooltip's numbers agree
    assert dw == pytest.approx(-run.gradient_at(9)[0][2, 0])
    assert f"∂E/∂w = {run.gradient_at(10)[0][2, 0]:+.4g}" in text
    assert view.tooltip_for(("node", (1, 0))).startswith("ŷ (output, sigmoid) = ")


# Showing a tooltip raises its window, which the offscreen platform only warns about.
OFFSCREEN_TOOLTIP = pytest.mark.qt_log_ignore("This plugin does not support raise")


@OFFSCREEN_TOOLTIP
def test_hovering_an_edge_marks_it_and_builds_its_tooltip(view, qtbot, drawn):
    drawn(view)
    point = view.edge_position((0, 2, 0))
    # start from empty space, so the move to the edge is a real move whatever
    # an earlier test left the pointer at
    qtbot.mouseMove(view.graphics.viewport(), point + QPoint(0, 60))
    qtbot.mouseMove(view.graphics.viewport(), point)
    qtbot.waitUntil(lambda: view.item.hovered == ("edge", 2))
    assert view.tooltip_for(view.item.hovered).startswith("x3 → ŷ")
    qtbot.waitUntil(QToolTip.isVisible)
    assert "at iteration 0" in QToolTip.text()
    view.session.cursor.step()  # training goes on under a still mouse: the tooltip follows
    qtbot.waitUntil(lambda: "at iteration 1\n" in QToolTip.text())
    assert view.edge_tooltip((0, 2, 0)) == QToolTip.text()


@OFFSCREEN_TOOLTIP
def test_clicking_an_edge_selects_it(view, qtbot, drawn):
    session = view.session
    drawn(view)
    with qtbot.waitSignal(session.selection.sigEdgeSelected) as blocker:
        qtbot.mouseClick(view.graphics.viewport(), Qt.LeftButton,
                         pos=view.edge_position((0, 1, 0)))
    assert blocker.args == [(0, 1, 0)]
    assert session.selection.edge == (0, 1, 0)
    assert view.item.selected == 1


def test_editing_a_weight_reaches_the_engine_and_discards_the_future(view, drawn, train):
    session = view.session
    train(session, 100)
    session.cursor.seek(40)
    assert view.edit_weight((0, 1, 0), 5.5)
    run = session.run
    assert run.newest == 40 and session.iteration == 40
    assert run.weights_at(40)[0][1, 0] == 5.5
    drawn(view)
    assert view.edge_styles()[1][3] == palette.weight_width(5.5) == 8.0
    assert session.selection.edge == (0, 1, 0)


@OFFSCREEN_TOOLTIP
def test_double_click_asks_for_the_value(view, qtbot, monkeypatch, drawn, train):
    session = view.session
    train(session, 20)
    asked = []

    def fake_get_text(parent, title, label, echo, text):
        k = session.iteration
        asked.append((label, text, k, session.player.playing, session.run.weights_at(k)[0][2, 0]))
        return "-2.25", True

    monkeypatch.setattr(QInputDialog, "getText", fake_get_text)
    drawn(view)
    session.player.play()  # the edit pauses play, so "at iteration k" stays true
    assert session.player.playing
    qtbot.mouseDClick(view.graphics.viewport(), Qt.LeftButton,
                      pos=view.edge_position((0, 2, 0)))
    assert len(asked) == 1
    label, value, k, playing, current = asked[0]
    assert "x3 → ŷ" in label and f"at iteration {k}" in label
    assert not playing  # paused before asking
    assert float(value) == current  # the dialog starts from the current value, exactly
    assert not session.player.playing and session.run.newest == k == session.iteration
    assert session.run.weights_at(k)[0][2, 0] == -2.25


def test_non_finite_and_cancelled_edits_change_nothing(view, qtbot, monkeypatch, train):
    session = view.session
    train(session, 30)
    session.cursor.seek(10)
    before = session.run.params_at(10)
    with qtbot.waitSignal(session.sigMessage) as message:
        assert not view.edit_weight((0, 0, 0), float("nan"))
    assert "not a finite number" in message.args[0]
    assert not view.edit_weight((0, 0, 0), float("inf"))
    monkeypatch.setattr(QInputDialog, "getText", lambda *args: ("0", False))
    assert not view.edit_weight((0, 0, 0))  # cancelled
    assert session.run.newest == 30
    assert np.array_equal(session.run.params_at(10), before)


def test_comparing_snapshots_colours_edges_by_the_change(view, drawn, train):
    session = view.session
    a = session.snapshots.take()
    train(session, 1000)
    b = session.snapshots.take()
    session.snapshots.compare_snapshots(a, b)
    drawn(view)
    delta = b.params - a.params
    assert_styles(view, expected_styles(session, delta))
    assert view.caption.isVisible()
    assert "Δw = W(iteration 1000) − W(iteration 0)" in view.caption.text()
    assert view.legend.compare
    assert "Δw between snapshots" in view.edge_tooltip((0, 0, 0))
    session.snapshots.compare_snapshots(None, None)
    drawn(view)
    assert_styles(view, expected_styles(session))
    assert not view.caption.isVisible()


def test_a_deep_network_stays_legible(view, drawn):
    session = view.session
    session.new_run(layer_sizes=[3] + [16] * 6 + [1])
    drawn(view)
    item = view.item
    assert len(view.edge_styles()) == 3 * 16 + 5 * 16 * 16 + 16
    # nodes do not touch: the radius leaves room between neighbours (in every layer
    # but the output, which has one node)
    assert [len(centres) for centres in item.positions] == [3] + [16] * 6 + [1]
    for centres in item.positions[:-1]:
        assert np.min(np.diff(centres[:, 1])) > 2 * item.radius + 2
    assert not item.show_values  # no room for numbers: the tooltip has them
    assert all(label[3] == "" for label in view.node_labels())
    assert item.edge_scale <= 1.0
    # a small network gets big, labelled nodes
    session.new_run(layer_sizes=[3, 1])
    drawn(view)
    assert view.item.show_values and view.item.radius >= 18


@pytest.mark.parametrize("text, why", [
    ("1_0", "weight: '1_0' is not a number"),  # float() reads 10
    ("\u0663", "weight: '\u0663' is not a number"),  # float() reads 3
    (" 1e400", "weight: ' 1e400' is too large"),
    ("1e-400", "weight: '1e-400' is too small"),
    ("nan", "weight: 'nan' is not a finite number"),
])
def test_a_typed_weight_takes_ascii_decimals_only(view, qtbot, monkeypatch, train, text, why):
    session = view.session
    train(session, 30)
    session.cursor.seek(10)
    before = session.run.params_at(10)
    monkeypatch.setattr(QInputDialog, "getText", lambda *args: (text, True))
    with qtbot.waitSignal(session.sigMessage) as message:
        assert not view.edit_weight((0, 0, 0))
    assert message.args[0].startswith(f"Weight not changed: {why}")
    assert session.run.newest == 30 and np.array_equal(session.run.params_at(10), before)


def test_the_weight_dialog_shows_every_digit_and_ok_on_it_changes_nothing(view, monkeypatch,
                                                                          train):
    session = view.session
    shown = []
    monkeypatch.setattr(QInputDialog, "getText",
                        lambda *args: shown.append(args[4]) or (args[4], True))
    for value in (1e-7, -2.5e6, 0.1234567891234):  # getDouble showed 0, -1e6 and 0.123457
        assert view.edit_weight((0, 1, 0), value)
        train(session, 5)
        session.cursor.seek(session.run.newest - 5)
        shown.clear()
        newest = session.run.newest
        assert view.edit_weight((0, 1, 0))
        assert float(shown[0]) == value and session.run.newest == newest  # kept: no edit
    assert shown == ["0.1234567891234"]
