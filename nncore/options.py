"""How a run trains, beyond the tutorial: biases, reduction, penalties, mini-batches,
the optimizer and a held-out test set. Every default is the tutorial's path.

Which rows are held out and which rows form each mini-batch follow from the run's
seed alone, so any iteration's batch is known without replaying anything:

* **test rows**: the first ``floor(test_fraction * n)`` entries of
  ``numpy.random.default_rng([seed, 0, 1]).permutation(n)``, sorted. The training
  rows are the others, in increasing order.
* **batches**: with ``batch_size`` B below the ``n_train`` training rows, an epoch
  has m = ceil(n_train / B) batches; iteration k is batch j = k % m of epoch
  e = k // m, whose order is ``numpy.random.default_rng([seed, e]).permutation(n_train)``,
  and the batch is the training rows at positions ``order[j*B:(j+1)*B]`` (the last
  batch of an epoch may be smaller). Otherwise every step uses every training row,
  in order, and is an epoch of its own (m = 1). (``[seed, 0, 1]`` is three words
  and every epoch's seed two, so the two streams never coincide.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace

import numpy as np

from .initial_weights import INITS
from .network import REDUCTIONS
from .number_text import parse_number

OPTIMIZERS = ("sgd", "momentum", "nesterov", "rmsprop", "adam")
# The optimizer's state vectors, each as long as theta (weights, then biases).
STATE_NAMES = {"sgd": (), "momentum": ("v",), "nesterov": ("v",), "rmsprop": ("s",),
               "adam": ("m", "v")}
CHOICES = {"reduction": REDUCTIONS, "optimizer": OPTIMIZERS, "init": INITS}
# Hyperparameters that must lie in [0, 1): a decay of 1 would never forget.
DECAYS = ("momentum", "alpha", "beta1", "beta2")


@dataclass(frozen=True)
class TrainingOptions:
    """Everything about training beyond the network, the loss and the learning rate.

    ``bias``: every non-input layer gets a bias vector (starting at 0).
    ``reduction``: ``sum`` or ``mean`` of the loss over a batch's rows.
    ``l1``, ``l2``: lambda1 * sum |W| and lambda2/2 * sum W^2 over the weights.
    ``batch_size``: rows per step, or None for every training row.
    ``optimizer`` and its hyperparameters (unused ones are kept, and ignored).
    ``test_fraction``: the share of rows held out, in [0, 1).
    ``init``: how the weights are drawn from the seed, ``uniform`` (the tutorial's),
    ``xavier`` or ``he`` (see :mod:`nncore.initial_weights`).
    """
    bias: bool = False
    reduction: str = "sum"
    l1: float = 0.0
    l2: float = 0.0
    batch_size: int | None = None
    optimizer: str = "sgd"
    momentum: float = 0.9
    alpha: float = 0.99
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    test_fraction: float = 0.0
    init: str = "uniform"

    def checked(self):
        """These options with numbers as floats; ValueError naming the field (as
        ``momentum: ...``) for a value out of range. Text is read as an ASCII decimal."""
        values = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "bias":
                if not isinstance(value, bool | np.bool_):
                    raise ValueError(f"bias: expected true or false, got {value!r}")
                value = bool(value)
            elif f.name in CHOICES:
                choices = CHOICES[f.name]
                if value not in choices:
                    raise ValueError(f"{f.name}: unknown value {value!r}; choose from "
                                     f"{', '.join(choices)}")
            elif f.name == "batch_size":
                value = _batch_size(value)
            else:
                value = _number(f.name, value)
            values[f.name] = value
        return replace(self, **values)

    @property
    def is_default(self):
        """True when training is the tutorial's: what a schema-1 snapshot can hold."""
        return self == TrainingOptions()

    @property
    def has_penalty(self):
        return bool(self.l1 or self.l2)

    @property
    def state_names(self):
        """The optimizer's state vectors: ``("m", "v")`` for Adam, ``()`` for SGD."""
        return STATE_NAMES[self.optimizer]

    def state_size(self, n_theta):
        """Numbers in the optimizer's state for ``n_theta`` parameters."""
        return len(self.state_names) * n_theta

    def rows(self, n_samples):
        """How these options use ``n_samples`` rows (see :class:`Rows`)."""
        n_test = math.floor(self.test_fraction * n_samples)
        n_train = n_samples - n_test
        batch = n_train if self.batch_size is None else min(self.batch_size, n_train)
        per_epoch = -(-n_train // batch)
        return Rows(n_test, n_train, batch, n_train - (per_epoch - 1) * batch,
                    evaluated=bool(n_test or batch < n_train or self.has_penalty))


@dataclass(frozen=True)
class Rows:
    """Rows held out and rows per step. ``last_batch`` is the size of an epoch's last
    batch. ``evaluated``: a step's own forward pass is not every row's output at
    W_k (mini-batches or a test set), or a penalty must be recorded, so the outputs,
    losses and penalty of every iteration are computed from its parameters after
    the steps (see :mod:`nncore.history`)."""
    n_test: int
    n_train: int
    batch: int
    last_batch: int
    evaluated: bool


OPTION_NAMES = tuple(f.name for f in fields(TrainingOptions))  # snapshot keys, train flags


def _number(name, value):
    given = value
    if isinstance(value, str):
        value = parse_number(value, name)
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating | np.integer):
        raise ValueError(f"{name}: {given!r} is not a number")
    try:
        value = float(value)
    except OverflowError:
        raise ValueError(f"{name}: the number is too large") from None
    if not math.isfinite(value):
        raise ValueError(f"{name}: must be a finite number, got {given!r}")
    if name in DECAYS and not 0 <= value < 1:
        raise ValueError(f"{name}: must be at least 0 and less than 1, got {given!r}")
    if name == "test_fraction" and not 0 <= value < 1:
        raise ValueError(f"test_fraction: must be at least 0 and less than 1 (some rows must "
                         f"be left to train on), got {given!r}")
    if name == "eps" and not value > 0:
        raise ValueError(f"eps: must be a positive number, got {given!r}")
    if name in ("l1", "l2") and value < 0:
        raise ValueError(f"{name}: must be 0 or more, got {given!r}")
    return value


def _batch_size(value):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"batch_size: must be a whole number of 1 or more, got {value!r}")
    return int(value)


