"""The number written in a node: short, and sized to fit inside its circle.

``value_text`` makes the text (at most six characters: 0.97, -0.50, 123, 1e308);
``fit_value`` picks the font for a node of a given radius: the radius's own, a
smaller one down to MIN_POINTS if the text is too wide, and elision after that (the
node's tooltip has the full value).
"""

from __future__ import annotations

import functools
import math

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetricsF

MIN_POINTS = 5.5  # a value too wide for its node shrinks down to this, then is elided


def value_text(v):
    """A node value short enough for its circle: 0.97, -0.50, 12, 123, 1e3, -2e300."""
    if not np.isfinite(v):
        return "?"
    if v == round(v) and abs(v) < 1000:
        return f"{v:.0f}"
    if abs(v) < 1000:
        return f"{v:.2f}" if abs(v) < 10 else f"{v:.3g}"
    mantissa, exponent = f"{v:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def font(points):
    result = QFont()
    result.setPointSizeF(points)
    return result


def value_room(value_font, radius):
    """How wide a value may be in ``value_font``: the circle's chord at the digits'
    top and bottom, less a pixel each side."""
    half_height = QFontMetricsF(value_font).capHeight() / 2
    return 2 * math.sqrt(max(0.0, radius * radius - half_height * half_height)) - 2


@functools.lru_cache(maxsize=1024)  # the values of a long run: memory stays bounded
def fit_value(text, radius):
    """(font, text as drawn, its width in px) for ``text`` in a node of ``radius``."""
    points = max(6.5, min(9.5, radius * 0.62))
    while True:
        value_font = font(points)
        metrics = QFontMetricsF(value_font)
        room = value_room(value_font, radius)
        width = metrics.horizontalAdvance(text)
        if width <= room or points <= MIN_POINTS:
            break
        points = max(MIN_POINTS, points - 0.5)
    if width > room:
        text = metrics.elidedText(text, Qt.ElideRight, room)
        width = metrics.horizontalAdvance(text)
    return value_font, text, width
