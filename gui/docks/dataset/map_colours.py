"""The decision map's colours, and which input columns span its plane. Pure numpy
(and QColor for the palette): no widgets.

Two classes (one output): a diverging scale, orange towards 0, blue towards 1,
near white at the 0.5 threshold. Several classes (a softmax output): each point of
the plane takes the hue of the class the network picks there (its arg-max output),
in the colour-blind-safe Okabe-Ito set, and is paler the less sure the network is
(the winning probability, from 1/n, a tie, to 1).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor

from gui.common import palette
from nncore.network import output_range

REGION_FADE = 0.3  # how much of the way to white the map's strongest colours are
WHITE = QColor("#F7F7F7")  # the middle of the scale, a touch off white to show the edge
# Okabe-Ito, one per class: blue, orange, bluish green, then the rest of the set.
CLASS_COLOURS = [QColor(c) for c in ("#0072B2", "#E69F00", "#009E73", "#CC79A7",
                                     "#56B4E9", "#D55E00", "#000000")]


def varying_columns(X):
    """Indices of the input columns that take more than one value."""
    X = np.asarray(X, dtype=float)
    # Not np.ptp: the span of -1e308 and 1e308 overflows (and warns).
    return np.flatnonzero(X.max(axis=0) > X.min(axis=0)).tolist()


def plane_columns(X):
    """The two input columns that vary, or None if not exactly two do."""
    varying = varying_columns(X)
    return tuple(varying) if len(varying) == 2 else None


def colormap():
    """Orange (low) -> near white (middle) -> blue (high), the weights' colours, a
    little paler than the points so a point stands out on a region of its class."""
    colors = [palette.mix(palette.NEGATIVE, WHITE, REGION_FADE), WHITE,
              palette.mix(palette.POSITIVE, WHITE, REGION_FADE)]
    return pg.ColorMap([0.0, 0.5, 1.0], [c.getRgb()[:3] for c in colors])


def unit_levels(name, values):
    """Colour scale (low, high) of each unit with activation ``name``, shaped
    (n, 1, 1) to broadcast over ``values`` (n, rows, cols): the activation's own
    range when it is bounded, otherwise symmetric about 0 (0 is white)."""
    n = len(values)
    low, high = output_range(name)
    if np.isfinite(low) and np.isfinite(high):
        return np.full((n, 1, 1), low), np.full((n, 1, 1), high)
    finite = np.where(np.isfinite(values), values, 0.0)
    spread = np.max(np.abs(finite), axis=(1, 2), keepdims=True)
    spread[spread <= 1e-12] = 1.0
    return -spread, spread


def scale_fractions(values, low, high):
    """Where ``values`` lie from ``low`` (0) to ``high`` (1), unclipped; nan for nan.
    Halved first, so that a scale as wide as the floats does not overflow (halving
    is exact, so within that range the result is that of the plain formula)."""
    with np.errstate(all="ignore"):
        return (values / 2 - low / 2) / (high / 2 - low / 2)


def output_levels(name, values):
    """Colour scale (low, high) of the output: a sigmoid's own range, else symmetric
    about the 0.5 threshold that accuracy uses, so 0.5 is white."""
    if name == "sigmoid":
        return output_range(name)
    low, high = unit_levels("linear", values[None] - 0.5)
    return float(low[0, 0, 0]) + 0.5, float(high[0, 0, 0]) + 0.5


def output_fractions(name, values):
    """Each output's place on its colour scale, 0..1 (nan in the middle)."""
    fractions = scale_fractions(values, *output_levels(name, values))
    return np.clip(np.nan_to_num(fractions, nan=0.5), 0.0, 1.0)


def class_colour(c):
    return QColor(CLASS_COLOURS[c % len(CLASS_COLOURS)])


def class_colours(outputs):
    """RGB (uint8, shape outputs.shape[:-1] + (3,)) of each point whose class
    probabilities are ``outputs`` (last axis): the arg-max class's colour, faded
    towards white as the winning probability falls from 1 to 1/n (a tie is white).
    Non-finite outputs are white."""
    outputs = np.asarray(outputs, dtype=float)
    n = outputs.shape[-1]
    finite = np.isfinite(outputs).all(axis=-1)
    safe = np.where(finite[..., None], outputs, 0.0)
    winner = np.argmax(safe, axis=-1)
    top = np.take_along_axis(safe, winner[..., None], axis=-1)[..., 0]
    sure = np.clip((top - 1 / n) / (1 - 1 / n), 0.0, 1.0) if n > 1 else np.ones_like(top)
    sure = np.where(finite, sure, 0.0)
    white = np.array(WHITE.getRgb()[:3], dtype=float)
    faded = [palette.mix(class_colour(c), WHITE, REGION_FADE) for c in range(n)]
    full = np.array([c.getRgb()[:3] for c in faded], dtype=float)[winner]
    rgb = white + (full - white) * sure[..., None]
    return np.rint(rgb).astype(np.uint8)
