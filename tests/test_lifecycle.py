"""The window's life (RELIABILITY 20, 22, 24, 25, 26): closing during play, errors in
slots, leaks over repeated open/close, long play, and starting without a display.

Timers and threads are watched the way napari's ``_dangling_qtimers`` fixture does:
``QTimer.start`` and ``QThread.start`` are wrapped to remember every instance, and
at the end none may still be running. Leaks are checked the way pyqtgraph's
``test_ref_cycles.py`` does: weak references to every widget must die.
"""

import gc
import os
import subprocess
import sys
import weakref

import pytest
import shiboken6
from fake_clock import FakeClock, finish_run_to, frames
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QThread, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

import gui.common.errors
from gui.common.errors import ErrorDialogHook
from gui.session import MAX

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def started(monkeypatch):
    """Every QTimer and QThread started during the test (weakly held)."""
    timers, threads = weakref.WeakSet(), weakref.WeakSet()
    timer_start, thread_start = QTimer.start, QThread.start

    def start_timer(self, *args):
        timers.add(self)
        return timer_start(self, *args)

    def start_thread(self, *args):
        threads.add(self)
        return thread_start(self, *args)

    monkeypatch.setattr(QTimer, "start", start_timer)
    monkeypatch.setattr(QThread, "start", start_thread)
    return timers, threads


def running(started):
    timers, threads = started
    return ([t for t in timers if shiboken6.isValid(t) and t.isActive()]
            + [t for t in threads if shiboken6.isValid(t) and t.isRunning()])


def destroy(window):
    """What closing the last window and leaving the event loop does."""
    window.close()
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.DeferredDelete)
    QApplication.processEvents()


# ---- case 20: closing during play ----------------------------------------------------------


def test_closing_during_play_stops_every_timer(qtbot, open_window, started):
    window = open_window()
    s = window.session
    s.player.clock = FakeClock()
    s.player.set_pace(MAX)  # every frame trains a slice
    window.action_play.trigger()
    # Real timer events, so the views have redraws in flight when the window goes.
    qtbot.waitUntil(lambda: s.iteration > 100, timeout=5000)  # the first frame
    assert s.player.frame_timer in set(started[0])
    refreshed = []
    for view in (window.network_view, window.plots_view):
        view.redraw.callback = lambda view=view: refreshed.append(view)
    window.close()
    assert not s.player.frame_timer.isActive() and not s.player.playing
    # A redraw already scheduled may still fire once into the hidden (alive) view;
    # after that nothing runs: play never restarts and no timer stays active.
    qtbot.waitUntil(lambda: not running(started), timeout=2000)
    iteration, count = s.iteration, len(refreshed)
    for _ in range(5):
        QApplication.processEvents()
    assert s.iteration == iteration and len(refreshed) == count
    destroy(window)
    assert not running(started)


def test_closing_during_run_to_stops_the_job_and_its_dialog(qtbot, open_window, started):
    window = open_window()
    s = window.session
    window.run_to(5_000_000)
    qtbot.waitUntil(lambda: window.progress is not None, timeout=5000)
    progress = window.progress
    window.close()
    assert not s.player.busy and not s.player.frame_timer.isActive() and not progress.isVisible()
    last = s.run.newest
    destroy(window)
    assert not running(started) and s.run.newest == last


# ---- case 22: an exception inside a slot ---------------------------------------------------


class FakeBox:
    """Stands in for the error dialog: records what it would show, never blocks."""
    Critical, Ok = QMessageBox.Critical, QMessageBox.Ok
    shown = []

    def __init__(self, icon, title, text, buttons, parent):
        self.title, self.text, self.details = title, text, ""

    def setDetailedText(self, text):
        self.details = text

    def exec(self):
        FakeBox.shown.append(self)
        return 0


def test_exception_in_a_slot_shows_a_dialog_and_the_app_keeps_running(
        qtbot, open_window, monkeypatch, capsys):
    window = open_window()
    s = window.session
    FakeBox.shown = []
    monkeypatch.setattr(gui.common.errors, "QMessageBox", FakeBox)
    s.player.clock = FakeClock()
    s.player.set_pace(MAX)  # every frame trains, and slices train between frames
    real_train, calls = s.run.train, []

    def train_then_fail(n=1, seconds=None, clock=None):
        calls.append(n)
        if len(calls) == 3:
            raise RuntimeError("injected fault in training")
        return real_train(n, seconds, clock)

    monkeypatch.setattr(s.run, "train", train_then_fail)
    capture = sys.excepthook  # pytest-qt's: it must be back afterwards
    hook = ErrorDialogHook(on_error=s.player.pause).install()
    try:
        window.action_play.trigger()
        # The timer's slot raises on the third tick; Qt hands that to the hook.
        qtbot.waitUntil(lambda: bool(FakeBox.shown), timeout=5000)
    finally:
        hook.uninstall()
    assert sys.excepthook is capture
    box = FakeBox.shown[0]
    assert len(FakeBox.shown) == 1 and "unexpected error" in box.title
    assert "RuntimeError: injected fault in training" in box.text
    assert "keeps running" in box.text and "Traceback" in box.details
    assert "injected fault" in capsys.readouterr().err  # also printed, for a report
    assert not s.player.playing and window.action_play.text() == "&Play"  # paused, not frozen
    # The app still works: step, play and pause.
    monkeypatch.setattr(s.run, "train", real_train)
    k = s.iteration
    window.action_step.trigger()
    assert s.iteration == k + 1 and window.iteration_label.text() == f"Iteration {k + 1}"
    window.action_play.trigger()
    qtbot.waitUntil(lambda: s.iteration > k + 10, timeout=5000)
    window.action_play.trigger()
    assert not s.player.playing
    destroy(window)


