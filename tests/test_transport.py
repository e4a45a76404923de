"""The transport bar on its own: timeline, counter, speed and the learning-rate field."""

import pytest
from fake_clock import FakeClock, frames
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication

from gui.session import MAX, WATCH, RunConfig, TrainingSession
from gui.transport import PACES, TransportBar, pace_text
from nncore import TrainingOptions
from nncore.datasets import builtin


@pytest.fixture
def bar(qtbot, make_view):
    clock = FakeClock()
    session = TrainingSession(clock=clock)
    step = QAction("Step")
    step.triggered.connect(session.cursor.step)
    widget = make_view(TransportBar, [step], session=session)
    widget.step_action = step  # keep the action alive as long as the bar
    widget.clock = clock
    widget.activateWindow()  # keyboard focus needs an active window
    qtbot.waitUntil(lambda: QApplication.activeWindow() is widget)
    messages = []
    session.sigMessage.connect(messages.append)
    widget.messages = messages
    return widget


def test_timeline_follows_the_session_without_echo(bar):
    session = bar.session
    session.run.train(50)
    session.cursor.sigHistoryChanged.emit()
    assert (bar.timeline.maximum(), bar.timeline.value()) == (50, 0)
    seeks = []
    session.cursor.sigIterationChanged.connect(seeks.append)
    session.cursor.seek(20)
    assert seeks == [20]  # one move, no echo from the slider back into the session
    assert bar.timeline.value() == 20 and bar.counter.text() == "20 / 50"


def test_dragging_the_timeline_seeks_and_pauses(bar):
    session = bar.session
    session.run.train(100)
    session.cursor.sigHistoryChanged.emit()
    session.player.play()
    bar.timeline.sliderPressed.emit()  # the learner grabs the handle
    assert not session.player.playing
    bar.timeline.setValue(64)
    assert session.iteration == 64 and bar.counter.text() == f"64 / {session.run.newest}"


def test_the_buttons_are_the_actions(qtbot, bar):
    assert bar.buttons[0].defaultAction() is bar.step_action
    qtbot.mouseClick(bar.buttons[0], Qt.LeftButton)
    assert bar.session.iteration == 1 and bar.counter.text() == "1 / 1"
    assert bar.buttons[0].focusPolicy() == Qt.NoFocus  # Space stays with the shortcuts


def test_pace_slider_runs_from_watch_through_speeds_to_max(bar):
    player = bar.session.player
    assert bar.speed.minimum() == 0 and bar.speed.maximum() == len(PACES) - 1
    assert player.pace == WATCH and bar.speed.value() == 0  # the default, far left
    assert bar.speed_label.text() == "watch" and "10 s" in bar.speed.toolTip()
    bar.speed.setValue(1)
    assert player.pace == 1 and bar.speed_label.text() == "1 it/s"
    bar.speed.setValue(PACES.index(5000))
    assert player.pace == 5000 and bar.speed_label.text() == "5k it/s"
    bar.speed.setValue(bar.speed.maximum())
    assert player.pace == MAX and bar.speed_label.text() == "max"
    player.set_pace(180)  # set elsewhere: the slider shows the nearest step
    assert PACES[bar.speed.value()] == 200 and bar.speed_label.text() == pace_text(200)
    player.set_pace(WATCH)
    assert bar.speed.value() == 0 and bar.speed_label.text() == "watch"
    for bad in (0, -5, float("nan"), "fast", None):
        with pytest.raises(ValueError, match="pace"):
            player.set_pace(bad)
    assert player.pace == WATCH


@pytest.mark.parametrize("text", ["0", "-1", "nan", "inf", "-inf", "abc", "1e999", ""])
def test_learning_rate_field_refuses_bad_rates(bar, text, type_text):
    session = bar.session
    session.run.train(10)
    session.cursor.sigHistoryChanged.emit()
    session.cursor.seek(5)
    type_text(bar.rate, text)
    assert session.run.newest == 10 and session.run.changes == []  # nothing discarded
    assert session.run.learning_rate_at(5) == 1.0
    assert len(bar.messages) == 1 and "refused" in bar.messages[0]
    assert "positive number" in bar.messages[0]
    assert "#d55e00" in bar.rate.styleSheet()  # the field is marked
    bar.rate.clearFocus()  # leaving the field forgets the bad text
    assert bar.rate.text() == "1" and bar.rate.styleSheet() == ""


def test_a_valid_rate_applies_from_the_shown_iteration_and_discards_the_future(bar, type_text):
    session = bar.session
    session.run.train(1000)
    session.cursor.sigHistoryChanged.emit()
    session.cursor.seek(500)
    type_text(bar.rate, "0.5")
    assert session.run.newest == 500 and session.iteration == 500
    assert session.run.learning_rate_at(500) == 0.5
    assert session.run.learning_rate_at(499) == 1.0
    assert bar.rate.text() == "0.5" and not bar.rate.hasFocus()
    assert bar.timeline.maximum() == 500 and bar.counter.text() == "500 / 500"
    assert bar.messages == ["Learning rate 0.5 from iteration 500 on; the 500 later "
                            "iterations were discarded."]
    session.cursor.seek(100)  # the field shows the rate in force at the shown iteration
    assert bar.rate.text() == "1"


