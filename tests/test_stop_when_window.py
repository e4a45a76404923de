"""Breakpoints in the window: Training ▸ Stop when… pauses Play and Run to at the
iteration the command line stops at, and the status bar names the condition; the
Lessons menu; the Gradient flow dock and its initialisation combo."""

import json

import numpy as np
import pytest
from fake_clock import FakeClock, finish_run_to, frames
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QDialogButtonBox

from gui import cli
from gui.docks.gradient_flow_dock import FLOOR, GradientFlowDock, ratio_words
from gui.lessons import StopWhenDialog
from gui.session import MAX, TrainingSession
from nncore import TrainingOptions, init_weights, save_csv
from nncore.datasets import two_d
from nncore.gradient_flow import GradientFlow, gradient_norms

OVERFIT = dict(layer_sizes=[3, 16, 16, 1], activations=["tanh", "tanh", "sigmoid"],
               learning_rate=0.05, seed=1,
               options=TrainingOptions(test_fraction=0.5, bias=True))


@pytest.fixture
def flow_dock(make_view):
    """``flow_dock(session, size)``: a Gradient flow dock of its own, deleted at the
    end of the test while nothing paints. (Left to the garbage collector, a dock's
    pyqtgraph scene could be freed in the middle of a later test's paint.)"""
    made = []

    def make(session, size=None):
        dock = make_view(GradientFlowDock, session=session, size=size)
        made.append(dock)
        return dock

    yield make
    for dock in made:
        dock.close()
        dock.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def overfit_data():
    return two_d("xor", 40, noise=0.3, seed=1)


@pytest.fixture(scope="module")
def cli_stop(tmp_path_factory):
    """``train --stop-when test_loss_rising:50`` on the same data and network."""
    X, Y = overfit_data()
    path = tmp_path_factory.mktemp("stop") / "data.csv"
    save_csv(path, X, Y)
    args = ["train", "--dataset", str(path), "--layers", "3,16,16,1", "--activation",
            "tanh,tanh,sigmoid", "--lr", "0.05", "--seed", "1", "--test-fraction", "0.5",
            "--bias", "--iterations", "3000", "--stop-when", "test_loss_rising:50", "--json"]
    import contextlib
    import io
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli.main(args) == 0
    return json.loads(out.getvalue())


def window_with_overfit_run(window, clock):
    window.session.player.clock = clock
    X, Y = overfit_data()
    window.session.new_run(dataset_name="custom", X=X, Y=Y, **OVERFIT)
    window.lessons.set_stop_conditions("test_loss_rising:50")
    messages = []
    window.session.sigMessage.connect(messages.append)
    return messages


def assert_same_as_cli(session, out):
    k = out["iteration"]
    assert out["stopped_by"] == "test_loss_rising:50" and k > 50
    assert session.iteration == k
    for got, saved in zip(session.run.weights_at(k), out["weights"], strict=True):
        assert np.array_equal(got, np.array(saved))  # bit for bit


def test_play_at_max_pace_stops_where_the_cli_stops(window, cli_stop):
    clock = FakeClock()
    messages = window_with_overfit_run(window, clock)
    player = window.session.player
    player.set_pace(MAX)
    player.play()
    for _ in range(2000):
        if not player.playing:
            break
        frames(window.session, clock)
    assert not player.playing and not player.slice_timer.isActive()
    assert_same_as_cli(window.session, cli_stop)
    k = cli_stop["iteration"]
    assert messages[-1] == f"Stopped at iteration {k}: test_loss_rising:50"
    assert window.statusBar().currentMessage() == messages[-1]
    assert window.iteration_label.text() == f"Iteration {k}"
    assert window.action_play.text() == "&Play"


def test_play_at_a_set_pace_and_run_to_stop_there_too(window, cli_stop):
    clock = FakeClock(per_reading=0)
    window_with_overfit_run(window, clock)
    session, player = window.session, window.session.player
    player.set_pace(2000.0)  # iterations a second: 60 a frame
    player.play()
    for _ in range(500):
        if not player.playing:
            break
        frames(session, clock)
    assert_same_as_cli(session, cli_stop)
    # Run to from the start again, over the recorded history and beyond it.
    session.cursor.seek(0)
    player.run_to(3000)
    assert session.iteration == cli_stop["iteration"] and not player.busy
    X, Y = overfit_data()
    session.new_run(dataset_name="custom", X=X, Y=Y, **OVERFIT)
    player.run_to(3000)
    finish_run_to(session)
    assert_same_as_cli(session, cli_stop)
    assert window.progress is None  # the job's progress dialog went with it


def test_a_condition_true_at_the_start_lets_play_go_on(window):
    session, player = window.session, window.session.player
    clock = FakeClock(per_reading=0)
    player.clock = clock
    window.lessons.set_stop_conditions("accuracy>=0.5")
    player.set_pace(300.0)
    player.play()
    frames(session, clock, 10)  # the tutorial is at 50% accuracy from iteration 0
    assert player.playing and session.iteration == 90  # 0.3 s at 300 a second
    player.pause()