APP_SCRIPT = """
import os, sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
import gui.common.errors, gui.app
shown = []
class Box(gui.common.errors.QMessageBox):
    def exec(self):
        shown.append(self.text().splitlines()[0])
        return 0
gui.common.errors.QMessageBox = Box
def fail():
    raise ValueError("raised in a slot")
def check():
    windows = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
    print(shown, [w.windowTitle() for w in windows], flush=True)
    QApplication.quit()
app = QApplication(["backprop-lab"])  # timers need the app's event dispatcher
QTimer.singleShot(100, fail)
QTimer.singleShot(400, check)
sys.exit(gui.app.run_app(["backprop-lab"]))
"""


def test_the_real_app_installs_the_error_dialog(tmp_path):
    """``run_app`` itself, in its own process: a slot that raises shows the dialog and
    the event loop carries on to the next timer."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path),
               XDG_CONFIG_HOME=str(tmp_path), PYTHONPATH=REPO)
    result = subprocess.run([sys.executable, "-c", APP_SCRIPT], capture_output=True,
                            text=True, env=env, timeout=60, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ("['Something went wrong: ValueError: raised in a "
                                     "slot'] ['Backprop Lab']")
    assert "Traceback" in result.stderr and "raised in a slot" in result.stderr


# ---- case 24: open and close five times ----------------------------------------------------


def use_and_close(open_window):
    """Open a window, use the main features, close it; weak references to all of it."""
    window = open_window()
    s = window.session
    for _ in range(3):
        window.action_step.trigger()
    clock = s.player.clock = FakeClock(per_reading=0)
    window.action_play.trigger()
    frames(s, clock, 40)
    window.action_play.trigger()
    window.action_snapshot.trigger()
    window.run_to(s.run.newest + 50)
    finish_run_to(s)
    s.new_run(layer_sizes=[3, 4, 1], activations=["tanh", "sigmoid"])  # rebuilds views
    window.action_step.trigger()
    QApplication.processEvents()
    objects = [window, s, window.network_view, window.network_view.item,
               window.network_view.scene, window.plots_view, window.transport]
    objects += list(window.plots_view.plot_items.values())
    objects += list(window.plots_view.curves.values())
    objects += window.findChildren(QObject)
    refs = [weakref.ref(o) for o in objects]
    destroy(window)
    return refs


def test_open_and_close_five_times_leaves_nothing_behind(open_window, started):
    before = {id(w) for w in QApplication.topLevelWidgets()}
    refs = []
    for _ in range(5):
        refs += use_and_close(open_window)
    QCoreApplication.sendPostedEvents(None, QEvent.DeferredDelete)
    QApplication.processEvents()
    gc.collect()
    alive = [type(r()).__name__ for r in refs if r() is not None]
    assert not alive, f"{len(alive)} of {len(refs)} objects survived: {sorted(set(alive))}"
    left = [w for w in QApplication.topLevelWidgets() if id(w) not in before]
    assert not left, left
    assert not running(started)


# ---- case 25: thousands of frames ----------------------------------------------------------


def test_thousands_of_frames_of_mixed_use_keep_none_referenced(open_window):
    """Play, scrub, step and redraw for 3000 frames: tens of thousands of Qt calls
    that return nothing. A PySide build that drops a reference to None on each (as
    6.12.0 does on Python 3.11) makes the count fall by that much and then crashes;
    test_main_window.py checks plain play, this checks the other controls too."""
    window = open_window()
    s = window.session
    clock = s.player.clock = FakeClock(per_reading=0)
    s.player.set_pace(1000)  # 30 iterations a frame
    window.action_play.trigger()
    views = (window.network_view.redraw, window.plots_view.redraw)
    timeline = window.transport.timeline
    before = sys.getrefcount(None)
    for frame in range(3000):
        frames(s, clock)
        if frame % 7 == 0:
            timeline.setValue(frame % (s.run.newest + 1))
        if frame % 11 == 0:
            window.action_step_back.trigger()
        if frame % 13 == 0:
            window.action_step.trigger()
        if frame % 10 == 0:
            for redraw in views:
                redraw.run_now()
            QApplication.processEvents()
    after = sys.getrefcount(None)
    window.action_play.trigger()
    assert s.run.newest > 3000 and 0 <= s.iteration <= s.run.newest
    assert timeline.value() == s.iteration and timeline.maximum() == s.run.newest
    assert after > before - 500, (before, after)
    destroy(window)


# ---- case 26: no display -------------------------------------------------------------------
# No DISPLAY, WAYLAND_DISPLAY or QT_QPA_PLATFORM at all is
# tests/test_cli.py::test_no_display_is_one_line_without_qt. A display that is named
# but cannot be opened used to abort inside Qt (SIGABRT, exit 134). The display number
# is one no X server here uses (:99 is a common Xvfb choice).


@pytest.mark.parametrize("variable, value", [("DISPLAY", ":987"),
                                             ("WAYLAND_DISPLAY", "wayland-99"),
                                             ("QT_QPA_PLATFORM", "no-such-platform")])
def test_a_display_qt_cannot_open_is_one_line_not_an_abort(tmp_path, variable, value):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env.update({variable: value, "PYTHONPATH": REPO, "HOME": str(tmp_path),
                "XDG_RUNTIME_DIR": str(tmp_path)})
    result = subprocess.run([sys.executable, "-m", "gui.cli"], capture_output=True,
                            text=True, env=env, timeout=120, cwd=tmp_path)
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: cannot open the window: ")
    assert lines[0].endswith("or set QT_QPA_PLATFORM=offscreen")
    assert result.stdout == "" and not list(tmp_path.glob("core*"))
