"""The main window, driven the way a learner drives it: actions, keys, the timeline."""

import math
import sys

import numpy as np
import pytest
from fake_clock import FakeClock, finish_run_to, frames
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QDockWidget,
    QMessageBox,
    QPushButton,
    QTabBar,
)

import nncore
from gui.session import FRAME_MS, MAX, WATCH
from gui.transport import PACES

W_0 = [-0.16595599, 0.44064899, -0.99977125]
W_1000 = [7.26283009, -0.21614618, -3.41703015]
YHAT_999 = [0.03178421, 0.97414645, 0.97906682, 0.02576499]


def status(window):
    return (window.iteration_label.text(), window.loss_label.text(),
            window.accuracy_label.text())


def test_opens_on_the_tutorial_run_with_standard_actions_and_docks(window):
    s = window.session
    assert s.iteration == 0 and s.run.newest == 0
    assert s.run.layer_sizes == [3, 1] and s.run.seed == 1
    assert s.run.learning_rate == 1.0 and s.cursor.config.dataset_name == "tutorial"
    np.testing.assert_allclose(s.cursor.weights()[0].ravel(), W_0, atol=1e-8)
    loss0 = 0.5 * np.sum((s.run.Y - s.run.outputs[0]) ** 2)
    assert status(window) == ("Iteration 0", f"Loss {loss0:.6g}", "Accuracy 50%")
    assert window.windowTitle() == "Backprop Lab"
    assert [a.text() for a in window.menuBar().actions()] == [
        "&File", "&Training", "&Lessons", "&View", "&Help"]
    assert window.action_play.text() == "&Play"
    assert window.action_play.isEnabled() and window.action_step.isEnabled()
    assert not window.action_step_back.isEnabled() and not window.action_reset.isEnabled()
    keys = {window.action_play: "Space", window.action_step: "Right",
            window.action_step_back: "Left", window.action_reset: "Home",
            window.action_run_to: "Ctrl+G", window.action_open: "Ctrl+O",
            window.action_save: "Ctrl+S", window.action_save_as: "Ctrl+Shift+S",
            window.action_quit: "Ctrl+Q"}
    for action, key in keys.items():
        assert action.shortcut().toString() == key
        assert action.statusTip()
    # The transport bar's buttons are the very same actions, not copies.
    assert [b.defaultAction() for b in window.transport.buttons] == [
        window.action_reset, window.action_step_back, window.action_play, window.action_step,
        window.action_micro_play]
    docks = window.findChildren(QDockWidget)
    names = [d.objectName() for d in docks]
    assert len(set(names)) == len(names) and all(names)
    view_actions = window.view_menu.actions()
    assert all(d.toggleViewAction() in view_actions for d in docks)
    # Each group of tabbed docks shows exactly one tab bar (no stale duplicates).
    bars = [tuple(b.tabText(i) for i in range(b.count()))
            for b in window.findChildren(QTabBar) if b.isVisible() and b.parent() is window]
    assert len(bars) == len(set(bars))
    assert "Snapshots" in sum(bars, ())


def test_about_names_the_version(window, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "about", lambda parent, title, text: shown.append(text))
    window.action_about.trigger()
    assert len(shown) == 1 and f"Backprop Lab {nncore.__version__}" in shown[0]


def test_step_and_step_back_update_status_and_actions(window):
    for _ in range(3):
        window.action_step.trigger()
    run = window.session.run
    assert window.session.iteration == 3 and run.newest == 3
    assert status(window) == ("Iteration 3", f"Loss {run.losses[3]:.6g}",
                              f"Accuracy {run.accuracies[3]:.0%}")
    assert window.transport.counter.text() == "3 / 3"
    assert window.action_step_back.isEnabled() and window.action_reset.isEnabled()
    window.action_step_back.trigger()
    assert window.session.iteration == 2 and run.newest == 3  # stepping back keeps history
    assert window.iteration_label.text() == "Iteration 2"
    window.action_reset.trigger()
    assert window.session.iteration == 0
    assert not window.action_step_back.isEnabled() and not window.action_reset.isEnabled()


