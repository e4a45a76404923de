"""What "unsaved" means in Backprop Lab.

The session is compared with a *baseline*: the state at the last Save, Open or
restore, or at launch. It is **unsaved** when any of these differ from it:

- **hand edits**: the run's changes made by hand (a weight, a bias, a learning
  rate, each at its iteration), compared by value; a run other than the baseline's
  counts if it has any change at all;
- **snapshots**: the Snapshots list (an entry taken since, or entries gone);
- **a new run**: the shown run is not the baseline's (another dataset, architecture,
  seed or option, made by hand; an opened file becomes the new baseline).

Training and moving the cursor alone change nothing unsaved: "Run to" makes the
same iterations again, bit for bit. Once the session is unsaved, though, the
autosave records everything shown, the training and the iteration included.

Closing the window asks Save / Discard / Cancel only for hand edits and snapshots:
a new architecture is one click to make again, and asking at every try would nag.
A snapshot file holds the run, not the Snapshots list, so Save takes the list as
seen: it lives on in the recovery file only until the clean quit.
"""

from __future__ import annotations


class UnsavedChanges:
    """Tracks ``session`` against its baseline (see the module docstring)."""

    def __init__(self, session):
        self.session = session
        self.mark_saved()

    def mark_saved(self, iteration=None):
        """The session as it is now is safe on disk. ``iteration``: a Save wrote the
        run up to it, so hand edits after it are still unsaved (default: all)."""
        run = self.session.run
        k = run.newest if iteration is None else iteration
        self._run = run
        self._changes = tuple(c for c in run.changes if c.iteration <= k)
        self._entries = tuple(self.session.snapshots)

    def mark_unsaved(self):
        """Nothing of the session is on disk (a session restored from recovery)."""
        self._run, self._changes, self._entries = None, (), ()

    @property
    def hand_edits(self):
        run = self.session.run
        if run is not self._run:
            return bool(run.changes)
        return tuple(run.changes) != self._changes

    @property
    def snapshots(self):
        entries = self.session.snapshots
        return len(entries) != len(self._entries) or any(
            a is not b for a, b in zip(entries, self._entries, strict=True))

    @property
    def new_run(self):
        return self.session.run is not self._run

    @property
    def worth_asking(self):
        """Closing now would lose hand edits or snapshots."""
        return self.hand_edits or self.snapshots

    @property
    def any(self):
        """Something a relaunch could not make again: the autosave keeps it."""
        return self.worth_asking or self.new_run

    def describe(self):
        """What would be lost, for the question on closing: "hand edits and 2 snapshots"."""
        parts = []
        if self.hand_edits:
            parts.append("hand edits")
        n = len(self.session.snapshots) if self.snapshots else 0
        if n:
            parts.append(f"{n} snapshot{'s' if n != 1 else ''}")
        return " and ".join(parts) or "changes"
