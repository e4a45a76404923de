"""Random use of the real window (RELIABILITY 23): a hypothesis state machine.

Each rule is something a learner does, through the widget or action they would
use; after every rule the invariants compare what the window shows with the
session it shows. Play is driven frame by frame on a fake clock (and by an "idle"
rule that lets the real event loop run), so nothing sleeps and each frame moves
as far on any machine.

CI runs a few hundred steps; ``BACKPROP_LAB_LONG=1`` runs thousands.
"""

import os
import shutil
import sys
import tempfile

import numpy as np
import pytest
import snapshot_cases
from fake_clock import FakeClock, finish_run_to, frames
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from PySide6.QtCore import QCoreApplication, QEvent, QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from gui.common import palette
from gui.common.sliced_job import SlicedJob
from gui.docks.architecture_dock import ArchitectureDock
from gui.docks.dataset.dataset_dock import DatasetDock
from gui.main_window import MainWindow
from gui.transport import PACES, rate_text
from nncore import load_snapshot

LONG = os.environ.get("BACKPROP_LAB_LONG") == "1"
SETTINGS = settings(max_examples=150 if LONG else 20, stateful_step_count=40 if LONG else 25,
                    deadline=None, suppress_health_check=list(HealthCheck))

ARCHITECTURES = [([3, 1], ["sigmoid"]), ([3, 1], ["linear"]), ([3, 2, 1], ["tanh", "sigmoid"]),
                 ([3, 4, 1], ["relu", "linear"]), ([3, 4, 1], ["linear", "relu"]),
                 ([3, 3, 2, 1], ["sigmoid", "tanh", "sigmoid"])]
GOOD_RATES = ["0.5", "1", "2", "0.01", "1e6"]  # 1e6 makes a linear net diverge
BAD_RATES = ["0", "-1", "nan", "inf", "abc", "", "1e400"]
BAD_FILES = ["tampered-weights", "png", "nan-token-weight", "schema-version-newer", "half",
             "empty", "layers-do-not-chain", "over-size-cap"]
PRESETS = ["tutorial", "xor", "and", "or", "trask"]


class Recorder:
    """Message boxes and exceptions in slots, collected instead of shown."""
    warnings = []
    errors = []


def waited_for(outcome):
    """What a command returned once its work is done: a long replay (a file of many
    iterations, a snapshot past a cut) runs as a SlicedJob, whose slices the learner
    waits for behind a progress dialog; here they run at once."""
    if isinstance(outcome, SlicedJob):
        while outcome.running:
            outcome.advance()
        assert outcome.outcome == "done"
        return True
    return outcome


