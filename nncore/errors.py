"""The one error type for every file Backprop Lab reads or writes.

A ``LoadError`` says which file, where in it (a field such as ``weights[0]`` or a
``line 4, column 2``) and what is wrong, on one line, so the window can show it in a
dialog and the command line can print it after ``error:``.
"""

from __future__ import annotations

import os


class LoadError(ValueError):
    """A file could not be read (or written): ``str()`` is ``"file: where: problem"``."""

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


class SaveError(LoadError):
    """A save failed; the previous file, if any, is untouched.

    A subclass of ``LoadError`` so that one ``except LoadError`` handles every
    file problem.
    """


def quoted(text, limit=40):
    """``text`` as a short repr for a message: never multi-line, never huge."""
    text = str(text)
    if len(text) > limit:
        text = text[:limit] + "..."
    return repr(text)
