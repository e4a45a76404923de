"""Unexpected errors become a dialog, and the app keeps running.

PySide calls ``sys.excepthook`` for an exception raised inside a slot; by default
that prints and carries on, which a learner never sees. Only the app installs this
hook (``run_app``): tests leave pytest-qt's capture in place so a slot that raises
fails the test.
"""

from __future__ import annotations

import sys
import traceback

from PySide6.QtWidgets import QApplication, QMessageBox


class ErrorDialogHook:
    """A ``sys.excepthook`` that prints the traceback and shows it in a dialog.

    ``on_error`` (optional) runs first, e.g. to pause play so that an error raised
    on every timer tick does not stack up dialogs; while one dialog is open,
    further errors are only printed.
    """

    def __init__(self, on_error=None):
        self.on_error = on_error
        self.showing = False
        self.previous = None

    def install(self):
        self.previous = sys.excepthook
        sys.excepthook = self
        return self

    def uninstall(self):
        if sys.excepthook is self:
            sys.excepthook = self.previous or sys.__excepthook__

    def __call__(self, exc_type, exc, tb):
        text = "".join(traceback.format_exception(exc_type, exc, tb))
        sys.stderr.write(text)
        if issubclass(exc_type, KeyboardInterrupt):
            QApplication.quit()
            return
        if self.showing or QApplication.instance() is None:
            return
        self.showing = True
        try:
            if self.on_error is not None:
                self.on_error()
            box = QMessageBox(QMessageBox.Critical, "Backprop Lab: unexpected error",
                              f"Something went wrong: {exc_type.__name__}: {exc}\n\n"
                              "Backprop Lab keeps running; the details below help "
                              "to report the problem.",
                              QMessageBox.Ok, QApplication.activeWindow())
            box.setDetailedText(text)
            box.exec()
        finally:
            self.showing = False
