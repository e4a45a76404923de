"""The prediction panel: typed inputs reach the diagram; the truth table is the engine's."""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from gui.common.chain_rule import fmt
from gui.docks.prediction_dock import PredictionDock, binary_inputs, parse_vector
from nncore.network import forward

pytestmark = pytest.mark.shows_iteration("shown_iteration")  # checked by drawn()


@pytest.fixture
def dock(make_view):
    return make_view(PredictionDock, size=(620, 520))


def table_column(dock, c):
    return [dock.table.item(r, c).text() for r in range(dock.table.rowCount())]


def test_truth_table_equals_the_forward_pass_at_every_iteration_shown(dock, drawn):
    assert dock.objectName() == "prediction_dock"
    session = dock.session
    session.run.train(300)
    for k in (0, 7, 300):
        session.cursor.seek(k)
        drawn(dock)
        expected = forward(binary_inputs(3), session.run.weights_at(k),
                           session.run.activations)[-1]
        shown = [float(dock.table.item(r, 3).toolTip()) for r in range(8)]
        np.testing.assert_array_equal(shown, expected[:, 0])
        assert table_column(dock, 3) == [fmt(v) for v in expected[:, 0]]
        assert table_column(dock, 4) == ["1" if v > 0.5 else "0" for v in expected[:, 0]]
        assert dock.table.horizontalHeaderItem(3).text() == f"ŷ (iteration {k})"


def test_tutorial_unseen_input_at_iteration_1000(dock, qtbot, drawn):
    session = dock.session
    session.player.run_to(1000)
    qtbot.waitUntil(lambda: session.iteration == 1000, timeout=10_000)
    drawn(dock)
    rows = [[int(float(t)) for t in (dock.table.item(r, c).text() for c in range(3))]
            for r in range(8)]
    assert rows == binary_inputs(3).astype(int).tolist()
    row = rows.index([1, 0, 0])
    assert dock.table.item(row, 3).text() == "0.99929937"
    assert dock.table.item(row, 5).text() == "no (unseen)"
    # Typing it gives the same answer above the table.
    qtbot.keyClicks(dock.input_edit, "1, 0, 0")
    qtbot.keyClick(dock.input_edit, Qt.Key.Key_Return)
    np.testing.assert_array_equal(session.selection.probe, [1.0, 0.0, 0.0])
    drawn(dock)
    assert "= 0.99929937" in dock.result.text() and "class 1" in dock.result.text()
    assert float(dock.result.toolTip()) == pytest.approx(0.99929937, abs=5e-9)
    assert dock.table.selectedItems()[0].row() == row


def test_training_rows_are_marked_with_their_targets(dock, drawn):
    session = dock.session
    session.run.train(1000)
    session.cursor.seek(1000)
    drawn(dock)
    marks = dict(zip(map(tuple, binary_inputs(3).astype(int).tolist()),
                     zip(table_column(dock, 5), table_column(dock, 6), table_column(dock, 7),
                         strict=True), strict=True))
    # The tutorial's samples, numbered as in its table: [0,0,1] [1,1,1] [1,0,1] [0,1,1].
    assert marks[(0, 0, 1)] == ("sample 1", "0", "✓")
    assert marks[(1, 1, 1)] == ("sample 2", "1", "✓")
    assert marks[(1, 0, 1)] == ("sample 3", "1", "✓")
    assert marks[(0, 1, 1)] == ("sample 4", "0", "✓")
    for unseen in [(0, 0, 0), (0, 1, 0), (1, 0, 0), (1, 1, 0)]:
        assert marks[unseen] == ("no (unseen)", "", "")
    session.cursor.seek(0)  # the initial weights get samples 2 and 3 wrong
    drawn(dock)
    assert table_column(dock, 7) == ["", "✓", "", "✓", "", "✗", "", "✗"]


def test_bad_input_is_refused_with_a_message(dock, qtbot):
    session = dock.session
    for text, message in [("1 0", "has 3 inputs: type 3 numbers, not 2"),
                          ("1, 0, zero", "“zero” is not a number"),
                          ("1 0 inf", "“inf” is not a finite number"),
                          ("", "Type 3 numbers")]:
        dock.input_edit.setText(text)
        qtbot.mouseClick(dock.show_button, Qt.MouseButton.LeftButton)
        assert dock.error.isVisible()
        assert message in dock.error.text()
        assert session.selection.probe is None
    qtbot.keyClicks(dock.input_edit, "x")  # typing again hides the stale message
    assert not dock.error.isVisible()


def test_typed_vector_sets_the_probe_and_clear_removes_it(dock, qtbot, drawn):
    session = dock.session
    with qtbot.waitSignal(session.selection.sigProbeChanged):
        dock.input_edit.setText("[0.5; −2  3]")
        qtbot.mouseClick(dock.show_button, Qt.MouseButton.LeftButton)
    np.testing.assert_array_equal(session.selection.probe, [0.5, -2.0, 3.0])
    drawn(dock)
    expected = forward(np.array([[0.5, -2, 3]]), session.cursor.weights(), ["sigmoid"])[-1][0, 0]
    assert float(dock.result.toolTip()) == expected
    with qtbot.waitSignal(session.selection.sigProbeChanged):
        qtbot.mouseClick(dock.clear_button, Qt.MouseButton.LeftButton)
    assert session.selection.probe is None and dock.input_edit.text() == ""
    # A probe set elsewhere (the diagram) shows up in the field.
    session.selection.set_probe(np.array([1.0, 1.0, 0.0]))
    assert dock.input_edit.text() == "1, 1, 0"