def test_play_pause_and_close_while_playing(qtbot, window):
    s, clock = window.session, FakeClock(per_reading=0)
    s.player.clock = clock
    window.action_play.trigger()
    assert window.session.player.playing
    assert window.action_play.text() == "&Pause"
    assert window.action_play.toolTip() == "Pause (Space)"
    frames(s, clock, 100)  # 3 s at the watch pace: iteration 10^0.9 - 1
    window.action_play.trigger()
    assert not window.session.player.playing and window.action_play.text() == "&Play"
    assert window.iteration_label.text() == "Iteration 6"
    assert window.transport.counter.text() == "6 / 6"
    window.action_play.trigger()
    frames(s, clock, 10)
    assert s.iteration > 6 and window.iteration_label.text() == f"Iteration {s.iteration}"
    window.close()  # closing while playing stops the timer; nothing fires afterwards
    assert not window.session.player.frame_timer.isActive() and not window.session.player.playing


def test_keyboard_drives_play_and_steps_even_from_the_slider_and_a_spin_box(qtbot, window):
    architecture = window.docks["ArchitectureDock"]  # its dock is in front at start
    architecture.add_layer()  # a hidden layer: its units box is a spin box
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    timeline = window.transport.timeline
    timeline.setFocus()
    for _ in range(5):
        qtbot.keyClick(timeline, Qt.Key_Right)
    assert window.session.iteration == 5
    qtbot.keyClick(timeline, Qt.Key_Left)
    assert window.session.iteration == 4
    assert timeline.value() == 4  # the slider followed, it did not move on its own
    spin = architecture.hidden_rows[0][1]
    assert isinstance(spin, QAbstractSpinBox) and spin.isVisible()
    spin.setFocus()
    qtbot.waitUntil(spin.hasFocus)
    qtbot.keyClick(spin, Qt.Key_Right)
    assert window.session.iteration == 5 and spin.hasFocus()  # the focus stayed there
    assert timeline.value() == 5 and window.iteration_label.text() == "Iteration 5"
    qtbot.keyClick(timeline, Qt.Key_Space)
    assert window.session.player.playing
    qtbot.keyClick(timeline, Qt.Key_Space)
    assert not window.session.player.playing
    qtbot.keyClick(timeline, Qt.Key_Home)
    assert window.session.iteration == 0


def test_a_thousand_right_presses_reach_the_tutorial_weights(qtbot, window):
    """The keyboard acceptance check: 1000 presses of the right arrow, as a learner
    (or a keyboard driver on a virtual display) would type them."""
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    focus = QApplication.focusWidget()
    assert focus is window.transport.timeline  # the window starts with keys working
    for _ in range(1000):
        qtbot.keyClick(focus, Qt.Key_Right)
    s = window.session
    assert s.iteration == 1000 and s.run.newest == 1000
    item = window.network_view.item
    qtbot.waitUntil(lambda: np.allclose(item.edge_values, W_1000, atol=1e-8))
    assert window.iteration_label.text() == "Iteration 1000"
    qtbot.keyClick(focus, Qt.Key_Left)
    qtbot.waitUntil(lambda: abs(item.node_values[-1][0] - YHAT_999[0]) < 1e-8)


def test_run_to_1000_shows_tutorial_values_then_step_back_and_scrub(qtbot, window):
    with qtbot.waitSignal(window.session.player.sigRunToProgress,
                          check_params_cb=lambda done, total: total == 0):
        window.run_to(1000)
        finish_run_to(window.session)
    s = window.session
    assert s.iteration == 1000 and not s.player.busy and window.progress is None
    np.testing.assert_allclose(s.cursor.weights()[0].ravel(), W_1000, atol=1e-8)
    assert window.iteration_label.text() == "Iteration 1000"
    assert window.loss_label.text() == f"Loss {s.run.losses[1000]:.6g}"
    assert window.accuracy_label.text() == "Accuracy 100%"
    # The diagram draws W_1000 on its edges (it may redraw on the next frame).
    item = window.network_view.item
    qtbot.waitUntil(lambda: np.allclose(item.edge_values, W_1000, atol=1e-8))
    window.action_step_back.trigger()
    assert s.iteration == 999
    np.testing.assert_allclose(s.run.outputs[999][:, 0], YHAT_999, atol=1e-8)
    # Sample 0's output node shows yhat_999 for x = [0 0 1].
    qtbot.waitUntil(lambda: abs(item.node_values[-1][0] - YHAT_999[0]) < 1e-8)
    assert item.node_texts[-1][0] == "0.03"
    window.transport.timeline.setValue(37)  # scrubbing moves the cursor, trains nothing
    assert s.iteration == 37 and s.run.newest == 1000
    assert window.iteration_label.text() == "Iteration 37"
    assert window.transport.counter.text() == "37 / 1000"
    assert window.transport.timeline.maximum() == 1000


