"""Backprop Lab's colours and the weight -> pen mapping, in one place.

Colours are Okabe-Ito (readable with the common colour-vision deficiencies).
Weights use a diverging scale by sign: orange for negative, blue for positive,
grey near zero, with saturation growing with |w|. Activations use a separate,
sequential scale (white -> yellow) so a node never reads as a weight.

Widths and colours are quantised into a few buckets on purpose: the network
diagram draws all edges of one pen as a single path, so fewer distinct pens
means fewer draw calls. ``weight_width`` and ``weight_color`` return the
quantised values, i.e. exactly what is drawn.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtGui import QColor

NEGATIVE = QColor("#E66100")  # orange
POSITIVE = QColor("#0072B2")  # blue
ZERO = QColor("#B4B4B4")  # grey: a weight near 0 barely matters
ACTIVE = QColor("#F0E442")  # yellow: a unit that is "on"
NEGATIVE_ACTIVE = QColor("#CC79A7")  # reddish purple: tanh/linear units below 0
INK = QColor("#202020")  # text and outlines
FAINT_INK = QColor("#707070")
HIGHLIGHT = QColor("#009E73")  # bluish green: the selected edge, the probe banner
BACKGROUND = QColor("#FFFFFF")
BIAS_FILL = QColor("#E4E4E4")  # a "+1" bias node: a constant, not an activation
OUT_OF_BATCH = QColor("#A8A8A8")  # a row the shown step's batch leaves out

# Okabe-Ito order for lines that need telling apart (samples, weights); the
# yellow is left out because it vanishes on white.
CATEGORICAL = [QColor(c) for c in ("#0072B2", "#E69F00", "#009E73", "#CC79A7",
                                   "#56B4E9", "#D55E00", "#000000", "#999999")]

# Edge width is proportional to |w|: WIDTH_PER_UNIT px per unit of |w|, clamped to
# [MIN_WIDTH, MAX_WIDTH]. The clamp is reached at |w| = WIDTH_FULL_SCALE (= 8), a
# fixed scale rather than one that follows the current weights, so a width means
# the same thing at every iteration and in every run.
WIDTH_FULL_SCALE = 8.0
MAX_WIDTH = 12.0
MIN_WIDTH = 0.5
WIDTH_PER_UNIT = MAX_WIDTH / WIDTH_FULL_SCALE  # 1.5 px per unit of |w|
WIDTH_STEP = 0.5  # widths are rounded to this many px (at most 24 buckets)

# Colour reaches full strength at |w| = COLOR_FULL_SCALE; below it the colour is
# mixed with grey, by sqrt(|w| / COLOR_FULL_SCALE) so that the sign of a weight of
# moderate size (0.5..2, common in hidden layers) is already clear.
# COLOR_LEVELS levels per sign.
COLOR_FULL_SCALE = 4.0
COLOR_LEVELS = 8


def _finite_abs(w):
    w = float(w)
    return abs(w) if math.isfinite(w) else 0.0


def mix(a, b, t):
    """The colour a fraction ``t`` (0..1) of the way from ``a`` to ``b``."""
    t = min(max(float(t), 0.0), 1.0)
    return QColor(round(a.red() + (b.red() - a.red()) * t),
                  round(a.green() + (b.green() - a.green()) * t),
                  round(a.blue() + (b.blue() - a.blue()) * t))


def weight_level(w):
    """Signed colour bucket of ``w``: 0 near zero (|w| < COLOR_FULL_SCALE / 256),
    +-1..+-COLOR_LEVELS otherwise."""
    strength = math.sqrt(min(1.0, _finite_abs(w) / COLOR_FULL_SCALE))
    level = round(strength * COLOR_LEVELS)
    return int(math.copysign(level, float(w))) if level else 0


def weight_color(w):
    """Edge colour for weight ``w`` (quantised): grey at 0, then towards orange
    (negative) or blue (positive), full strength from |w| = COLOR_FULL_SCALE.
    Non-finite values are grey."""
    return level_color(weight_level(w))


def weight_width(w):
    """Edge width in px for weight ``w`` (quantised): WIDTH_PER_UNIT * |w|,
    clamped to [MIN_WIDTH, MAX_WIDTH]. Non-finite values get MIN_WIDTH."""
    # Clamped before scaling: 1.5 * 1e308 / 0.5 overflows, and round(inf) raises.
    width = WIDTH_PER_UNIT * min(_finite_abs(w), WIDTH_FULL_SCALE)
    width = round(width / WIDTH_STEP) * WIDTH_STEP
    return min(MAX_WIDTH, max(MIN_WIDTH, width))


def activation_color(a):
    """Node fill for activation ``a``: white at 0, yellow at 1 (or above), purple
    towards -1 (tanh and linear units). Non-finite values are grey."""
    a = float(a)
    if not math.isfinite(a):
        return QColor(ZERO)
    if a >= 0:
        return mix(BACKGROUND, ACTIVE, a)
    return mix(BACKGROUND, NEGATIVE_ACTIVE, -a)


def text_color_on(fill):
    """Black or white text, whichever reads better on ``fill``."""
    luminance = 0.299 * fill.red() + 0.587 * fill.green() + 0.114 * fill.blue()
    return QColor(INK) if luminance > 140 else QColor(BACKGROUND)


def categorical(i):
    return QColor(CATEGORICAL[i % len(CATEGORICAL)])


# ---- the same mapping for many weights at once (the diagram's hot path) ------------------

def weight_widths(values):
    """``weight_width`` of every element of ``values``, as a float array."""
    magnitude = np.abs(np.asarray(values, dtype=float))
    magnitude[~np.isfinite(magnitude)] = 0.0
    np.minimum(magnitude, WIDTH_FULL_SCALE, out=magnitude)  # no overflow below
    widths = np.round(WIDTH_PER_UNIT * magnitude / WIDTH_STEP) * WIDTH_STEP
    return np.clip(widths, MIN_WIDTH, MAX_WIDTH)


def weight_levels(values):
    """``weight_level`` of every element of ``values``, as an int array."""
    values = np.asarray(values, dtype=float)
    magnitude = np.abs(values)
    magnitude[~np.isfinite(magnitude)] = 0.0
    strength = np.sqrt(np.minimum(1.0, magnitude / COLOR_FULL_SCALE))
    levels = np.round(strength * COLOR_LEVELS)
    return (np.sign(np.nan_to_num(values)) * levels).astype(int)


def level_color(level):
    """The colour of signed colour bucket ``level`` (see ``weight_level``)."""
    if level == 0:
        return QColor(ZERO)
    return mix(ZERO, POSITIVE if level > 0 else NEGATIVE, abs(level) / COLOR_LEVELS)