def held_out_rows(n, fraction, seed):
    """The held-out rows of ``n``: ``floor(fraction * n)`` of them, sorted (see the
    module's docstring for the rule)."""
    count = math.floor(fraction * n)
    if count == 0:
        return np.zeros(0, dtype=np.intp)
    order = np.random.default_rng([seed, 0, 1]).permutation(n)
    return np.sort(order[:count])


class BatchSchedule:
    """Which training rows form the batch of iteration k (positions into the
    training rows; see the module's docstring)."""

    def __init__(self, n_train, batch_size, seed):
        self.n_train, self.seed = n_train, seed
        self.full = batch_size is None or batch_size >= n_train
        self.size = n_train if self.full else batch_size
        self.per_epoch = 1 if self.full else -(-n_train // batch_size)  # m = ceil(n/B)
        self.last_size = n_train - (self.per_epoch - 1) * self.size
        self._epoch, self._order = None, None

    def epoch(self, k):
        """The epoch of iteration k: k // m (k itself with full batches, where m = 1)."""
        return k // self.per_epoch

    def order(self, e):
        """The permutation of the training rows for epoch e (the newest one is kept)."""
        if self._epoch != e:
            self._order = np.random.default_rng([self.seed, e]).permutation(self.n_train)
            self._epoch = e
        return self._order

    def positions(self, k):
        """Positions into the training rows of iteration k's batch, in batch order."""
        if self.full:
            return np.arange(self.n_train)
        j = k % self.per_epoch
        return self.order(k // self.per_epoch)[j * self.size:(j + 1) * self.size]
