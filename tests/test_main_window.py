"""The main window, driven the way a learner drives it: actions, keys, the timeline."""

import sys

import numpy as np
import pytest
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
from gui.transport import SPEEDS

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
    assert s.run.learning_rate == 1.0 and s.config.dataset_name == "tutorial"
    np.testing.assert_allclose(s.weights()[0].ravel(), W_0, atol=1e-8)
    loss0 = 0.5 * np.sum((s.run.Y - s.run.outputs[0]) ** 2)
    assert status(window) == ("Iteration 0", f"Loss {loss0:.6g}", "Accuracy 50%")
    assert window.windowTitle() == "Backprop Lab"
    assert [a.text() for a in window.menuBar().actions()] == [
        "&File", "&Training", "&View", "&Help"]
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
        window.action_reset, window.action_step_back, window.action_play, window.action_step]
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
    window.action_play.trigger()
    assert window.session.playing
    assert window.action_play.text() == "&Pause"
    assert window.action_play.toolTip() == "Pause (Space)"
    qtbot.waitUntil(lambda: window.session.iteration > 20, timeout=5000)
    window.action_play.trigger()
    assert not window.session.playing and window.action_play.text() == "&Play"
    k = window.session.iteration
    assert window.iteration_label.text() == f"Iteration {k}"
    assert window.transport.counter.text() == f"{k} / {window.session.run.newest}"
    window.action_play.trigger()
    qtbot.waitUntil(lambda: window.session.iteration > k)
    window.close()  # closing while playing stops the timer; nothing fires afterwards
    assert not window.session.timer.isActive() and not window.session.playing


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
    assert window.session.playing
    qtbot.keyClick(timeline, Qt.Key_Space)
    assert not window.session.playing
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
    with qtbot.waitSignal(window.session.sigRunToProgress, timeout=10000,
                          check_params_cb=lambda done, total: total == 0):
        window.run_to(1000)
    s = window.session
    assert s.iteration == 1000 and not s.busy and window.progress is None
    np.testing.assert_allclose(s.weights()[0].ravel(), W_1000, atol=1e-8)
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
    window.run_to(2_000_000)
    assert window.session.busy
    assert not window.action_step.isEnabled() and not window.action_run_to.isEnabled()
    qtbot.waitUntil(lambda: window.progress is not None and window.session.run.newest > 0,
                    timeout=5000)
    qtbot.mouseClick(window.progress.findChild(QPushButton), Qt.LeftButton)
    assert not window.session.busy and window.progress is None
    last = window.session.run.newest
    assert 0 < last < 2_000_000 and window.session.iteration == last
    assert window.iteration_label.text() == f"Iteration {last}"
    assert window.transport.counter.text() == f"{last} / {last}"
    assert window.action_step.isEnabled() and window.action_run_to.isEnabled()
    assert "stopped" in window.statusBar().currentMessage()


def test_divergence_disables_step_and_play_at_the_end(qtbot, window):
    window.session.new_run(activations=["linear"], learning_rate=1e6)
    window.run_to(500)
    qtbot.waitUntil(lambda: not window.session.busy, timeout=5000)
    s = window.session
    assert s.run.diverged_at is not None and s.at_end
    assert not window.action_step.isEnabled() and not window.action_play.isEnabled()
    assert window.action_step_back.isEnabled()
    assert "iverged at iteration" in window.statusBar().currentMessage()
    window.action_step_back.trigger()
    assert window.action_step.isEnabled()  # the recorded history can still be replayed


def test_playing_thousands_of_frames_keeps_none_referenced(qtbot, window):
    """Each tick emits, the views redraw; a PySide build that drops a reference to
    None on every call would make this count fall by thousands."""
    s = window.session
    s.set_speed(5000)  # a few iterations per tick: the cost is in the views, not training
    s.play()
    before = sys.getrefcount(None)
    app = QApplication.instance()
    for i in range(2000):
        s._tick()
        if i % 400 == 0:
            app.processEvents()  # let the views paint now and then
    after = sys.getrefcount(None)
    s.pause()
    assert s.run.newest > 1000 and s.iteration == window.transport.timeline.value()
    assert after > before - 500


def test_layout_is_saved_on_close_and_restored(open_window, settings):
    first = open_window()
    first.snapshots_dock.close()  # the learner hides a dock
    first.action_log_x.trigger()
    first.transport.speed.setValue(SPEEDS.index(50))
    first.close()
    assert settings.value("window/state") is not None
    second = open_window()
    assert not second.snapshots_dock.isVisible()
    assert second.docks["PlotsView"].isVisible()
    assert second.action_log_x.isChecked()
    assert second.session.speed == 50 and second.transport.speed_label.text() == "50 it/s"
    # (Window size is saved too, but the offscreen screen is too small to restore it.)
    assert settings.value("window/geometry") is not None


def test_status_and_counter_hold_their_size_and_fit_long_runs(window, run_to):
    """The labels that change on every frame are fixed in size (so a new text never
    re-lays out the window), and that size still shows a 9-digit iteration whole."""
    run_to(window, 37)
    labels = (window.iteration_label, window.loss_label, window.accuracy_label,
              window.transport.counter)
    sizes = [label.size() for label in labels]
    assert all(label.minimumSize() == label.maximumSize() for label in labels)
    window.session.seek(5)
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
    assert not window.session.busy and window.session.run.newest == 0
    assert window.statusBar().currentMessage().startswith(f"Not run: {why}")
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: (" 30 ", True))
    window.action_run_to.trigger()
    assert window.session.run_to_target == 30  # " 30 " is 30
    window.session.cancel_run_to()
