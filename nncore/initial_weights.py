"""The initial weights: the tutorial's draw, for any layer sizes, and two scaled ones.

Every scheme draws from one ``numpy.random.RandomState(seed)``, layer by layer,
``random_sample(n_in * n_out)`` reshaped to ``(n_in, n_out)`` (row-major), and maps
each number u in [0, 1) to a weight:

* ``uniform`` (the default, the tutorial's): ``2*u - 1``, uniform on [-1, 1).
* ``xavier`` (Glorot uniform): ``a * (2*u - 1)`` with ``a = sqrt(6 / (n_in + n_out))``,
  so the variance is ``2 / (n_in + n_out)``.
* ``he`` (He uniform): ``a * (2*u - 1)`` with ``a = sqrt(6 / n_in)``, so the
  variance is ``2 / n_in``. He's uniform form, not his normal one: the same uniform
  numbers then serve every scheme, and layer sizes and seed alone fix every bit.

``n_in`` counts every unit feeding the layer, the tutorial's constant input column
too; biases are not drawn (they start at 0).
"""

from __future__ import annotations

import math
import operator
import random

import numpy as np

MAX_SEED = 2**32 - 1  # seeds are 0..MAX_SEED, as numpy.random.RandomState takes them
INITS = ("uniform", "xavier", "he")


def weight_shapes(layer_sizes):
    """``[(n_0, n_1), (n_1, n_2), ...]``: the shape of each weight matrix (the flat
    vectors that follow them are in :mod:`nncore.network`)."""
    return list(zip(layer_sizes[:-1], layer_sizes[1:], strict=True))


def init_weights(layer_sizes, seed, numpy_random=False, *, init="uniform"):
    """The initial weight matrices: one RandomState, each layer ``2*random - 1``,
    scaled for ``xavier`` and ``he`` (see the module's docstring). ``numpy_random``:
    draw with ``numpy.random.RandomState`` itself, the same numbers (see
    :func:`random_sample`), quicker for many seeds once numpy.random is loaded."""
    if init not in INITS:
        raise ValueError(f"init: unknown value {init!r}; choose from {', '.join(INITS)}")
    draw = np.random.RandomState(seed).random_sample if numpy_random else random_sample(seed)
    weights = []
    for n_in, n_out in weight_shapes(layer_sizes):
        W = 2 * draw(n_in * n_out).reshape(n_in, n_out) - 1
        if init != "uniform":  # the tutorial's bits are left untouched
            W *= init_limit(init, n_in, n_out)
        weights.append(W)
    return weights


def init_limit(init, n_in, n_out):
    """The bound a of the scheme's uniform draw on [-a, a): 1, sqrt(6/(n_in+n_out))
    or sqrt(6/n_in)."""
    if init == "xavier":
        return math.sqrt(6 / (n_in + n_out))
    if init == "he":
        return math.sqrt(6 / n_in)
    return 1.0


def random_sample(seed):
    """``n -> numpy.random.RandomState(seed).random_sample(n)``, the same numbers.

    That legacy generator is MT19937 seeded by init_genrand(seed), giving 53-bit
    doubles made of two 32-bit draws; Python's ``random.Random`` is the same
    generator making the same doubles, so given that seeded state it draws the
    very same bits. It saves the window's start importing ``numpy.random`` (nine C
    extensions, and OpenSSL through ``secrets``) for a handful of numbers. Seeds
    other than an integer in 0..2**32-1 go to numpy itself, errors included.
    """
    try:
        s = operator.index(seed)
    except TypeError:
        s = -1
    if not 0 <= s <= 0xFFFFFFFF:
        rng = np.random.RandomState(seed)
        return rng.random_sample
    key = [s]
    for i in range(1, 624):
        s = (1812433253 * (s ^ (s >> 30)) + i) & 0xFFFFFFFF
        key.append(s)
    mt = random.Random()
    mt.setstate((3, (*key, 624), None))  # 624: the next draw regenerates the state
    return lambda n: np.array([mt.random() for _ in range(n)], dtype=float)
