"""The Code dock: the training loop of the current run, paused at the shown iteration.

It shows the script that File > Export > Python script writes (nncore.codegen), with
long datasets shortened: for the tutorial's run, the tutorial's own lines. The line
of the micro-step being shown (``session.micro.phase``) is highlighted, and the
values its variables hold in the pass ``i = k`` of the loop (iteration k's batch)
appear beside it, as a debugger shows them. Clicking a line of the loop shows its
phase; a line that computes two phases (the weighted sum and the activation are one
line in the tutorial) shows the next of them on each click.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFontDatabase,
    QPainter,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextFormat,
)
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QTextEdit, QVBoxLayout, QWidget

from gui.common import palette
from gui.common.lazy_dock import LazyDock
from gui.common.redraw import RedrawTimer

DATA_ROWS = 6  # dataset rows shown; the exported script has them all
NUMBERS_SHOWN = 4  # of each variable, beside its line
VALUES_LISTED = 8  # of each variable, in the list below the code
LINE_TINT = QColor(palette.HIGHLIGHT.red(), palette.HIGHLIGHT.green(),
                   palette.HIGHLIGHT.blue(), 48)
VALUE_INK = palette.POSITIVE
KEYWORDS = ("def", "return", "for", "in", "if", "import", "as", "not", "None", "True",
            "False", "is")


def value_text(name, values, count=NUMBERS_SHOWN):
    """``name (4×1) = [0.406, 0.326, …]``: the shape and the first numbers."""
    values = np.asarray(values, dtype=float)
    shape = "×".join(str(n) for n in values.shape)
    flat = values.ravel()
    numbers = ", ".join(f"{v:.3g}" for v in flat[:count])
    more = ", …" if flat.size > count else ""
    return f"{name} ({shape}) = [{numbers}{more}]"


class PythonColours(QSyntaxHighlighter):
    """Comments grey, keywords blue, strings green: enough to read the structure."""

    def __init__(self, document):
        super().__init__(document)
        self.keyword = QTextCharFormat()
        self.keyword.setForeground(palette.POSITIVE)
        self.comment = QTextCharFormat()
        self.comment.setForeground(palette.FAINT_INK)
        self.string = QTextCharFormat()
        self.string.setForeground(palette.HIGHLIGHT)

    def highlightBlock(self, text):
        stripped = text.lstrip()
        if stripped.startswith(("#", '"""')) or self.previousBlockState() == 1:
            self.setFormat(0, len(text), self.string if '"""' in text
                           or self.previousBlockState() == 1 else self.comment)
            opens = text.count('"""') % 2 == 1
            self.setCurrentBlockState(int(opens != (self.previousBlockState() == 1)))
            return
        self.setCurrentBlockState(0)
        start = 0
        for word in text.replace("(", " ").replace(")", " ").replace(":", " ").split(" "):
            at = text.find(word, start)
            if word in KEYWORDS and at >= 0:
                self.setFormat(at, len(word), self.keyword)
            start = max(start, at + len(word)) if at >= 0 else start
        hash_at = text.find("#")
        if hash_at >= 0 and text.count("'", 0, hash_at) % 2 == 0:
            self.setFormat(hash_at, len(text) - hash_at, self.comment)


class CodeView(QPlainTextEdit):
    """Read-only monospace code with highlighted lines and values painted beside
    lines. Signal: sigLineClicked(int), the 1-based line clicked."""

    sigLineClicked = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setReadOnly(True)
        self.setLineWrapMode(QPlainTextEdit.NoWrap)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.FixedFont))
        self.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.setFocusPolicy(Qt.NoFocus)  # Space and the arrows stay the window's keys
        self.colours = PythonColours(self.document())
        self.notes = {}  # line -> text painted beside it

    def set_code(self, text, first_line):
        """Show ``text``; the first time, scrolled to ``first_line``, later where the
        learner left it."""
        if text == self.toPlainText():
            return
        scroll = self.verticalScrollBar().value()
        fresh = not self.toPlainText()
        self.setPlainText(text)
        self.verticalScrollBar().setValue(first_line - 1 if fresh else scroll)

    def show_lines(self, first, last, context=None):
        """Scroll so that lines ``first`` to ``last`` are on screen, if they are not;
        from line ``context`` (the loop's first line) when that fits too."""
        bar = self.verticalScrollBar()
        top, rows = bar.value() + 1, max(1, bar.pageStep() - 1)  # the last may be cut
        if top <= first and last < top + rows:
            return
        start = context if context is not None and last - context < rows else first
        bar.setValue(max(0, start - 1))

    def highlight(self, lines):
        selections = []
        for line in lines:
            selection = QTextEdit.ExtraSelection()
            selection.format.setBackground(LINE_TINT)
            selection.format.setProperty(QTextFormat.FullWidthSelection, True)
            selection.cursor = self.textCursor()
            block = self.document().findBlockByNumber(line - 1)
            selection.cursor.setPosition(block.position())
            selections.append(selection)
        self.setExtraSelections(selections)

    def set_notes(self, notes):
        self.notes = dict(notes)
        self.viewport().update()

    def paintEvent(self, event):
        super().paintEvent(event)
        if not self.notes:
            return
        painter = QPainter(self.viewport())
        font = self.font()
        font.setItalic(True)
        painter.setFont(font)
        painter.setPen(VALUE_INK)
        metrics, offset = painter.fontMetrics(), self.contentOffset()
        right = self.viewport().width() - 4
        for line, text in self.notes.items():
            block = self.document().findBlockByNumber(line - 1)
            if not block.isValid() or not block.isVisible():
                continue
            rect = self.blockBoundingGeometry(block).translated(offset)
            x = rect.left() + self.document().documentMargin() + metrics.horizontalAdvance(
                block.text() + "   ")
            # What does not fit is cut with an ellipsis; the list below the code has it all.
            shown = metrics.elidedText(text, Qt.ElideRight, int(right - x))
            painter.drawText(QRectF(x, rect.top(), max(0.0, right - x), rect.height()),
                             Qt.AlignLeft | Qt.AlignVCenter, shown)
        painter.end()

    def mouseReleaseEvent(self, event):
        super().mouseReleaseEvent(event)
        if event.button() == Qt.LeftButton and not self.textCursor().hasSelection():
            line = self.cursorForPosition(event.position().toPoint()).blockNumber() + 1
            self.sigLineClicked.emit(line)


