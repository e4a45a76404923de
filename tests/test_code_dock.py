"""The Code dock: the run's training loop, the micro-step's line lit with its values
beside it, and a click on a line showing that line's phase."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt

from gui.docks.code_dock import CodeDock, value_text
from gui.session import TrainingSession
from gui.session.cursor import RunConfig
from nncore import TrainingOptions, builtin
from nncore.phases import Phase, phases

TUTORIAL_LINES = {  # the tutorial's loop, line by line, and the phases each computes
    "l1 = nonlin(np.dot(l0, syn0))": [Phase("sum", 0), Phase("activate", 0)],
    "l1_error = y - l1": [Phase("error")],
    "l1_delta = l1_error * nonlin(l1, True)": [Phase("delta", 0)],
    "syn0 += np.dot(l0.T, l1_delta)": [Phase("update")],
}


def lit(dock):
    """The text of the lines the dock highlights, without their indentation."""
    lines = dock.view.toPlainText().splitlines()
    return [lines[n - 1].strip() for n in dock.highlighted]


def line_of(dock, text):
    lines = [line.strip() for line in dock.view.toPlainText().splitlines()]
    return lines.index(text) + 1


def click_line(qtbot, dock, number):
    view = dock.view
    block = view.document().findBlockByNumber(number - 1)
    rect = view.blockBoundingGeometry(block).translated(view.contentOffset())
    qtbot.mouseClick(view.viewport(), Qt.LeftButton,
                     pos=QPoint(int(rect.left()) + 40, int(rect.center().y())))


@pytest.fixture
def dock(make_view, qtbot, drawn):
    view = make_view(CodeDock, size=(700, 500))
    drawn(view)
    return view


def test_the_tutorials_loop_lights_each_phase(dock, drawn):
    session = dock.session
    assert "    l0 = X" in dock.view.toPlainText().splitlines()
    assert dock.highlighted == ()
    for phase in phases(1):
        session.micro.forward()
        drawn(dock)
        assert session.micro.phase == phase
        [text] = lit(dock)
        assert phase in TUTORIAL_LINES[text]


def test_values_beside_the_line_are_iteration_ks(dock, drawn):
    session = dock.session
    session.cursor.train(5)
    session.cursor.seek(3)
    session.micro.show_phase(Phase("error"))
    drawn(dock)
    line = line_of(dock, "l1_error = y - l1")
    yhat = session.run.outputs[3]
    expected = value_text("l1_error", session.run.Y - yhat)
    assert dock.view.notes[line] == expected
    assert expected.startswith("l1_error (4×1) = [") and "…" not in expected  # all 4 rows
    assert dock.view.notes[dock.script.loop_line] == "i = 3"
    session.micro.show_phase(Phase("activate", 0))
    drawn(dock)
    assert dock.view.notes[line_of(dock, "l1 = nonlin(np.dot(l0, syn0))")] == value_text(
        "l1", yhat)
    assert line not in dock.view.notes
    assert dock.values.text() == value_text("l1", yhat, 8)
    session.micro.show_phase(None)
    drawn(dock)
    assert dock.view.notes == {dock.script.loop_line: "i = 3"} and dock.highlighted == ()
    assert not dock.values.isVisible()


def test_clicking_a_loop_line_shows_its_phase(dock, drawn, qtbot):
    session = dock.session
    click_line(qtbot, dock, line_of(dock, "l1_delta = l1_error * nonlin(l1, True)"))
    assert session.micro.phase == Phase("delta", 0)
    forward = line_of(dock, "l1 = nonlin(np.dot(l0, syn0))")
    click_line(qtbot, dock, forward)
    assert session.micro.phase == Phase("sum", 0)
    click_line(qtbot, dock, forward)  # the same line again: its second phase
    assert session.micro.phase == Phase("activate", 0)
    drawn(dock)
    assert lit(dock) == ["l1 = nonlin(np.dot(l0, syn0))"]
    click_line(qtbot, dock, line_of(dock, "import numpy as np"))  # not in the loop
    assert session.micro.phase == Phase("activate", 0)


def test_it_follows_edits_and_the_iteration(dock, drawn):
    session = dock.session
    session.cursor.train(4)
    session.cursor.seek(2)
    drawn(dock)
    assert "ITERATIONS = 3" in dock.view.toPlainText().splitlines()
    session.cursor.set_weight(0, 1, 0, 0.5)
    session.cursor.set_learning_rate(0.25)
    drawn(dock)
    lines = dock.view.toPlainText().splitlines()
    at = lines.index("    if i == 2:  # changed by hand at iteration 2")
    assert lines[at + 1:at + 3] == ["        syn0[1, 0] = 0.5",
                                    "        lr = 0.25  # the learning rate from here on"]
    assert "    syn0 += lr * np.dot(l0.T, l1_delta)" in lines
    session.cursor.step()
    drawn(dock)
    assert "ITERATIONS = 4" in dock.view.toPlainText().splitlines()


def test_adam_with_biases_and_batches(make_view, drawn, qtbot):
    X, Y = builtin("xor")
    config = RunConfig("xor", X, Y, [3, 3, 1], ["tanh", "sigmoid"], "sse", 0.05, 7,
                       TrainingOptions(bias=True, optimizer="adam", batch_size=2, l2=0.01))
    session = TrainingSession(config)
    dock = make_view(CodeDock, size=(900, 600), session=session)
    session.cursor.train(3)
    session.cursor.seek(1)
    session.micro.show_phase(Phase("update"))
    drawn(dock)
    assert lit(dock)[-1] == "p -= lr * m_hat / (np.sqrt(v_hat) + eps)"
    top = dock.view.firstVisibleBlock().blockNumber() + 1  # the lit lines are on screen
    assert top <= dock.highlighted[0] and dock.highlighted[-1] < top + dock.view.verticalScrollBar(
        ).pageStep()
    note = dock.view.notes[dock.highlighted[-1]]
    W1, b1 = session.run.at(2).weights, session.run.at(2).biases
    assert note.startswith(value_text("syn0", W1[0])) and value_text("b1", b1[1]) in note
    session.micro.show_phase(Phase("delta", 0))
    drawn(dock)
    assert lit(dock) == ["l1_error = l2_delta.dot(syn1.T)",
                         "l1_delta = l1_error * tanh(l1, True)",
                         "syn0_grad = -np.dot(l0.T, l1_delta) + lambda2 * syn0",
                         "b0_grad = -l1_delta.sum(axis=0)"]
    step = session.run.at(1).step()
    assert dock.values.text().splitlines()[2] == value_text(
        "syn0_grad", step.gradient_weights[0], 8)
    assert dock.values.isVisible()
    click_line(qtbot, dock, line_of(dock, "l2_error = y[rows] - l2"))
    assert session.micro.phase == Phase("error")


def test_the_window_has_the_dock_beside_the_inspector(window, qtbot):
    dock = window.docks["CodeDock"]
    assert window.dockWidgetArea(dock) == Qt.BottomDockWidgetArea
    assert dock in window.tabifiedDockWidgets(window.docks["InspectorDock"])
    dock.raise_()
    qtbot.waitUntil(lambda: dock.built)
    qtbot.waitUntil(lambda: "    l0 = X" in dock.view.toPlainText().splitlines())
