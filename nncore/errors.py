"""The error types for every file Backprop Lab reads or writes.

A ``FileError`` says which file, where in it (a field such as ``weights[0]`` or a
``line 4, column 2``) and what is wrong, on one line, so the window can show it in a
dialog and the command line can print it after ``error:``. A ``LoadError`` is a file
that could not be read, a ``SaveError`` one that could not be written; ``except
FileError`` handles both. A ``BudgetError`` is a ``LoadError`` whose numbers (a
file's, or sizes typed by a user) would need more memory than a run may take.
"""

from __future__ import annotations

import os


class FileError(ValueError):
    """A file problem: ``str()`` is ``"file: where: problem"``, leaving out parts that
    are None."""

    def __init__(self, path, problem, where=None):
        self.path = None if path is None else os.fspath(path)
        self.where = where
        self.problem = problem
        super().__init__(self._text())

    def _text(self):
        parts = [p for p in (self.path, self.where, self.problem) if p]
        # One line, always: the CLI prints exactly one line per error.
        return ": ".join(str(p) for p in parts).replace("\r", " ").replace("\n", " ")

    def __str__(self):
        return self._text()


class LoadError(FileError):
    """A file could not be read; nothing was changed."""


class SaveError(FileError):
    """A save failed; the previous file, if any, is untouched."""


class BudgetError(LoadError):
    """The memory that some numbers ask for is over the budget; nothing was allocated.

    ``where`` names the field that asks (``iteration``, ``layer_sizes``, ``dataset``,
    an array's name); ``path`` is None when the numbers were typed, not read. A
    subclass of ``LoadError`` so that every reader's handler shows it as one line.
    """


def quoted(text, limit=40):
    """``text`` as a short repr for a message: never multi-line, never huge."""
    text = str(text)
    if len(text) > limit:
        text = text[:limit] + "..."
    return repr(text)
