"""Shift+→ walks the tutorial's iteration 0 in the window: the diagram shows the
tutorial's own numbers phase by phase, and Play can walk the phases on a clock."""

import numpy as np
from fake_clock import FakeClock, frames
from PySide6.QtCore import Qt

from gui.common import palette
from gui.diagram.phase_overlay import UPDATE_SECONDS, gradient_scale, phase_text
from nncore.phases import Phase


def tutorial_iteration_0(X, Y):
    """The tutorial's loop body, written out again (its own nonlin), at seed 1."""
    np.random.seed(1)
    syn0 = 2 * np.random.random((3, 1)) - 1
    l0 = X
    l1 = 1 / (1 + np.exp(-np.dot(l0, syn0)))
    l1_error = Y - l1
    l1_delta = l1_error * (l1 * (1 - l1))
    return {"syn0": syn0, "s": np.dot(l0, syn0), "l1": l1, "l1_error": l1_error,
            "l1_delta": l1_delta, "syn0_next": syn0 + np.dot(l0.T, l1_delta)}


def shift_right(qtbot, window):
    qtbot.keyClick(window.transport.timeline, Qt.Key_Right, Qt.ShiftModifier)
    window.network_view.refresh()  # draw now, not when the redraw timer comes round
    return window.network_view.phases


def test_shift_right_walks_the_tutorials_iteration_0(qtbot, window):
    session, view = window.session, window.network_view
    clock = FakeClock(per_reading=0)
    session.player.clock = clock
    tutorial = tutorial_iteration_0(session.run.X, session.run.Y)
    session.selection.select_sample(1)  # x = [1 1 1], y = 1

    overlay = shift_right(qtbot, window)
    assert session.micro.phase == Phase("sum", 0) and session.iteration == 0
    assert overlay.shown[1] == [tutorial["s"][1, 0]]
    assert overlay.shown[0] == [1.0, 1.0, 1.0]
    assert [label[3] for label in view.node_labels()][-1] == phase_text(tutorial["s"][1, 0])
    assert overlay.caption.isVisible() and "s(ŷ) = w₁·x₁ + w₂·x₂ + w₃·x₃" in (
        overlay.caption.text())

    overlay = shift_right(qtbot, window)
    assert session.micro.phase == Phase("activate", 0)
    assert overlay.shown[1] == [tutorial["l1"][1, 0]]

    overlay = shift_right(qtbot, window)
    assert session.micro.phase == Phase("error")
    assert overlay.shown[1] == [tutorial["l1_error"][1, 0]]
    assert "l1_error" in overlay.caption.text()

    overlay = shift_right(qtbot, window)
    assert session.micro.phase == Phase("delta", 0)
    assert overlay.shown[1] == [tutorial["l1_delta"][1, 0]]
    # the edges show dE/dw = -l0.T . l1_delta, scaled so that the largest is full width
    gradient = -np.dot(session.run.X.T, tutorial["l1_delta"]).ravel()
    scaled = gradient * gradient_scale(gradient)
    styles = view.edge_styles()
    assert [s[3] for s in styles] == palette.weight_widths(scaled).tolist()
    assert [s[4].name() for s in styles] == [palette.weight_color(v).name() for v in scaled]
    assert max(s[3] for s in styles) == palette.MAX_WIDTH

    overlay = shift_right(qtbot, window)
    assert session.micro.phase == Phase("update") and overlay.animating
    before = view.item.edge_values.copy()
    assert before.tolist() == tutorial["syn0"].ravel().tolist()  # the animation starts at W_0
    clock.advance(UPDATE_SECONDS / 2)
    overlay.animate_frame()
    halfway = view.item.edge_values
    assert np.allclose(halfway, (before + tutorial["syn0_next"].ravel()) / 2)
    clock.advance(UPDATE_SECONDS)
    overlay.animate_frame()
    assert not overlay.animating
    assert view.item.edge_values.tolist() == tutorial["syn0_next"].ravel().tolist()
    assert "syn0 += l0.T.dot(l1_delta)" in overlay.caption.text()

    overlay = shift_right(qtbot, window)  # past the update: iteration 1 begins
    assert session.iteration == 1 and session.micro.phase == Phase("sum", 0)
    assert session.run.weights_at(1)[0].tolist() == tutorial["syn0_next"].tolist()
    qtbot.keyClick(window.transport.timeline, Qt.Key_Left, Qt.ShiftModifier)
    assert session.iteration == 0 and session.micro.phase == Phase("update")


def test_an_arrow_leaves_the_micro_steps(qtbot, window):
    session, view = window.session, window.network_view
    for _ in range(4):
        overlay = shift_right(qtbot, window)
    assert session.micro.phase == Phase("delta", 0)
    qtbot.keyClick(window.transport.timeline, Qt.Key_Right)
    view.refresh()
    assert session.micro.phase is None and session.iteration == 1
    assert not overlay.caption.isVisible() and overlay.shown is None
    # the diagram is back to the weights of iteration 1 and the activations
    assert view.item.edge_values.tolist() == session.run.params_at(1).tolist()
    assert view.item.node_fills is None


def test_play_in_micro_steps_walks_the_phases_on_the_clock(qtbot, window):
    session = window.session
    clock = FakeClock(per_reading=0)
    session.player.clock = clock
    window.action_micro_play.trigger()
    assert session.player.micro_steps and window.action_micro_play.isChecked()
    # three phases a second: 0.09 of a phase a frame, so phase n comes at frame
    # ceil(n / 0.09) and no frame lands on a whole number (which float sums could miss)
    session.player.set_pace(3)
    session.player.play()
    seen = []
    session.micro.sigPhaseChanged.connect(seen.append)
    frames(session, clock, 12)
    assert seen == [Phase("sum", 0)]
    frames(session, clock, 43)  # 55 frames: four phases
    assert [p for p in seen if p is not None] == [
        Phase("sum", 0), Phase("activate", 0), Phase("error"), Phase("delta", 0)]
    frames(session, clock, 1)
    assert session.micro.phase == Phase("update") and session.iteration == 0
    frames(session, clock, 11)  # 67 frames: the sixth phase is iteration 1's first
    assert session.iteration == 1 and session.micro.phase == Phase("sum", 0)
    session.player.pause()
    window.action_micro_play.trigger()
    assert not session.player.micro_steps
