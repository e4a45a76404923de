"""The training state the views show, and what moves it (see training_session.py).

Import order inside the package (``lint-imports`` checks it): the session composes
the player, the selection and the snapshot list; each of those reads the cursor.
"""

from .cursor import Cursor, RunConfig
from .micro_steps import MicroSteps
from .player import FRAME_MS, MAX, WATCH, Player, check_pace
from .selection import Bias, Selection, is_bias, param_fits
from .snapshots import SnapshotEntry, SnapshotList
from .training_session import TrainingSession

__all__ = ["FRAME_MS", "MAX", "WATCH", "Bias", "Cursor", "MicroSteps", "Player", "RunConfig",
           "Selection", "SnapshotEntry", "SnapshotList", "TrainingSession", "check_pace",
           "is_bias", "param_fits"]
