"""Backprop Lab's engine: numpy only, no Qt, no printing."""

from .network import (
    ACTIVATIONS,
    LOSSES,
    accuracy,
    activate,
    backward,
    forward,
    init_weights,
    loss_value,
    sigmoid,
)
from .run import Change, Run, check_learning_rate

__version__ = "0.1.0"

__all__ = [
    "ACTIVATIONS", "LOSSES", "Change", "Run", "accuracy", "activate", "backward",
    "check_learning_rate", "forward", "init_weights", "loss_value", "sigmoid", "__version__",
]
