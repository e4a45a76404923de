"""The initial weights: the tutorial's draw, for any layer sizes."""

from __future__ import annotations

import operator
import random

import numpy as np

MAX_SEED = 2**32 - 1  # seeds are 0..MAX_SEED, as numpy.random.RandomState takes them


def weight_shapes(layer_sizes):
    """``[(n_0, n_1), (n_1, n_2), ...]``: the shape of each weight matrix (the flat
    vectors that follow them are in :mod:`nncore.network`)."""
    return list(zip(layer_sizes[:-1], layer_sizes[1:], strict=True))


def init_weights(layer_sizes, seed, numpy_random=False):
    """The tutorial's initialisation: one RandomState, each layer ``2*random - 1``.
    ``numpy_random``: draw with ``numpy.random.RandomState`` itself, the same numbers
    (see :func:`random_sample`), quicker for many seeds once numpy.random is loaded."""
    draw = np.random.RandomState(seed).random_sample if numpy_random else random_sample(seed)
    return [2 * draw(n_in * n_out).reshape(n_in, n_out) - 1
            for n_in, n_out in weight_shapes(layer_sizes)]


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
