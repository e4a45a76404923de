"""Never lose a session: what counts as unsaved, the recovery file, and the autosave.

- ``unsaved.py``: ``UnsavedChanges``, the precise meaning of "unsaved" (hand edits,
  snapshots taken, a new run) against the state last saved, opened or launched.
- ``recovery_file.py``: the recovery document (the run as a snapshot, the shown
  iteration, the Snapshots list, the selected sample), written atomically and read
  back as carefully as a snapshot file.
- ``autosave.py``: ``Autosave`` writes it on a timer while the session is unsaved,
  offers it back after a crash, removes it after a clean quit, and asks Save /
  Discard / Cancel when a window with unsaved work closes.
"""

from .autosave import Autosave, recovery_folder
from .unsaved import UnsavedChanges

__all__ = ["Autosave", "UnsavedChanges", "recovery_folder"]
