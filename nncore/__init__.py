"""Backprop Lab's engine: numpy only, no Qt, no printing."""

from .datasets import BUILTIN, builtin, load_csv, save_csv, three_bit, three_class, two_d
from .errors import BudgetError, FileError, LoadError, SaveError
from .export import export_weights, load_npz_weights, load_parameters, load_weights
from .files import atomic_write
from .history import Change
from .network import (
    ACTIVATIONS,
    LOSSES,
    OUTPUT_ACTIVATIONS,
    REDUCTIONS,
    accuracy,
    activate,
    backward,
    check_learning_rate,
    forward,
    init_weights,
    loss_value,
    sigmoid,
)
from .options import OPTIMIZERS, TrainingOptions
from .run import Run
from .snapshot import load_snapshot, save_snapshot, snapshot_dict

__version__ = "0.1.0"

__all__ = [
    "ACTIVATIONS", "LOSSES", "OPTIMIZERS", "OUTPUT_ACTIVATIONS", "REDUCTIONS", "Change", "Run",
    "TrainingOptions", "accuracy", "activate", "backward", "check_learning_rate", "forward",
    "init_weights", "loss_value", "sigmoid", "__version__",
    "BUILTIN", "BudgetError", "FileError", "LoadError", "SaveError", "atomic_write",
    "builtin", "export_weights", "load_csv", "load_npz_weights", "load_parameters",
    "load_snapshot", "load_weights", "save_csv", "save_snapshot", "snapshot_dict",
    "three_bit", "three_class", "two_d",
]