class CodeDock(LazyDock):
    """The training code of ``session``'s run, paused in the loop's pass ``i = k``
    for the shown iteration k: ``script`` is the :class:`~nncore.codegen.Script`
    shown (trained to k + 1, so that pass is its last), ``highlighted`` the lines
    lit for the micro-step's phase and ``view.notes`` the values beside them."""

    def __init__(self, session, parent=None, lazy=False):
        super().__init__("Code", parent)
        self.setObjectName("code_dock")
        self.session = session
        self.script = None
        self.highlighted = ()
        self.build_now_or_when_shown(lazy)

    def _build(self):
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.view = CodeView()
        self.view.setToolTip("The training loop that made this run. Shift+→ and Shift+← "
                             "step through its lines; click a line of the loop to show it.")
        self.values = QLabel()  # every value of the phase, in full
        self.values.setFont(QFontDatabase.systemFont(QFontDatabase.FixedFont))
        self.values.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.values.setWordWrap(True)
        self.values.setStyleSheet(f"color: {VALUE_INK.name()}")
        layout.addWidget(self.caption)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.values)
        self.setWidget(body)
        session = self.session
        self.redraw = RedrawTimer(self, session, self.refresh, max_fps=15)
        session.cursor.sigRunReplaced.connect(self.redraw.schedule)
        session.cursor.sigHistoryChanged.connect(self.redraw.schedule)
        session.cursor.sigIterationChanged.connect(self.redraw.schedule)
        session.micro.sigPhaseChanged.connect(self.redraw.schedule)
        self.view.sigLineClicked.connect(self.line_clicked)
        self.refresh()

    def refresh(self):
        # Imported here, when the tab is first built: start-up pays only for the first frame.
        from nncore.code_values import phase_values
        from nncore.codegen import training_script

        session = self.session
        run, k, phase = session.run, session.iteration, session.micro.phase
        # The loop's last pass is i = k: the one that makes iteration k + 1.
        self.script = script = training_script(run, k + 1, DATA_ROWS,
                                               session.cursor.config.dataset_name)
        loop = script.loop_line
        self.view.set_code(script.text, loop)
        lines = script.phase_lines.get(phase, ()) if phase is not None else ()
        self.highlighted = tuple(lines)
        self.view.highlight(lines)
        if lines:
            self.view.show_lines(lines[0], lines[-1], loop)
        values = phase_values(run, k, phase) if phase is not None else []
        self.view.set_notes({loop: f"i = {k}", **self.notes(phase, values)})
        self.values.setText("\n".join(value_text(name, v, VALUES_LISTED) for name, v in values))
        self.values.setVisible(bool(values))
        if phase is None:
            self.caption.setText(f"Paused in the loop at i = {k}. Shift+→ steps through "
                                 "its lines; click a line of the loop to show that step.")
        else:
            self.caption.setText(f"Paused in the loop at i = {k}: {_phase_text(phase)}, "
                                 f"on iteration {k}'s batch.")

    def notes(self, phase, values):
        """``{line: text}``: each of ``values`` (name, numbers) beside the line of
        ``phase`` that assigns it (the phase's last line when the loop assigns it
        indirectly, as the optimizer's loop does)."""
        out = {}
        lines = self.script.phase_lines.get(phase, ())
        for name, numbers in values:
            line = self.script.variable_lines.get(name)
            if line not in lines:
                line = lines[0] if phase.kind == "sum" else lines[-1]
            text = value_text(name, numbers)
            out[line] = f"{out[line]};  {text}" if line in out else text
        return out

    def line_clicked(self, line):
        if self.script is None:
            return
        choices = self.script.phases_at(line)
        if not choices:
            return
        current = self.session.micro.phase
        if current in choices:
            phase = choices[(choices.index(current) + 1) % len(choices)]
        else:
            phase = choices[0]
        self.session.micro.show_phase(phase)


def _phase_text(phase):
    if phase.kind == "sum":
        return f"the weighted sums into layer {phase.layer + 1}"
    if phase.kind == "activate":
        return f"the activations of layer {phase.layer + 1}"
    if phase.kind == "error":
        return "the error at the output"
    if phase.kind == "delta":
        return f"the deltas of layer {phase.layer + 1} and the gradient of syn{phase.layer}"
    return "the update of the weights"
