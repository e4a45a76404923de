"""The transport bar: play controls, pace, the timeline and the learning rate.

Like a video player's controls, but the "video" is the training history: the
timeline spans iterations 0..run.newest and grows while training; dragging it moves
the cursor (``session.cursor.seek``) without training. The buttons share the window's
QActions, so menu, toolbar, keyboard and bar always agree on what is enabled.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QObject, QSignalBlocker, Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSlider,
    QToolButton,
    QWidget,
)

from gui.common.labels import steady_label
from gui.common.number_fields import exact_text
from gui.session import MAX, WATCH
from nncore import check_learning_rate

# Play paces, slow to fast: the watch pace (the default: even steps through
# log(iteration), see gui/session/player.py), iterations per second in 1-2-5
# steps, and as fast as the engine goes.
PACES = (WATCH, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, MAX)
PACE_TIP = ("Play pace. Far left, watch: every tenfold of iterations takes as long "
            "(0 to 10, 10 to 100, 100 to 1000: 10 s in all). Then 1 to 10k iterations "
            "per second; far right, max: as fast as the computer goes")

RATE_TIP = ("Learning rate \N{GREEK SMALL LETTER ETA} from the shown iteration on; press "
            "Enter to apply. Later iterations are discarded and trained again.")
RATE_INVALID = "type a positive number such as 1 or 0.5."
EPOCH_GAP = 10  # pixels between the counter and the epoch
EPOCH_TIP = ("With mini-batches: the epoch (a pass through the reshuffled training rows, "
             "counted from 0 as iterations are) and which of its batches the step from the "
             "shown iteration uses")


def pace_text(pace, micro_steps=False):
    """One of PACES as the slider's label shows it (in micro-steps the pace counts
    phases a second, "ph/s")."""
    if pace in (WATCH, MAX):
        return pace
    unit = "ph/s" if micro_steps else "it/s"
    return f"{pace // 1000}k {unit}" if pace >= 1000 else f"{pace} {unit}"


def rate_text(rate):
    """A learning rate as the learner would type it (1, 0.5, 1e-05), every digit of it:
    Enter on the text shown must apply the very rate in force, not a rounded one."""
    return exact_text(rate)


def epoch_text(run, k):
    """"epoch e · batch j/m" for iteration ``k`` of a mini-batch run; "" when every
    step takes every training row (then each iteration is an epoch of its own, and
    the counter already says which)."""
    per_epoch = run.plan.schedule.per_epoch
    if per_epoch == 1:
        return ""
    return f"epoch {run.at(k).epoch} \N{MIDDLE DOT} batch {k % per_epoch + 1}/{per_epoch}"


def rate_problem(text):
    """Why ``text`` is not a learning rate (ASCII decimals only), or None."""
    try:
        check_learning_rate(text)
    except ValueError as exc:
        return f"{str(exc).removeprefix('learning_rate: ')}; {RATE_INVALID}"
    return None


class TransportBar(QWidget):
    """Buttons for ``actions`` (QActions, in order), speed, timeline and learning rate.

    Widget -> session through its methods; session -> widget inside QSignalBlocker,
    so a programmatic update never echoes back as a seek.
    """

    def __init__(self, session, actions, parent=None):
        super().__init__(parent)
        self.setObjectName("transport_bar")
        self.session = session
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        layout.setSpacing(4)

        self.buttons = []
        for action in actions:
            button = QToolButton(self)
            button.setDefaultAction(action)
            button.setAutoRaise(True)
            # Buttons must not take the keyboard focus: Space and the arrows belong
            # to the window's shortcuts, not to "click the focused button".
            button.setFocusPolicy(Qt.NoFocus)
            layout.addWidget(button)
            self.buttons.append(button)
        layout.addSpacing(8)

        self.timeline = QSlider(Qt.Horizontal, self)
        self.timeline.setObjectName("timeline")
        self.timeline.setMinimumWidth(160)
        self.timeline.setToolTip("Timeline: drag to look at any recorded iteration")
        self.timeline.setStatusTip("Drag to move through the recorded iterations "
                                   "(nothing is trained or discarded)")
        self.timeline.valueChanged.connect(self._scrubbed)
        # Grabbing the timeline stops play.
        self.timeline.sliderPressed.connect(session.player.pause)
        layout.addWidget(self.timeline, stretch=1)

        self.counter = steady_label("000000000 / 000000000", self)
        self.counter.setObjectName("iteration_counter")
        self.counter.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
        self.counter.setToolTip("Shown iteration / newest recorded iteration")
        layout.addWidget(self.counter)
        self.epoch_label = QLabel(self)
        self.epoch_label.setObjectName("epoch_label")
        self.epoch_label.setToolTip(EPOCH_TIP)
        self.epoch_label.setContentsMargins(EPOCH_GAP, 0, 0, 0)  # apart from the counter
        self.epoch_label.hide()
        self._epoch_width = 0
        layout.addWidget(self.epoch_label)
        layout.addSpacing(12)

        layout.addWidget(QLabel("Speed", self))
        self.speed = QSlider(Qt.Horizontal, self)
        self.speed.setObjectName("speed")
        self.speed.setRange(0, len(PACES) - 1)
        self.speed.setPageStep(1)
        self.speed.setFixedWidth(110)
        self.speed.setToolTip(PACE_TIP)
        self.speed.valueChanged.connect(self._speed_moved)
        layout.addWidget(self.speed)
        self.speed_label = QLabel(self)
        self.speed_label.setMinimumWidth(self.fontMetrics().horizontalAdvance("10k it/s"))
        layout.addWidget(self.speed_label)
        layout.addSpacing(12)

        layout.addWidget(QLabel("Learning rate \N{GREEK SMALL LETTER ETA}", self))
        self.rate = QLineEdit(self)
        self.rate.setObjectName("learning_rate")
        self.rate.setFixedWidth(self.fontMetrics().horizontalAdvance("0.000000") + 16)
        self.rate.setToolTip(RATE_TIP)
        self._rate_mark = (True, None)  # valid: no red frame, the plain tip
        self.rate.returnPressed.connect(self.apply_rate)
        self.rate.textEdited.connect(self._rate_edited)
        # Leaving the field (not editingFinished: after a refused Enter Qt does not
        # emit it again on focus-out) forgets an edit that was not applied.
        self.rate.installEventFilter(self)
        layout.addWidget(self.rate)

        session.cursor.sigRunReplaced.connect(self._run_replaced)
        session.cursor.sigHistoryChanged.connect(self.sync)
        session.cursor.sigIterationChanged.connect(self.sync)
        session.player.sigRunToProgress.connect(self.sync)
        session.player.sigPaceChanged.connect(self._show_pace)
        session.player.sigMicroStepsChanged.connect(
            lambda _on: self._show_pace(session.player.pace))
        self._show_pace(session.player.pace)
        self.sync()

    # ---- session -> widgets ------------------------------------------------------------

    def sync(self, *_):
        """Show the session's history length, cursor and learning rate."""
        session, run = self.session, self.session.run
        with QSignalBlocker(self.timeline):
            self.timeline.setMaximum(run.newest)
            self.timeline.setValue(session.iteration)
            self.timeline.setPageStep(max(1, run.newest // 20))
        self.timeline.setEnabled(not session.player.busy)
        self.counter.setText(f"{session.iteration} / {run.newest}")
        self._show_epoch(epoch_text(run, session.iteration))
        self.rate.setEnabled(not session.player.busy)
        if not self.rate.isModified():  # do not overwrite what the learner is typing
            text = rate_text(run.learning_rate_at(session.iteration))
            if text != self.rate.text():
                self.rate.setText(text)
                self.rate.setCursorPosition(0)  # a long rate shows its first digits
            self._mark_rate(valid=True)

    def _run_replaced(self):
        self._epoch_width = 0  # the new run's texts may be narrower
        self.sync()

    def _show_epoch(self, text):
        """The epoch beside the counter. Its width only grows within a run (as the
        epoch gains a digit), so a frame of Play does not lay the bar out again."""
        label = self.epoch_label
        label.setVisible(bool(text))
        if text == label.text():
            return
        width = label.fontMetrics().horizontalAdvance(text) + EPOCH_GAP + 4
        if width > self._epoch_width:
            self._epoch_width = width
            label.setFixedWidth(width)
        label.setText(text)

    def _show_pace(self, pace):
        """The slider at ``pace``, or at the step nearest to it (a pace set elsewhere)."""
        if pace in (WATCH, MAX):
            index = PACES.index(pace)
        else:
            index = min(range(1, len(PACES) - 1), key=lambda i: abs(math.log(PACES[i] / pace)))
        with QSignalBlocker(self.speed):
            self.speed.setValue(index)
        self.speed_label.setText(pace_text(PACES[index], self.session.player.micro_steps))

    # ---- widgets -> session -------------------------------------------------------------

    def _scrubbed(self, value):
        if self.session.player.busy:  # disabled during "Run to"; setValue still reaches here
            self.sync()
            return
        self.session.cursor.seek(value)

    def _speed_moved(self, index):
        self.session.player.set_pace(PACES[index])
        self.speed_label.setText(pace_text(PACES[index], self.session.player.micro_steps))

    def apply_rate(self):
        """Use the typed learning rate from the shown iteration on, or say why not."""
        text = self.rate.text()
        why = rate_problem(text)
        if why is not None:
            self._refuse(text, why)
            return False
        rate = check_learning_rate(text)
        session = self.session
        changed = rate != session.run.learning_rate_at(session.iteration)
        discarded = session.run.newest - session.iteration
        self.rate.setModified(False)
        session.cursor.set_learning_rate(rate)
        if changed and discarded:
            session.sigMessage.emit(f"Learning rate {rate_text(rate)} from iteration "
                                    f"{session.iteration} on; the {discarded} later "
                                    "iterations were discarded.")
        self.sync()
        self.rate.clearFocus()  # hand the keyboard back to play/step shortcuts
        return True

    def _refuse(self, text, why):
        message = f"Learning rate {text.strip()!r} refused: {why}"
        self._mark_rate(valid=False, why=message)
        self.session.sigMessage.emit(message)  # the status bar says it at once

    def _rate_edited(self, text):
        why = rate_problem(text)
        self._mark_rate(valid=why is None, why=why)

    def eventFilter(self, watched, event):
        """Leaving the field without Enter forgets the edit (applying discards history)."""
        if watched is self.rate and event.type() == QEvent.FocusOut:
            self.rate.setModified(False)
            self.sync()
        return False

    def _mark_rate(self, valid, why=None):
        if (valid, why) == self._rate_mark:
            return  # sync runs on every frame of Play: restyle only on a change
        self._rate_mark = (valid, why)
        self.rate.setStyleSheet("" if valid else
                                "QLineEdit { border: 1px solid #d55e00; "
                                "background: #fdece4; }")
        self.rate.setToolTip(RATE_TIP if valid else f"{why or RATE_INVALID}\n\n{RATE_TIP}")


class TransportKeys(QObject):
    """Lets Space and the left/right arrows (also with Shift: the micro-steps) reach the
    window's shortcuts while a spin box has the focus (a spin box would otherwise
    take them to move its text cursor; Up/Down still change its value)."""

    KEYS = (Qt.Key_Space, Qt.Key_Left, Qt.Key_Right)

    def eventFilter(self, watched, event):
        if (event.type() == QEvent.ShortcutOverride and event.key() in self.KEYS
                and event.modifiers() in (Qt.NoModifier, Qt.ShiftModifier)):
            event.ignore()
            return True
        return False