def test_typing_marks_an_invalid_rate_before_enter(qtbot, bar):
    bar.rate.setFocus()
    bar.rate.clear()
    qtbot.keyClicks(bar.rate, "0.")
    assert bar.rate.styleSheet() != ""  # "0." is not positive yet
    qtbot.keyClicks(bar.rate, "2")
    assert bar.rate.styleSheet() == ""
    bar.session.cursor.seek(0)  # a redraw must not overwrite what is being typed
    bar.sync()
    assert bar.rate.text() == "0.2"


def test_timeline_is_disabled_and_ignored_during_run_to(qtbot, bar):
    session = bar.session
    session.run.train(50)
    session.cursor.sigHistoryChanged.emit()
    session.cursor.seek(30)
    session.player.run_to(10**6)
    frames(session, bar.clock)  # the job's first frame
    assert session.run.newest > 50 and not bar.timeline.isEnabled()
    assert not bar.rate.isEnabled()
    assert session.iteration == 30
    bar.timeline.setValue(0)  # even a programmatic move must not seek mid-job
    assert session.iteration == 30 and bar.timeline.value() == 30
    session.player.cancel_run_to()
    assert bar.timeline.isEnabled() and bar.rate.isEnabled()
    assert bar.timeline.maximum() == session.run.newest == session.iteration


def test_max_pace_play_trains_between_frames_and_each_frame_shows_the_newest(bar):
    """At max pace, training runs in slices while the event loop is idle; a frame
    shows the newest iteration, and the counter with it. The slices are announced
    once, by the next frame: between frames the counter does not change."""
    session, player = bar.session, bar.session.player
    player.set_pace(MAX)
    player.play()
    assert player.slice_timer.isActive() and player.frame_timer.isActive()
    frames(session, bar.clock)  # no slice ran before this frame: it trains one itself
    first = session.run.newest
    assert session.iteration == first > 0 and bar.counter.text() == f"{first} / {first}"
    heard = []
    session.cursor.sigHistoryChanged.connect(lambda: heard.append(session.run.newest))
    player.train_slice()  # the event loop is idle between frames
    player.train_slice()
    assert session.run.newest == 3 * first  # on the fake clock every slice is as long
    assert session.iteration == first and bar.counter.text() == f"{first} / {first}"
    assert heard == []
    frames(session, bar.clock)
    assert heard == [3 * first]
    assert session.iteration == session.run.newest == 3 * first
    assert bar.counter.text() == f"{3 * first} / {3 * first}"
    assert bar.timeline.value() == 3 * first


def test_pause_at_max_pace_shows_the_newest_iteration_and_stops_training(bar):
    session, player = bar.session, bar.session.player
    player.set_pace(MAX)
    player.play()
    frames(session, bar.clock)
    shown = session.iteration
    player.train_slice()  # trained past the shown iteration, then Pause before a frame
    newest = session.run.newest
    assert newest > shown and bar.counter.text() == f"{shown} / {shown}"
    player.pause()
    assert session.iteration == newest and bar.counter.text() == f"{newest} / {newest}"
    assert bar.timeline.value() == newest
    assert not player.slice_timer.isActive() and not player.frame_timer.isActive()
    QApplication.processEvents()  # no timer is left to train on
    assert session.run.newest == newest == session.iteration


def test_max_pace_play_that_fills_the_memory_budget_stops_on_the_newest_iteration(bar):
    """Slices between two frames reach the budget's last iteration: the slice that
    finds the history full pauses Play, and the window shows that last iteration,
    the one the status bar names (not the older one the last frame showed)."""
    session, player = bar.session, bar.session.player
    messages = []
    session.sigMessage.connect(messages.append)
    player.set_pace(MAX)
    player.play()
    frames(session, bar.clock)
    session.run.capacity = session.run.newest + 3000  # as a smaller budget would be
    shown = session.iteration
    while player.playing:  # the idle event loop runs slice after slice
        player.slice_timer.stop()  # the single-shot timer has fired: its slot runs
        player.train_slice()
    newest = session.run.newest
    assert newest == session.run.capacity > shown
    assert session.iteration == newest and bar.counter.text() == f"{newest} / {newest}"
    assert messages[-1].startswith(f"Iteration {newest} is as far as this network can be "
                                   "trained")


