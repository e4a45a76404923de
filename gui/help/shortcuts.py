"""Help > Keyboard shortcuts: a table built from the window's actions, so it lists
exactly the shortcuts that work, and a new action with a shortcut appears in it."""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from .whats_this import plain


def shortcut_rows(window):
    """``(command, keys, what it does)`` for every action of ``window`` with a shortcut,
    in the order the window made them."""
    rows, seen = [], set()
    for action in [*window.actions(), *window.findChildren(QAction)]:
        keys = [k for k in action.shortcuts() if not k.isEmpty()]
        if not keys or id(action) in seen:
            continue
        seen.add(id(action))
        rows.append((plain(action.text()).rstrip(".\N{HORIZONTAL ELLIPSIS}"),
                     ", ".join(k.toString(QKeySequence.NativeText) for k in keys),
                     action.statusTip()))
    return rows


class ShortcutsDialog(QDialog):
    """The table of :func:`shortcut_rows`."""

    def __init__(self, window):
        super().__init__(window)
        self.setWindowTitle("Keyboard shortcuts")
        rows = shortcut_rows(window)
        self.table = QTableWidget(len(rows), 3, self)
        self.table.setHorizontalHeaderLabels(["Command", "Keys", "What it does"])
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.Stretch)
        buttons = QDialogButtonBox(QDialogButtonBox.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(720, 480)