def test_the_dialog_refuses_bad_lines_and_keeps_them(qtbot):
    session = TrainingSession()
    dialog = StopWhenDialog("loss<0.05\nloss<<1", session.run)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.Ok).click()
    assert dialog.isVisible() and dialog.conditions is None
    assert dialog.error.text() == "line 2: 'loss<<1': '<1' is not a number"
    dialog.editor.setPlainText("test_loss<0.1")
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.Ok).click()
    assert "holds out no rows" in dialog.error.text() and dialog.isVisible()
    dialog.editor.setPlainText("loss<0.05\n\n  accuracy>=1 ")
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.Ok).click()
    assert not dialog.isVisible()
    assert [c.text for c in dialog.conditions] == ["loss<0.05", "accuracy>=1"]
    session.shutdown()


def test_setting_conditions_names_them(window):
    window.lessons.set_stop_conditions("loss<0.05\nsaturated")
    assert [c.text for c in window.session.player.stop_conditions] == ["loss<0.05",
                                                                       "saturated"]
    assert window.lessons.action_stop_when.text() == "Stop &when\N{HORIZONTAL ELLIPSIS} (2 set)"
    assert window.statusBar().currentMessage() == ("Play and Run to stop when: loss<0.05, "
                                                   "saturated.")
    window.lessons.set_stop_conditions("")
    assert window.session.player.stop_conditions == []
    assert window.lessons.action_stop_when.text() == "Stop &when\N{HORIZONTAL ELLIPSIS}"


# ---- the lessons and the gradient-flow dock ---------------------------------------------


def test_the_vanishing_gradients_lesson_sets_up_a_deep_sigmoid_net(window, qtbot):
    window.lessons.actions["vanishing"].trigger()
    run = window.session.run
    assert run.layer_sizes == [3] + [8] * 6 + [1] and run.activations == ["sigmoid"] * 7
    assert run.learning_rate == 0.5 and run.options.init == "uniform" and run.seed == 1
    assert window.session.cursor.config.dataset_name == "2-D circle"
    dock = window.docks["GradientFlowDock"]
    qtbot.waitUntil(lambda: dock.built and not dock.redraw.stale)
    assert dock.summary.text().startswith(
        "Iteration 0: the first layer's gradient (W1, 0.01) is 1/1,000 of the last "
        "layer's (W7, 11). ")
    window.lessons.actions["he_relu"].trigger()
    run = window.session.run
    assert run.activations == ["relu"] * 6 + ["sigmoid"] and run.options.init == "he"
    qtbot.waitUntil(lambda: not dock.redraw.stale)
    assert "is about the same as the last layer's" in dock.summary.text()
    assert dock.init_combo.currentData() == "he"


def test_the_dock_draws_one_curve_per_layer_following_the_history(flow_dock, qtbot):
    session = TrainingSession()
    X, Y = two_d("circle", 60)
    session.new_run(dataset_name="2-D circle", X=X, Y=Y, layer_sizes=[3, 6, 6, 6, 1],
                    activations=["sigmoid"] * 4, learning_rate=0.5)
    dock = flow_dock(session, size=(420, 600))
    session.player.run_to(300)
    finish_run_to(session)
    session.cursor.seek(120)
    qtbot.waitUntil(lambda: not dock.redraw.stale)
    assert len(dock.curves) == 4
    ks, norms, complete = GradientFlow(session.run).curves()
    assert complete
    for layer, curve in enumerate(dock.curves):
        x, y = curve.getData()
        assert np.array_equal(x, ks) and ks[-1] == 300
        assert np.array_equal(y, np.log10(np.maximum(norms[:, layer], FLOOR)))
    assert dock.cursor_line.value() == 120
    norms_120 = gradient_norms(session.run, [120])[0]
    assert f"(W1, {norms_120[0]:.2g})" in dock.summary.text()
    assert dock.key.text().count("━ W") == 4 and "━ W4</span>" in dock.key.text()
    assert dock.summary.text().startswith("Iteration 120: ")
    session.new_run(layer_sizes=[2, 1], X=X[:, :2], Y=Y, activations=["sigmoid"])
    qtbot.waitUntil(lambda: not dock.redraw.stale)
    assert len(dock.curves) == 1 and dock.summary.text().startswith(
        "Iteration 0: the gradient of W1 is ")


def test_the_init_combo_starts_the_run_again_with_that_scheme(flow_dock, qtbot):
    session = TrainingSession()
    session.new_run(layer_sizes=[3, 4, 1], seed=7)
    session.run.train(20)
    dock = flow_dock(session)
    dock.init_combo.setCurrentIndex(dock.init_combo.findData("xavier"))
    run = session.run
    assert run.options.init == "xavier" and run.newest == 0 and run.seed == 7
    expected = init_weights([3, 4, 1], 7, init="xavier")
    assert all(np.array_equal(a, b) for a, b in zip(run.weights_at(0), expected, strict=True))
    session.new_run(seed=8)  # other settings keep the scheme
    assert session.run.options.init == "xavier"
    assert dock.init_combo.currentText() == "Xavier / Glorot"


@pytest.mark.parametrize("first, last, words", [
    (1e-3, 1.0, "1/1,000 of"), (2.0, 1.0, "about the same as"), (50.0, 1.0, "100 times"),
    (0.0, 1.0, "0 times"), (1.0, 0.0, "not comparable with")])
def test_ratio_words(first, last, words):
    assert ratio_words(first, last) == words
