"""Number fields that never change a value silently.

A plain QSpinBox drops a keystroke that would leave its range, so typing 10000 in a
box that stops at 64 gives 10; it clamps a value set from a file to its maximum,
so a loaded 10,000-unit layer shows 64; and on Enter or focus loss it quietly puts
back the old value when the text does not parse. The boxes here show every typed
character, read it with nncore's ASCII-only parser, and either use the value
exactly or put back the value in force and emit ``sigRefused`` with the reason for
the dock to show. ``show_value`` widens the range when the value in force is beyond
it, so the box shows that value rather than its maximum.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QDoubleSpinBox, QSpinBox

from nncore.number_text import parse_number, parse_whole

COMMIT_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def exact_text(value):
    """The shortest text that reads back as exactly ``value``: 1, 0.5, 1e-05, 0.1234567
    (``repr``, without the ".0" of whole numbers)."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


class _StrictMixin:
    """What both boxes share; the subclass gives ``field``, ``_parse`` and the bounds
    a learner may type (``limits``: the range before any widening)."""

    def _problem(self, text):
        """Why ``text`` cannot be used, or None."""
        if self.specialValueText() and text == self.specialValueText():
            return None
        try:
            self._parse(text)
        except ValueError as exc:
            return str(exc)
        return None

    def validate(self, text, pos):
        # Intermediate, never Invalid: a refused keystroke would vanish without a word.
        ok = self._problem(text) is None
        return QValidator.State.Acceptable if ok else QValidator.State.Intermediate

    def valueFromText(self, text):
        if self.specialValueText() and text == self.specialValueText():
            return self.minimum()
        return self._parse(text)

    def _check_typed(self):
        """Before Qt commits the text (or puts the old value back): say why not."""
        why = self._problem(self.lineEdit().text())
        if why is not None:
            self.sigRefused.emit(why)

    def keyPressEvent(self, event):
        if event.key() in COMMIT_KEYS:
            self._check_typed()
        super().keyPressEvent(event)

    def focusOutEvent(self, event):
        self._check_typed()
        super().focusOutEvent(event)

    def stepBy(self, steps):
        self._check_typed()
        super().stepBy(steps)

    def show_value(self, value):
        """Show ``value`` (without emitting), widening the range if it lies beyond."""
        low, high = self.limits
        self.blockSignals(True)
        try:
            self.setRange(min(low, value), max(high, value))
            self.setValue(value)
        finally:
            self.blockSignals(False)


class WholeNumberBox(_StrictMixin, QSpinBox):
    """A whole number from ``low`` to ``high`` (a value in force beyond them is shown
    as it is, see ``show_value``); ``field`` names it in refusals."""

    sigRefused = Signal(str)

    def __init__(self, field, low, high, parent=None):
        super().__init__(parent)
        self.field = field
        self.limits = (low, high)
        self.setRange(low, high)
        self.setKeyboardTracking(False)  # commit on Enter, focus loss or the arrows

    def _parse(self, text):
        return parse_whole(text, self.field, self.minimum(), self.maximum())

    def textFromValue(self, value):
        return str(value)  # never a locale's group separator ("10,000")


class DecimalBox(_StrictMixin, QDoubleSpinBox):
    """A number from ``low`` to ``high`` with at most ``decimals`` decimals."""

    sigRefused = Signal(str)

    def __init__(self, field, low, high, decimals, parent=None):
        super().__init__(parent)
        self.field = field
        self.limits = (low, high)
        self.setDecimals(decimals)
        self.setRange(low, high)
        self.setKeyboardTracking(False)

    def _parse(self, text):
        value = parse_number(text, self.field, self.minimum(), self.maximum())
        if round(value, self.decimals()) != value:
            raise ValueError(f"{self.field}: {text.strip()!r} has more than "
                             f"{self.decimals()} decimal(s)")
        return value

    def textFromValue(self, value):
        return f"{value:.{self.decimals()}f}"