class WindowMachine(RuleBasedStateMachine):
    saved = Bundle("saved")

    def __init__(self):
        super().__init__()
        self.folder = tempfile.mkdtemp(prefix="backprop-lab-machine-")
        settings_path = os.path.join(self.folder, "settings.ini")
        self.window = MainWindow(settings=QSettings(settings_path, QSettings.IniFormat))
        self.window.resize(1200, 800)
        self.window.show()
        QApplication.processEvents()
        self.session = self.window.session
        self.clock = self.session.player.clock = FakeClock()
        self.expected_warnings = len(Recorder.warnings)
        self.bad = [snapshot_cases.write_case(self.folder, case) for case in BAD_FILES]
        self.saves = 0

    def teardown(self):
        window = self.window
        window.close()
        window.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.DeferredDelete)
        QApplication.processEvents()
        shutil.rmtree(self.folder, ignore_errors=True)

    # ---- helpers -----------------------------------------------------------------------

    def snapshot_of_state(self):
        s = self.session
        return (s.run, s.run.newest, s.iteration, s.player.playing, s.player.busy,
                s.run.params_at(s.iteration).tobytes(), s.run.learning_rate_at(s.iteration))

    def expect_warning(self, *texts):
        self.expected_warnings += 1
        assert len(Recorder.warnings) == self.expected_warnings
        for text in texts:
            assert text in Recorder.warnings[-1][1], Recorder.warnings[-1]

    # ---- transport --------------------------------------------------------------------

    @rule()
    def play(self):
        s, action = self.session, self.window.action_play
        if s.player.playing:
            return
        enabled = action.isEnabled()
        action.trigger()
        assert s.player.playing == enabled

    @precondition(lambda self: self.session.player.playing)
    @rule()
    def pause(self):
        self.window.action_play.trigger()
        assert not self.session.player.playing

    @rule(ticks=st.integers(1, 3))
    def tick(self, ticks):
        s = self.session
        for _ in range(ticks):
            if not s.player.frame_timer.isActive():
                break
            before = s.iteration
            frames(s, self.clock)
            assert s.iteration >= before  # play and run-to only move forward

    @rule(index=st.integers(0, len(PACES) - 1))
    def set_pace(self, index):
        self.window.transport.speed.setValue(index)
        assert self.session.player.pace == PACES[index]

    @rule()
    def step(self):
        s, w = self.session, self.window
        enabled, k, before = w.action_step.isEnabled(), s.iteration, self.snapshot_of_state()
        w.action_step.trigger()
        if not enabled:
            assert self.snapshot_of_state() == before
        elif s.iteration != k + 1:  # only divergence on this very step stops it
            assert s.run.diverged_at is not None and s.iteration == s.run.newest

    @rule()
    def step_back(self):
        s, w = self.session, self.window
        enabled, k, before = w.action_step_back.isEnabled(), s.iteration, self.snapshot_of_state()
        w.action_step_back.trigger()
        if enabled:
            assert s.iteration == k - 1
        else:
            assert self.snapshot_of_state() == before

    @rule()
    def reset(self):
        s, w = self.session, self.window
        enabled, before = w.action_reset.isEnabled(), self.snapshot_of_state()
        w.action_reset.trigger()
        if enabled:
            assert s.iteration == 0 and not s.player.playing
        else:
            assert self.snapshot_of_state() == before

    @rule(value=st.integers(0, 10**6))
    def scrub(self, value):
        s, timeline = self.session, self.window.transport.timeline
        if timeline.isEnabled():  # dragging the handle
            timeline.setValue(value)
            assert s.iteration == min(value, s.run.newest)
        else:  # a disabled slider ignores the keyboard (and cannot be dragged)
            before = self.snapshot_of_state()
            QTest.keyClick(timeline, Qt.Key_Home)
            assert self.snapshot_of_state() == before

    @precondition(lambda self: self.window.action_run_to.isEnabled())
    @rule(extra=st.integers(-50, 300))
    def run_to(self, extra):
        s, w = self.session, self.window
        target = max(0, s.run.newest + extra)
        w.run_to(target)
        finish_run_to(s)
        assert not s.player.playing and w.progress is None
        if s.run.diverged_at is None or target <= s.run.newest:
            assert s.iteration == target
        else:
            assert s.iteration == s.run.newest < target

    @rule()
    def start_long_run_to(self):
        """A long job left running: other rules act while it works."""
        if self.window.action_run_to.isEnabled():
            self.window.run_to(self.session.run.newest + 5_000_000)
            frames(self.session, self.clock)

    @precondition(lambda self: self.session.player.busy)
    @rule()
    def cancel_run_to(self):
        s = self.session
        s.player.cancel_run_to()
        assert not s.player.busy and s.iteration == s.run.newest and self.window.progress is None

    @rule()
    def idle(self):
        """Let the real event loop run: timers fire, views paint."""
        for _ in range(3):
            QApplication.processEvents()

    # ---- files --------------------------------------------------------------------------

    @rule(target=saved)
    def save(self):
        s = self.session
        self.saves += 1
        path = os.path.join(self.folder, f"save {self.saves}.json")
        assert self.window.files.save_snapshot_as(path)
        return (path, s.iteration, s.run.params_at(s.iteration), list(s.run.layer_sizes))

    @rule(entry=saved)
    def open_good(self, entry):
        path, k, params, sizes = entry
        s = self.session
        assert waited_for(self.window.files.open_snapshot(path))
        assert s.iteration == k == s.run.newest and s.run.layer_sizes == sizes
        assert np.array_equal(s.run.params_at(k), params)
        assert not s.player.playing and not s.player.busy

    @rule(index=st.integers(0, len(BAD_FILES) - 1))
    def open_bad(self, index):
        path = self.bad[index]
        before = self.snapshot_of_state()
        assert not self.window.files.open_snapshot(path)
        assert self.snapshot_of_state() == before
        self.expect_warning(os.path.basename(path))

    # ---- changes --------------------------------------------------------------------------

    def type_rate(self, text):
        field = self.window.transport.rate
        field.selectAll()
        QTest.keyClick(field, Qt.Key_Backspace)
        QTest.keyClicks(field, text)
        QTest.keyClick(field, Qt.Key_Return)

    @rule(text=st.sampled_from(GOOD_RATES))
    def good_rate(self, text):
        s = self.session
        if s.player.busy:  # the field is disabled while a run-to job works
            before = self.snapshot_of_state()
            self.type_rate(text)
            assert self.snapshot_of_state() == before
            return
        rate, k, old = float(text), s.iteration, s.run.learning_rate_at(s.iteration)
        self.type_rate(text)
        assert s.iteration == k and s.run.learning_rate_at(k) == rate
        if rate != old:
            assert s.run.newest == k

    @rule(text=st.sampled_from(BAD_RATES))
    def bad_rate(self, text):
        before = self.snapshot_of_state()
        self.type_rate(text)
        assert self.snapshot_of_state() == before

    @rule(choice=st.integers(0, len(ARCHITECTURES) - 1))
    def new_architecture(self, choice):
        sizes, activations = ARCHITECTURES[choice]
        s = self.session
        s.new_run(layer_sizes=sizes, activations=activations)
        assert s.run.layer_sizes == sizes and s.iteration == 0 == s.run.newest
        assert not s.player.playing and not s.player.busy

    @precondition(lambda self: self.window.findChild(ArchitectureDock).add_button.isEnabled())
    @rule()
    def add_hidden_layer(self):
        s, n = self.session, len(self.session.run.layer_sizes)
        self.window.findChild(ArchitectureDock).add_button.click()
        assert len(s.run.layer_sizes) == n + 1 and s.iteration == 0 == s.run.newest

    @precondition(lambda self: self.window.findChild(ArchitectureDock).hidden_rows)
    @rule()
    def remove_hidden_layer(self):
        s, n = self.session, len(self.session.run.layer_sizes)
        self.window.findChild(ArchitectureDock).hidden_rows[-1][3].click()
        assert len(s.run.layer_sizes) == n - 1 and s.iteration == 0 == s.run.newest

    @rule(name=st.sampled_from(PRESETS))
    def dataset_preset(self, name):
        combo = self.window.findChild(DatasetDock).preset_combo
        combo.setCurrentIndex(combo.findData(name))
        assert self.session.cursor.config.dataset_name == name

    @rule(edge=st.integers(0, 100), value=st.floats(-10, 10, allow_nan=False))
    def edit_weight(self, edge, value):
        s, view = self.session, self.window.network_view
        index = edge % s.run.n_params
        layer, row, col = (int(v) for v in view.item.edges[index])
        k, newest = s.iteration, s.run.newest
        same = s.run.weights_at(k)[layer][row, col] == value
        assert view.edit_weight((layer, row, col), value)
        # A new value discards the later iterations; the value in force keeps them.
        assert s.iteration == k and s.run.newest == (newest if same else k)
        assert s.run.weights_at(k)[layer][row, col] == value

    # ---- snapshots ------------------------------------------------------------------------

    @rule()
    def take_snapshot(self):
        s, w = self.session, self.window
        n, enabled = len(s.snapshots), w.action_snapshot.isEnabled()
        w.action_snapshot.trigger()
        if enabled:
            assert len(s.snapshots) == n + 1 and s.snapshots[-1].iteration == s.iteration
            assert w.snapshots_dock.list.count() == n + 1
        else:
            assert len(s.snapshots) == n

    @precondition(lambda self: len(self.session.snapshots) >= 2)
    @rule(data=st.data())
    def compare_snapshots(self, data):
        s, lst = self.session, self.window.snapshots_dock.list
        i, j = sorted(data.draw(st.lists(st.integers(0, lst.count() - 1), min_size=2,
                                         max_size=2, unique=True)))
        lst.clearSelection()
        lst.item(i).setSelected(True)
        lst.item(j).setSelected(True)
        a, b = s.snapshots[i], s.snapshots[j]
        fits = a.params.shape == b.params.shape == (s.run.n_params,)
        assert (s.snapshots.compare == (a, b)) if fits else s.snapshots.compare is None

    @precondition(lambda self: len(self.session.snapshots) >= 1)
    @rule(data=st.data())
    def jump_to_snapshot(self, data):
        s, lst = self.session, self.window.snapshots_dock.list
        i = data.draw(st.integers(0, lst.count() - 1))
        entry = s.snapshots[i]
        waited_for(self.window.snapshots_dock.jump(lst.item(i)))
        assert s.iteration == entry.iteration and not s.player.playing
        assert np.array_equal(s.run.params_at(s.iteration), entry.params)

    @rule(index=st.integers(0, 20))
    def show_a_dock(self, index):
        """Bring a tabbed dock to the front, so that it too draws what it follows."""
        docks = list(self.window.docks.values())
        docks[index % len(docks)].raise_()
        QApplication.processEvents()

    # ---- invariants ---------------------------------------------------------------------

    @invariant()
    def no_error_in_any_slot(self):
        assert not Recorder.errors, Recorder.errors[0]
        assert len(Recorder.warnings) == self.expected_warnings, Recorder.warnings[-1]

    @invariant()
    def iteration_within_history(self):
        s = self.session
        assert 0 <= s.iteration <= s.run.newest
        assert s.player.frame_timer.isActive() == (s.player.playing or s.player.busy)
        assert np.isfinite(s.run.losses).all() and np.isfinite(s.run.params_at(s.iteration)).all()

    @invariant()
    def status_and_transport_show_the_cursor(self):
        s, w, run = self.session, self.window, self.session.run
        k = s.iteration
        assert w.iteration_label.text() == f"Iteration {k}"
        assert w.loss_label.text() == f"Loss {run.losses[k]:.6g}"
        t = w.transport
        assert t.counter.text() == f"{k} / {run.newest}"
        assert t.timeline.value() == k and t.timeline.maximum() == run.newest
        assert t.timeline.isEnabled() == (not s.player.busy)
        if not t.rate.isModified():
            assert t.rate.text() == rate_text(run.learning_rate_at(k))

    @invariant()
    def actions_enabled_when_they_make_sense(self):
        s, w = self.session, self.window
        k, busy = s.iteration, s.player.busy
        stuck = k == s.run.newest and s.run.diverged_at is not None  # diverged, at the end
        assert w.action_step.isEnabled() == (not busy and not stuck)
        assert w.action_step_back.isEnabled() == (not busy and k > 0)
        assert w.action_play.isEnabled() == (not busy and (s.player.playing or not stuck))
        assert w.action_reset.isEnabled() == (not busy and (k > 0 or s.player.playing))
        assert w.action_run_to.isEnabled() == (not busy)
        assert w.action_snapshot.isEnabled() == (not busy)
        assert w.action_play.text() == ("&Pause" if s.player.playing else "&Play")

    @invariant()
    def diagram_shows_the_weights(self):
        s, view = self.session, self.window.network_view
        assert view.isVisible()  # the central widget: nothing here can hide it
        if view.redraw.timer.isActive():  # a redraw is due: the event loop would run it
            view.redraw.run_now()
        compare = s.snapshots.compare
        if compare is not None:
            expected = compare[1].params - compare[0].params
        else:
            expected = s.run.params_at(s.iteration)
        assert np.array_equal(view.item.edge_values, expected)
        styles = view.edge_styles()
        assert len(styles) == s.run.n_params
        for (_, _, _, _, color), w in zip(styles, expected, strict=True):
            assert color == palette.weight_color(w)

    @invariant()
    def plots_show_the_history_and_the_cursor(self):
        s, plots = self.session, self.window.plots_view
        assert plots.isVisible()  # alone in its dock area: no rule hides or tabs it
        if plots.redraw.timer.isActive():
            plots.redraw.run_now()
        run = s.run
        for cursor in plots.cursors.values():
            assert cursor.value() == float(plots.axis.to_view(s.iteration))
        last_saved = run.saved_weights()[0][-1]
        # A downsampled curve ends at the min or max of its last bucket: within a
        # couple of pixels of the newest iteration, never past it.
        pixels = max(100, int(plots.plot_items["accuracy"].vb.width()))
        slack = 4 * (run.newest + 1) / pixels + 1
        for name, curve in plots.curves.items():
            x, y = curve.getData()
            assert x is not None and len(x) > 0, name
            assert np.isfinite(y).all(), name
            end = last_saved if name.plot == "weights" else run.newest
            assert end - slack <= x.max() <= end, (name, x.max(), end)