def test_run_to_can_be_cancelled_and_the_window_stays_usable(qtbot, window):
    clock = window.session.player.clock = FakeClock()
    window.run_to(2_000_000)
    assert window.session.player.busy
    assert not window.action_step.isEnabled() and not window.action_run_to.isEnabled()
    frames(window.session, clock)  # the job's first frame
    assert window.progress is not None and window.session.run.newest > 0
    qtbot.mouseClick(window.progress.findChild(QPushButton), Qt.LeftButton)
    assert not window.session.player.busy and window.progress is None
    last = window.session.run.newest
    assert 0 < last < 2_000_000 and window.session.iteration == last
    assert window.iteration_label.text() == f"Iteration {last}"
    assert window.transport.counter.text() == f"{last} / {last}"
    assert window.action_step.isEnabled() and window.action_run_to.isEnabled()
    assert "stopped" in window.statusBar().currentMessage()


def test_divergence_disables_step_and_play_at_the_end(qtbot, window):
    window.session.new_run(activations=["linear"], learning_rate=1e6)
    window.run_to(500)
    finish_run_to(window.session)
    s = window.session
    assert s.run.diverged_at is not None and s.cursor.at_end
    assert not window.action_step.isEnabled() and not window.action_play.isEnabled()
    assert window.action_step_back.isEnabled()
    assert "iverged at iteration" in window.statusBar().currentMessage()
    window.action_step_back.trigger()
    assert window.action_step.isEnabled()  # the recorded history can still be replayed


def test_playing_thousands_of_frames_keeps_none_referenced(qtbot, window):
    """Each frame emits, the views redraw; a PySide build that drops a reference to
    None on every call would make this count fall by thousands."""
    s, clock = window.session, FakeClock(per_reading=0)
    s.player.clock = clock
    s.player.set_pace(500)  # a few iterations per frame: the cost is in the views
    s.player.play()
    before = sys.getrefcount(None)
    app = QApplication.instance()
    for i in range(2000):
        frames(s, clock)
        if i % 400 == 0:
            app.processEvents()  # let the views paint now and then
    after = sys.getrefcount(None)
    s.player.pause()
    assert s.run.newest == 2000 * 15 == s.iteration  # 60 s at 500 iterations a second
    assert window.transport.timeline.value() == s.iteration
    assert window.iteration_label.text() == "Iteration 30000"
    assert after > before - 500


def test_play_starts_at_the_watch_pace_evenly_through_log_iterations(window):
    """Iteration k is shown log10(1 + k) / 0.3 seconds after Play: one by one at
    first, then each tenfold in as long as the one before, 1000 in 10 s."""
    s, clock = window.session, FakeClock(per_reading=0)
    s.player.clock = clock
    assert s.player.pace == WATCH and window.transport.speed_label.text() == "watch"
    window.action_play.trigger()
    shown = []  # the iteration the status bar shows after each frame
    for _ in range(400):  # 12 s
        frames(s, clock)
        shown.append(int(window.iteration_label.text().removeprefix("Iteration ")))
        assert window.transport.counter.text() == f"{shown[-1]} / {shown[-1]}"
    seconds = [(i + 1) * FRAME_MS / 1000 for i in range(len(shown))]
    for k in (1, 10, 100, 1000):
        first = next(i for i, v in enumerate(shown) if v >= k)
        assert seconds[first - 1] < math.log10(1 + k) / 0.3 <= seconds[first], k
    assert shown[:117] == sorted(shown[:117]) and set(range(11)) <= set(shown)  # 1 by 1
    assert (shown[32], shown[33]) == (0, 1)  # 0.99 s, 1.02 s
    assert (shown[332], shown[333]) == (992, 1012)  # 9.99 s, 10.02 s
    window.action_play.trigger()
    assert window.iteration_label.text() == f"Iteration {shown[-1]}" == f"Iteration {s.run.newest}"


