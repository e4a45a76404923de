"""Shift+→ walks the tutorial's iteration 0 in the window: the diagram shows the
tutorial's own numbers phase by phase, and Play can walk the phases on a clock."""

import numpy as np
from fake_clock import FakeClock, frames
from PySide6.QtCore import Qt

from gui.common import palette
from gui.common.chain_rule import fmt, unit_symbol
from gui.diagram.phase_overlay import (
    PENDING_FILL,
    UPDATE_SECONDS,
    gradient_scale,
    phase_text,
    short,
)
from gui.session import Bias
from nncore import TrainingOptions, builtin
from nncore.phase_values import phase_values
from nncore.phases import Phase, phases


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
    assert view.item.node_fills[1][0].name() == PENDING_FILL.name()  # a sum, not yet f(s)
    # each edge carries its term of the sum, w·x
    assert overlay.labels.labels == [(i, f"{short(w)}·1")
                                     for i, w in enumerate(tutorial["syn0"].ravel())]
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
    relative = tutorial["l1_delta"][1, 0] / np.max(np.abs(tutorial["l1_delta"]))
    assert view.item.node_fills[1][0].name() == palette.weight_color(
        relative * palette.COLOR_FULL_SCALE).name()
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
    assert window.transport.speed_label.text() == "2 ph/s"  # the slider's step nearest 3
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


def test_the_caption_and_tooltips_carry_the_live_numbers(qtbot, window):
    session, view = window.session, window.network_view
    tutorial = tutorial_iteration_0(session.run.X, session.run.Y)
    overlay = shift_right(qtbot, window)  # sample 1: x = [0 0 1]
    s = tutorial["s"][0, 0]
    assert f"= {fmt(s)}" in overlay.caption.text()
    assert view.tooltip_for(("node", (1, 0))) == f"weighted sum s = {float(s)!r}"
    for _ in range(3):
        overlay = shift_right(qtbot, window)
    delta = tutorial["l1_delta"][0, 0]
    assert fmt(delta) in overlay.caption.text()
    assert view.tooltip_for(("node", (1, 0))) == (
        f"δ (the tutorial's delta, −∂E/∂s) = {float(delta)!r}")
    assert view.legend.symbol is not None and "∂E/∂w" in view.legend.symbol
    qtbot.keyClick(window.transport.timeline, Qt.Key_Right)
    view.refresh()
    assert view.legend.symbol is None


def test_a_run_with_biases_and_mini_batches_walks_every_phase(qtbot, window):
    X, Y = builtin("xor")
    session, view = window.session, window.network_view
    clock = FakeClock(per_reading=0)
    session.player.clock = clock
    session.new_run(dataset_name="xor", X=X, Y=Y, layer_sizes=[3, 4, 2, 1],
                    activations=["tanh", "relu", "sigmoid"], learning_rate=0.1,
                    options=TrainingOptions(bias=True, batch_size=3, optimizer="adam",
                                            reduction="mean"))
    session.cursor.train(2)
    session.cursor.seek(1)
    values = phase_values(session.run, 1)
    outside = next(row for row in range(4) if values.position(row) is None)
    inside = next(row for row in range(4) if values.position(row) is not None)
    for sample in (inside, outside):
        session.selection.select_sample(sample)
        session.micro.leave()
        for phase in session.micro.all_phases():
            overlay = shift_right(qtbot, window)
            assert session.micro.phase == phase and session.iteration == 1
            if phase.kind == "delta":
                # the "+1" node's edges show dE/db on the same scale as the weights' dE/dw
                gradient = np.concatenate([values.weight_gradients[phase.layer].ravel(),
                                           values.bias_gradients[phase.layer]])
                scaled = gradient * gradient_scale(gradient)
                first = session.run.n_params + sum(session.run.layer_sizes[1:phase.layer + 1])
                biases = view.item.edge_values[first:first + len(
                    values.bias_gradients[phase.layer])]
                assert biases.tolist() == scaled[-len(biases):].tolist()
                shown = overlay.shown[phase.layer + 1]
                if sample == inside:
                    expected = values.tutorial_delta(phase.layer)[values.position(sample)]
                    assert shown == list(expected)
                else:
                    assert shown == [None] * len(shown)
                    assert "not in this iteration's batch" in overlay.caption.text()
        parts = values.step.parts  # Adam's numbers behind w₁'s step, to check by hand
        assert (f"m̂ = {fmt(parts['m_hat'][0])},  v̂ = {fmt(parts['v_hat'][0])}"
                in overlay.caption.text())
        assert f"= {fmt(session.run.params_at(2)[0])}" in overlay.caption.text()
        clock.advance(UPDATE_SECONDS)
        overlay.animate_frame()  # the animation ends on W_2 exactly
        assert view.item.edge_values.tolist() == session.run.at(2).theta.tolist()  # and b_2
        session.cursor.seek(1)
    # a selected bias: its own update, with the numbers to check it by hand
    session.selection.select_edge(Bias(1, 0))
    session.micro.show_phase(Phase("update"))
    view.refresh()
    b, b_next = values.biases[1][0], values.biases_next[1][0]
    symbol = f"b({unit_symbol(session.run.layer_sizes, 2, 0)})"
    assert f"{symbol} ← {symbol} − Δ" in overlay.caption.text()
    assert f"{symbol}: {fmt(b)} − " in overlay.caption.text()
    assert f"= {fmt(b_next)}" in overlay.caption.text()
    assert b_next == session.run.at(2).biases[1][0]


def test_the_last_finite_iteration_of_a_diverged_run_walks_to_its_update(qtbot, window):
    session, view = window.session, window.network_view
    session.new_run(learning_rate=1e6, activations=["linear"])
    session.cursor.train(50)
    last = session.run.newest
    assert session.run.diverged_at == last + 1
    session.cursor.seek(last)
    for _ in session.micro.all_phases():
        overlay = shift_right(qtbot, window)
    assert session.micro.phase == Phase("update")
    assert view.node_labels()[-1][3] == phase_text(session.run.outputs[last][0, 0])
    assert "e+1" in overlay.caption.text()  # the huge numbers, written out
    shift_right(qtbot, window)  # training cannot go past the divergence: it stays
    assert session.micro.phase == Phase("update") and session.iteration == last


def test_shift_right_lights_the_tutorials_line_in_the_code_view(qtbot, window, drawn):
    """The learner's view of iteration 0: each Shift+→ lights the tutorial's own line of
    the phase in the Code dock, while the diagram shows that phase."""
    from test_code_dock import TUTORIAL_LINES, lit

    code = window.docks["CodeDock"]
    code.raise_()  # its tab brought to the front: it builds itself when first shown
    qtbot.waitUntil(lambda: code.built)
    for phase in phases(1):
        shift_right(qtbot, window)
        drawn(code)
        assert window.session.micro.phase == phase and window.session.iteration == 0
        [line] = lit(code)
        assert phase in TUTORIAL_LINES[line]