@pytest.fixture
def recorded(monkeypatch, warned):
    """Dialogs recorded instead of blocking; slot exceptions recorded (and still
    passed on to pytest-qt's capture, which fails the test too)."""
    Recorder.warnings, Recorder.errors = warned, []
    previous = sys.excepthook

    def hook(exc_type, exc, tb):
        Recorder.errors.append(f"{exc_type.__name__}: {exc}")
        previous(exc_type, exc, tb)

    monkeypatch.setattr(sys, "excepthook", hook)
    return Recorder


def test_random_use_keeps_window_and_session_in_agreement(qapp, recorded):
    run_state_machine_as_test(WindowMachine, settings=SETTINGS)


# ---- what the machine found, pinned ---------------------------------------------------------


def test_a_snapshot_survives_an_edit_of_the_past(open_window, recorded, tmp_path):
    """Take a snapshot at 50, go back to 20 and edit a weight (51.. and 21.. are
    discarded), then jump to the snapshot or save it: it is still iteration 50 as it
    was taken, rebuilt by replay, not whatever the edited run now holds there."""
    window = open_window(show=False)
    s = window.session
    window.run_to(50)
    finish_run_to(s)
    window.action_snapshot.trigger()
    taken = s.run.params_at(50)
    s.cursor.seek(20)
    assert window.network_view.edit_weight((0, 0, 0), 3.0)
    window.run_to(60)  # a new history past 50, different from the snapshot's
    finish_run_to(s)
    assert not np.array_equal(s.run.params_at(50), taken)
    dock = window.snapshots_dock
    dock.list.item(0).setSelected(True)
    assert dock.save_selected(str(tmp_path / "snap.json"))
    loaded, k = load_snapshot(tmp_path / "snap.json")
    assert k == 50 and np.array_equal(loaded.params_at(50), taken)
    dock.list.itemDoubleClicked.emit(dock.list.item(0))
    assert s.iteration == 50 and np.array_equal(s.run.params_at(50), taken)
    assert window.iteration_label.text() == "Iteration 50"
    assert not Recorder.errors and not Recorder.warnings