def test_pause_shows_the_newest_iteration_trained_at_max_pace(window):
    """At max pace, training runs between frames; Pause shows where it got to."""
    s, clock = window.session, FakeClock()
    s.player.clock = clock
    window.transport.speed.setValue(PACES.index(MAX))
    assert s.player.pace == MAX and window.transport.speed_label.text() == "max"
    window.action_play.trigger()
    frames(s, clock)  # a frame that trains a slice itself (none ran before it)
    first = s.run.newest
    assert window.iteration_label.text() == f"Iteration {first}"
    for _ in range(4):
        s.player.train_slice()  # the event loop is idle between frames
    assert s.run.newest == 5 * first  # each slice as long on the fake clock
    assert window.iteration_label.text() == f"Iteration {first}"
    window.action_play.trigger()  # Pause
    assert window.iteration_label.text() == f"Iteration {5 * first}"
    assert window.transport.counter.text() == f"{5 * first} / {5 * first}"
    assert window.loss_label.text() == f"Loss {s.run.losses[5 * first]:.6g}"


def test_layout_is_saved_on_close_and_restored(open_window, settings):
    first = open_window()
    first.snapshots_dock.close()  # the learner hides a dock
    first.action_log_x.trigger()
    first.transport.speed.setValue(PACES.index(50))
    first.close()
    assert settings.value("window/state") is not None
    second = open_window()
    assert not second.snapshots_dock.isVisible()
    assert second.docks["PlotsView"].isVisible()
    assert second.action_log_x.isChecked()
    assert second.session.player.pace == 50 and second.transport.speed_label.text() == "50 it/s"
    # (Window size is saved too, but the offscreen screen is too small to restore it.)
    assert settings.value("window/geometry") is not None


@pytest.mark.parametrize("key, value", [("transport/speed", 0.0), ("transport/pace", "fast")])
def test_play_starts_at_the_watch_pace_whatever_an_old_or_edited_file_says(
        open_window, settings, key, value):
    """The old key kept the old default, max, for everyone; a bad value is ignored."""
    settings.setValue(key, value)
    window = open_window()
    assert window.session.player.pace == WATCH
    assert window.transport.speed.value() == 0 and window.transport.speed_label.text() == "watch"


def test_status_and_counter_hold_their_size_and_fit_long_runs(window, run_to):
    """The labels that change on every frame are fixed in size (so a new text never
    re-lays out the window), and that size still shows a 9-digit iteration whole."""
    run_to(window, 37)
    labels = (window.iteration_label, window.loss_label, window.accuracy_label,
              window.transport.counter)
    sizes = [label.size() for label in labels]
    assert all(label.minimumSize() == label.maximumSize() for label in labels)
    window.session.cursor.seek(5)
    assert [label.size() for label in labels] == sizes
    for label, text in ((window.iteration_label, "Iteration 123456789"),
                        (window.loss_label, "Loss 1.23457e-05"),
                        (window.accuracy_label, "Accuracy 100%"),
                        (window.transport.counter, "123456789 / 123456789")):
        assert label.fontMetrics().horizontalAdvance(text) <= label.contentsRect().width()


@pytest.mark.parametrize("text, why", [
    ("20000000", "iteration: must be from 0 to 10000000, got '20000000'"),  # getInt: 2000000
    ("-1", "iteration: must be from 0 to 10000000, got '-1'"),
    ("1_0", "iteration: '1_0' is not a number"),
    ("\u0663", "iteration: '\u0663' is not a number"),
    (" 1e400", "iteration: ' 1e400' is too large"),
    ("nan", "iteration: 'nan' is not a finite number"),
])
def test_run_to_uses_the_typed_iteration_exactly_or_says_why_not(window, monkeypatch, text,
                                                                  why):
    from PySide6.QtWidgets import QInputDialog

    asked = []
    monkeypatch.setattr(QInputDialog, "getText",
                        lambda *a, **k: asked.append(k["text"]) or (text, True))
    window.action_run_to.trigger()
    assert asked == ["1000"]  # the dialog starts from the last target
    assert not window.session.player.busy and window.session.run.newest == 0
    assert window.statusBar().currentMessage().startswith(f"Not run: {why}")
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: (" 30 ", True))
    window.action_run_to.trigger()
    assert window.session.player.run_to_target == 30  # " 30 " is 30
    window.session.player.cancel_run_to()