def test_max_pace_play_from_the_past_replays_before_it_trains(bar):
    """From the past, each frame moves 256 recorded iterations (until a frame has
    trained and set a new step), then at the end play trains on."""
    session, player = bar.session, bar.session.player
    session.run.train(3000)
    session.cursor.seek(100)
    player.set_pace(MAX)
    player.play()
    assert not player.slice_timer.isActive()  # the history ahead is recorded already
    frames(session, bar.clock, 11)
    assert session.iteration == 100 + 11 * 256 and session.run.newest == 3000
    assert bar.counter.text() == "2916 / 3000"
    frames(session, bar.clock)  # reaches the end, and trains a slice there
    assert session.iteration == session.run.newest > 3000 and player.slice_timer.isActive()
    player.pause()
    assert bar.counter.text() == f"{session.run.newest} / {session.run.newest}"
    assert bar.timeline.value() == session.iteration


@pytest.mark.parametrize("text, why", [
    ("1_0", "'1_0' is not a number"),  # float() reads 10
    ("\u0663", "'\u0663' is not a number"),  # float() reads 3
    (" 1e400", "' 1e400' is too large"),
    ("1e-400", "'1e-400' is too small"),
    ("nan", "'nan' is not a finite number"),
    ("-1", "must be a positive finite number, got '-1'"),
])
def test_the_rate_field_takes_ascii_decimals_only_and_says_why_not(qtbot, bar, text, why):
    session = bar.session
    session.run.train(10)
    session.cursor.sigHistoryChanged.emit()
    bar.rate.setFocus()
    bar.rate.selectAll()
    bar.rate.insert(text)  # typed or pasted: any script
    assert why in bar.rate.toolTip()  # marked while typing, with the reason
    qtbot.keyClick(bar.rate, Qt.Key_Return)
    assert session.run.newest == 10 and session.run.changes == []
    assert len(bar.messages) == 1
    assert bar.messages[0].startswith(f"Learning rate {text.strip()!r} refused: {why}")
    assert bar.messages[0].endswith("; type a positive number such as 1 or 0.5.")


def test_the_rate_field_shows_every_digit_of_the_rate_in_force(qtbot, bar):
    session = bar.session
    session.cursor.set_learning_rate(0.123456789)
    session.run.train(100)
    session.cursor.sigHistoryChanged.emit()
    session.cursor.seek(50)
    assert bar.rate.text() == "0.123456789"  # not 0.123457
    bar.rate.setFocus()
    qtbot.keyClick(bar.rate, Qt.Key_Return)  # Enter on the text shown changes nothing
    assert session.run.newest == 100 and len(session.run.changes) == 1
    assert session.run.learning_rate_at(50) == 0.123456789


# ---- the epoch beside the iteration --------------------------------------------------------

@pytest.fixture
def minibatch_bar(qtbot, make_view):
    """The bar on xor (4 rows) with batches of 3: two batches per epoch, of 3 and 1 rows."""
    clock = FakeClock(per_reading=0)  # a pace trains exactly what it asks for
    X, Y = builtin("xor")
    session = TrainingSession(RunConfig("xor", X, Y, [3, 1],
                                        options=TrainingOptions(batch_size=3)), clock=clock)
    widget = make_view(TransportBar, [], session=session)
    widget.clock = clock
    return widget


def shown_epoch(bar, k):
    """What the label must say at iteration k: the engine's epoch, and the batch."""
    return f"epoch {bar.session.run.at(k).epoch} · batch {k % 2 + 1}/2"


def test_the_epoch_follows_the_timeline(minibatch_bar):
    bar, session = minibatch_bar, minibatch_bar.session
    assert bar.epoch_label.isVisible() and bar.epoch_label.text() == "epoch 0 · batch 1/2"
    session.run.train(2000)
    session.cursor.sigHistoryChanged.emit()
    for k in (1, 2, 7, 1000, 1999, 2000, 3):
        bar.timeline.setValue(k)  # scrubbing
        assert session.iteration == k
        assert bar.epoch_label.text() == shown_epoch(bar, k)
    assert session.run.at(1999).epoch == 999 and session.run.at(2000).epoch == 1000
    # The label is as wide as its widest text so far: no text is cut.
    label = bar.epoch_label
    bar.timeline.setValue(2000)
    assert label.width() >= label.fontMetrics().horizontalAdvance(label.text())


def test_the_epoch_follows_play(minibatch_bar):
    bar, session = minibatch_bar, minibatch_bar.session
    session.player.set_pace(100)  # 3 iterations a frame
    session.player.play()
    for _ in range(5):
        frames(session, bar.clock)
        k = session.iteration
        assert bar.epoch_label.text() == shown_epoch(bar, k)
    assert session.iteration == 15
    session.player.pause()


def test_full_batch_runs_show_no_epoch(minibatch_bar):
    """With every training row in each step, each iteration is its own epoch: the counter
    says it already, and the label goes (the tutorial's bar stays as it was)."""
    bar, session = minibatch_bar, minibatch_bar.session
    session.new_run(options=TrainingOptions(batch_size=4))
    assert bar.epoch_label.isHidden()
    session.new_run(options=TrainingOptions(batch_size=1))
    assert bar.epoch_label.isVisible() and bar.epoch_label.text() == "epoch 0 · batch 1/4"
