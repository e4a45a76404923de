"""Lesson set-ups and breakpoints: Training ▸ Stop when… and the Lessons menu.

``Stop when…`` opens a dialog where the learner writes conditions, one a line, in
the command line's syntax (``loss<0.05``, ``test_loss_rising:50``, ``sign:W0[1,2]``,
``saturated``, ...; :mod:`nncore.breakpoints`). The session's player then pauses
Play and "Run to" at the first iteration where one becomes true, and the status
bar names it.

The Lessons menu sets up runs worth explaining: a deep sigmoid network whose
gradient vanishes before it reaches the first layers, and the same network with
He weights and ReLU, where it does not.
"""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
)

from nncore.breakpoints import check_conditions, parse_lines
from nncore.datasets import two_d
from nncore.options import TrainingOptions

SYNTAX = ("One condition a line. Training pauses at the first iteration where one "
          "becomes true:<br>"
          "<tt>loss&lt;0.05</tt>, <tt>test_loss&lt;0.1</tt>, <tt>accuracy&gt;=1</tt> "
          "(also <tt>&lt;=</tt>, <tt>&gt;</tt>, <tt>test_accuracy</tt>, <tt>penalty</tt>)"
          "<br><tt>test_loss_rising:50</tt>: the test loss has not bettered its lowest "
          "for 50 iterations<br><tt>sign:W0[1,2]</tt>: that weight changes sign; "
          "layers, rows and columns count from 0, as in <tt>--json</tt>, so this is "
          "the diagram's W1[2,3] (<tt>sign:b0[2]</tt>: a bias)<br><tt>saturated</tt>, "
          "<tt>dead</tt>: a unit saturates or dies<br><tt>diverged</tt>: a number stops "
          "being finite")
DEEP = [3] + [8] * 6 + [1]  # six hidden layers of eight on a 2-D set
LESSONS = {
    "vanishing": dict(
        title="&Vanishing gradients (deep sigmoid)",
        activations=["sigmoid"] * 7, learning_rate=0.5, init="uniform",
        message="Vanishing gradients: six sigmoid layers of 8 on the 2-D circle. Play and "
                "watch Gradient flow: W1's gradient is about 1/1000 of W7's, and units "
                "saturate. Then try Lessons ▸ He and ReLU."),
    "he_relu": dict(
        title="The same with &He weights and ReLU",
        activations=["relu"] * 6 + ["sigmoid"], learning_rate=0.03, init="he",
        message="He weights and ReLU: every layer's gradient is about the same size, and "
                "the circle is learned. Units flagged dead never pass a gradient."),
}


class StopWhenDialog(QDialog):
    """The conditions as text; OK only when every line parses and fits ``run``."""

    def __init__(self, text, run, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Stop when")
        self.run = run
        self.conditions = None
        layout = QVBoxLayout(self)
        help_label = QLabel(SYNTAX, self)
        help_label.setWordWrap(True)
        layout.addWidget(help_label)
        self.editor = QPlainTextEdit(self)
        self.editor.setPlainText(text)
        self.editor.setPlaceholderText("loss<0.05")
        layout.addWidget(self.editor)
        self.error = QLabel(self)
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #B00020;")
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def accept(self):
        try:
            conditions = parse_lines(self.editor.toPlainText())
            check_conditions(conditions, self.run)
        except ValueError as exc:
            self.error.setText(str(exc))  # the dialog stays open on the bad text
            return
        self.conditions = conditions
        super().accept()


class Lessons:
    """The Stop when… action and the Lessons menu of ``window``."""

    def __init__(self, window):
        self.window = window
        self.session = window.session
        self.stop_text = ""
        self.action_stop_when = QAction("Stop &when\N{HORIZONTAL ELLIPSIS}", window)
        self.action_stop_when.setStatusTip("Pause Play and Run to where a condition "
                                           "becomes true (loss<0.05, saturated, ...)")
        self.action_stop_when.triggered.connect(self.edit_stop_conditions)
        self.actions = {}
        for key, lesson in LESSONS.items():
            action = QAction(lesson["title"], window)
            action.setStatusTip(lesson["message"])
            action.triggered.connect(lambda _=False, key=key: self.start(key))
            self.actions[key] = action

    def add_menu(self, bar, before=None):
        """The Lessons menu, before the menu action ``before`` (or last)."""
        menu = bar.addMenu("&Lessons")
        for action in self.actions.values():
            menu.addAction(action)
        if before is not None:
            bar.insertMenu(before, menu)
        return menu

    def edit_stop_conditions(self):
        dialog = StopWhenDialog(self.stop_text, self.session.run, self.window)
        if dialog.exec() == QDialog.Accepted:
            self.set_stop_conditions(dialog.editor.toPlainText(), dialog.conditions)
        dialog.deleteLater()

    def set_stop_conditions(self, text, conditions=None):
        """Use the conditions written in ``text`` (ValueError naming the line if one
        is bad); an empty text removes them."""
        if conditions is None:
            conditions = parse_lines(text)
        self.stop_text = text
        self.session.player.stop_conditions = list(conditions)
        shown = ", ".join(c.text for c in conditions)
        self.action_stop_when.setText("Stop &when\N{HORIZONTAL ELLIPSIS}"
                                      + (f" ({len(conditions)} set)" if conditions else ""))
        self.session.sigMessage.emit(f"Play and Run to stop when: {shown}." if conditions
                                     else "No stop conditions.")

    def start(self, key):
        """Set up lesson ``key``: its network on the 2-D circle, from seed 1."""
        lesson = LESSONS[key]
        X, Y = two_d("circle", 200)
        self.session.new_run(
            dataset_name="2-D circle", X=X, Y=Y, layer_sizes=list(DEEP),
            activations=list(lesson["activations"]), loss="sse",
            learning_rate=lesson["learning_rate"], seed=1,
            options=TrainingOptions(init=lesson["init"]))
        dock = self.window.docks.get("GradientFlowDock")
        if dock is not None:
            dock.show()
            dock.raise_()
        self.session.sigMessage.emit(lesson["message"])