def test_clicking_a_row_shows_it_on_the_diagram(dock, qtbot, drawn):
    session = dock.session
    drawn(dock)
    rect = dock.table.visualItemRect(dock.table.item(4, 0))
    qtbot.mouseClick(dock.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    np.testing.assert_array_equal(session.selection.probe, [1.0, 0.0, 0.0])


def test_hidden_layer_and_two_outputs_and_too_many_inputs(dock, drawn):
    session = dock.session
    X = binary_inputs(2)
    Y = np.column_stack([X[:, 0] * X[:, 1], np.maximum(X[:, 0], X[:, 1])])
    session.new_run(X=X, Y=Y, layer_sizes=[2, 4, 2], dataset_name="and/or")
    drawn(dock)
    expected = forward(X, session.cursor.weights(), session.run.activations)[-1]
    assert dock.table.horizontalHeaderItem(2).text() == "ŷ₁, ŷ₂ (iteration 0)"
    assert table_column(dock, 2) == [f"{fmt(a)}, {fmt(b)}" for a, b in expected]
    assert table_column(dock, 5) == ["0, 0", "0, 1", "0, 1", "1, 1"]
    X6 = np.eye(6)
    session.new_run(X=X6, Y=X6[:, :1], layer_sizes=[6, 1], dataset_name="six")
    drawn(dock)
    assert dock.table.isHidden() and dock.truth_inputs is None
    assert "up to 5 inputs; this one has 6" in dock.table_title.text()


def test_parse_vector_accepts_common_separators():
    np.testing.assert_array_equal(parse_vector(" 1,0 ,  0 ", 3), [1, 0, 0])
    np.testing.assert_array_equal(parse_vector("(1e-3 2.5)", 2), [1e-3, 2.5])
    with pytest.raises(ValueError, match="not a finite number"):
        parse_vector("nan 1", 2)


@pytest.mark.parametrize("text, message", [
    ("1_0, 0, 1", "“1_0” is not a number. Use the digits 0-9."),  # float() reads 10
    ("\u0663 0 1", "“\u0663” is not a number. Use the digits 0-9."),  # float() reads 3
    (" 1e400 0 1", "“1e400” is too large."),
    ("1e-400 0 1", "“1e-400” is too small: it would round to 0."),
    ("nan 0 1", "“nan” is not a finite number."),
])
def test_the_probe_takes_ascii_decimals_only(dock, qtbot, text, message):
    dock.input_edit.setText(text)
    qtbot.keyClick(dock.input_edit, Qt.Key.Key_Return)
    assert dock.error.isVisibleTo(dock) and dock.error.text() == f"Not shown: {message}"
    assert dock.session.selection.probe is None


def test_a_probe_is_used_and_shown_exactly(dock, qtbot):
    session = dock.session
    dock.input_edit.setText("-1, 0.1234567891, −2")  # the window's own minus sign too
    qtbot.keyClick(dock.input_edit, Qt.Key.Key_Return)
    np.testing.assert_array_equal(session.selection.probe, [-1.0, 0.1234567891, -2.0])
    session.selection.set_probe(np.array([1 / 3, 1e-7, 0.0]))  # set elsewhere: shown in full
    assert dock.input_edit.text() == "0.3333333333333333, 1e-07, 0"
    assert dock.apply_text()  # Enter on what is shown keeps the very same probe
    np.testing.assert_array_equal(session.selection.probe, [1 / 3, 1e-7, 0.0])


def test_a_refusal_goes_when_the_network_changes(dock, qtbot):
    dock.input_edit.setText("1 0")
    assert not dock.apply_text() and dock.error.isVisibleTo(dock)
    X = binary_inputs(2)
    dock.session.new_run(X=X, Y=X[:, :1], layer_sizes=[2, 1], dataset_name="two")
    assert not dock.error.isVisibleTo(dock)


def test_three_classes_with_biases_answer_the_largest_output(dock, drawn, train):
    from nncore import TrainingOptions
    from nncore.datasets import three_class

    session = dock.session
    X, Y = three_class(60, 0.2, seed=0, kind="blobs")
    session.new_run(dataset_name="blobs", X=X, Y=Y, layer_sizes=[3, 4, 3],
                    activations=["tanh", "softmax"], loss="ce", learning_rate=0.05,
                    seed=5, options=TrainingOptions(bias=True, optimizer="adam"))
    train(session, 200)
    drawn(dock)
    shown = session.run.at(200)
    assert np.any(shown.biases[0] != 0)
    expected = forward(binary_inputs(3), shown.weights, session.run.activations,
                       biases=shown.biases)[-1]
    assert table_column(dock, 3) == [", ".join(fmt(v) for v in row) for row in expected]
    classes = [", ".join(fmt(v) for v in np.eye(3)[np.argmax(row)]) for row in expected]
    assert table_column(dock, 4) == classes
    assert len(set(classes)) > 1  # not every input lands in one class
    session.selection.set_probe(np.array([0.0, 0.5, 1.0]))
    drawn(dock)
    yhat = forward(np.array([[0.0, 0.5, 1.0]]), shown.weights, session.run.activations,
                   biases=shown.biases)[-1][0]
    winner = ", ".join(fmt(v) for v in np.eye(3)[np.argmax(yhat)])
    assert f"→ class {winner}" in dock.result.text()
