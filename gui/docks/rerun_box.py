"""The Architecture dock's "Compare learning rates" box: the same run again from its
very initial weights W₀, with another learning rate η."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout

from gui.common.number_fields import exact_text
from nncore import check_learning_rate


class RerunBox(QGroupBox):
    """η field and Re-run button for ``session``. Signal: sigRefused(str), why the typed
    η cannot be used (the text stays, to be corrected)."""

    sigRefused = Signal(str)

    def __init__(self, session, parent=None):
        super().__init__("Compare learning rates", parent)
        self.session = session
        layout = QVBoxLayout(self)
        text = QLabel("Start again from the same initial weights W₀, with another η:")
        text.setWordWrap(True)
        layout.addWidget(text)
        row = QHBoxLayout()
        row.addWidget(QLabel("η ="))
        self.rate = QLineEdit()
        self.rate.setToolTip("The learning rate η of the re-run, from iteration 0: "
                             "a positive number such as 0.5 or 1e-3.")
        self.rate.returnPressed.connect(self.rerun)
        row.addWidget(self.rate, 1)
        self.button = QPushButton("Re-run")
        self.button.setToolTip("New run at iteration 0: same seed, same layers, "
                               "so the same W₀; only η differs.")
        self.button.clicked.connect(self.rerun)
        row.addWidget(self.button)
        layout.addLayout(row)
        session.cursor.sigHistoryChanged.connect(self._history_changed)

    def _history_changed(self):
        self.sync(keep_typed=True)

    def sync(self, keep_typed=False):
        """Offer the η in force as the starting point for a re-run; with
        ``keep_typed`` (an edit of the past, or a frame of play) a value being typed
        is not overwritten."""
        if keep_typed and self.rate.isModified():
            return
        text = exact_text(self.session.run.learning_rate_at(self.session.iteration))
        if text != self.rate.text():
            self.rate.setText(text)
        self.rate.setModified(False)

    def rerun(self):
        """A new run from this run's very initial weights W₀ (copied, so it holds even
        for a loaded run without a seed), with the learning rate from the field."""
        run = self.session.run
        try:
            rerun = run.restarted(check_learning_rate(self.rate.text()))
        except ValueError as exc:
            self.sigRefused.emit(str(exc))
            return False
        self.session.set_run(rerun, 0, self.session.cursor.config.dataset_name)
        return True
