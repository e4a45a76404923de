"""Axes of the still plots (decision map, loss surface) for data of any finite size.

pyqtgraph draws in the data's own units, and that fails at the ends of the float
range: inputs of ±1e308 make a span that overflows to inf ("Cannot set range [nan,
nan]"), a span of denormals overflows its transforms, and a tiny span far from 0
(1e6 to 1e6 + 1e-6) gives every tick the same label. A ``PlaneAxis`` keeps the data's
own units where pyqtgraph copes with them (every dataset and run seen in practice),
so those plots are drawn exactly as before. Elsewhere the plot is drawn in a frame
of its own (0 to FRAME across the axis, whatever the grid) and the axis gets its ticks
from here, labelled in data units and, for a tiny span far from 0, relative to an
offset named in the axis title.

All arithmetic is done on values divided by a power of two near their magnitude:
that division is exact, so in the data's own units the results are bit for bit what
the plain formulas give, and nothing overflows.
"""

from __future__ import annotations

import math

import numpy as np

FLOAT_MAX = float(np.finfo(float).max)
TAME_LIMIT = 1e100  # magnitudes up to this, spans down to its inverse: pyqtgraph's units
TAME_RELATIVE = 1e-3  # a span at least this part of the magnitude: its own tick labels
OFFSET_DIGITS = 3  # ticks that need more digits count from an offset named in the title
COLOUR_BAR_LABELS = 1e4  # values up to this keep pyqtgraph's own labels on a colour bar
COLOUR_BAR_AXIS = 45  # px, a pyqtgraph colour bar's axis width as it makes it
MIN_ULPS = 64  # a span is widened to at least this many units in the last place
FRAME = 100.0  # plot units across an axis drawn in its own frame


def _scale(*values):
    """A power of two near the largest magnitude: dividing by it is exact."""
    biggest = max(abs(float(v)) for v in values)
    if biggest == 0.0 or not math.isfinite(biggest):
        return 1.0
    return math.ldexp(1.0, math.frexp(biggest)[1] - 1)


def _clip(value):
    return min(FLOAT_MAX, max(-FLOAT_MAX, value))


def padded(lo, hi, fraction, minimum=0.0):
    """``(lo - pad, hi + pad)``, pad = ``fraction * (hi - lo)`` but at least ``minimum``,
    kept within the finite floats and at least MIN_ULPS units in the last place wide.
    ``lo`` and ``hi`` are finite, ``lo <= hi``."""
    lo, hi = float(lo), float(hi)
    s = _scale(lo, hi)
    lo_n, hi_n = lo / s, hi / s
    pad_n = max(fraction * (hi_n - lo_n), minimum / s)
    new_lo, new_hi = _clip((lo_n - pad_n) * s), _clip((hi_n + pad_n) * s)
    least = MIN_ULPS * math.ulp(max(abs(new_lo), abs(new_hi)))
    if new_hi - new_lo < least:
        middle = lo / 2 + hi / 2
        new_lo, new_hi = _clip(middle - least / 2), _clip(middle + least / 2)
    return new_lo, new_hi


class PlaneAxis:
    """``cells`` equal cells from ``lo`` to ``hi`` (finite data units, ``lo < hi``).

    ``centres`` are the cells' centres in data units. Plot items are placed with
    ``to_view``, the plot's range is ``view_range``, an image spans ``view_extent``;
    ``ticks()`` (None: pyqtgraph's own) and ``title(name)`` label the axis. A smaller
    ``tame_limit`` leaves fewer magnitudes to pyqtgraph's labels (a colour bar's axis
    has room for short ones only).
    """

    def __init__(self, lo, hi, cells, tame_limit=TAME_LIMIT):
        self.lo, self.hi, self.cells = float(lo), float(hi), int(cells)
        self.scale = s = _scale(self.lo, self.hi)
        self._lo_n = self.lo / s
        self._step_n = (self.hi / s - self._lo_n) / self.cells
        self.step = self._step_n * s  # may underflow for denormals; only the tame use it
        self.centres = np.clip((self._lo_n + self._step_n * (np.arange(self.cells) + 0.5)) * s,
                               -FLOAT_MAX, FLOAT_MAX)
        biggest = max(abs(self.lo), abs(self.hi))
        span = self._step_n * self.cells * s  # inf when the span overflows: not tame
        self.tame = (biggest <= tame_limit and 1 / TAME_LIMIT <= span < math.inf
                     and span >= TAME_RELATIVE * biggest)
        self.offset = 0.0
        if not self.tame and math.isfinite(span) and \
                _digits(biggest, self._tick_unit()) > OFFSET_DIGITS:
            self.offset = self._round_offset()

    @classmethod
    def around(cls, values, fraction, cells):
        """An axis over ``values`` (finite) with ``fraction`` of their span either side."""
        return cls(*padded(np.min(values), np.max(values), fraction), cells)

    def _round_offset(self):
        """The roundest number inside the axis, for the ticks to count from (shown in
        the title, so it is the number that text says exactly)."""
        unit = self._tick_unit()
        middle = self.lo / 2 + self.hi / 2
        power = min(308, math.floor(math.log10(abs(middle))) + 1)  # 1e309 is no float
        while True:
            step = max(10.0 ** power, unit)
            candidate = round(middle / step) * step
            if math.isfinite(candidate):
                candidate = float(_number(candidate, unit))
                if self.lo <= candidate <= self.hi or step == unit:
                    return candidate
            power -= 1

    # ---- placing things ---------------------------------------------------------------

    def to_view(self, values):
        """Plot coordinates of data ``values`` (an array)."""
        values = np.asarray(values, dtype=float)
        if self.tame:
            return values
        with np.errstate(all="ignore"):
            frame = (values / self.scale - self._lo_n) / (self._step_n * self.cells) * FRAME
        # Far outside the plane is as good as just outside it, and keeps Qt's numbers sane.
        return np.clip(np.nan_to_num(frame), -FRAME, 2 * FRAME)

    @property
    def view_extent(self):
        """(start, width) of the cells in plot coordinates."""
        if self.tame:
            return self.centres[0] - self.step / 2, self.cells * self.step
        return 0.0, FRAME

    @property
    def view_range(self):
        start, width = self.view_extent
        return start, start + width

    def cell_at(self, view_value):
        """Index of the cell at plot coordinate ``view_value``, or None outside."""
        start, width = self.view_extent
        index = math.floor((view_value - start) / width * self.cells)
        return index if 0 <= index < self.cells else None

    # ---- labelling --------------------------------------------------------------------

    def title(self, name):
        """The axis title: ``name``, and the offset the ticks count from, if any."""
        if self.offset == 0.0:
            return name
        sign = "−" if self.offset > 0 else "+"
        return f"{name} {sign} {_number(abs(self.offset), self._tick_unit())}"

    def _tick_unit(self):
        """The distance between ticks in data units: the largest of 1, 2 or 5 times a
        power of ten that the span holds at least twice, so there are 2 to 6 ticks."""
        span_log = math.log10(self._step_n * self.cells) + math.log10(self.scale)
        power = math.floor(span_log)
        # A little over twice, as the ends may be a rounding short of the ticks.
        for nice, exponent in ((2, power), (1, power), (5, power - 1), (2, power - 1)):
            if span_log - math.log10(nice) - exponent >= math.log10(2.2):
                break  # the span is at least 10**power: 2 * 10**(power-1) fits five times
        return nice * 10.0 ** exponent

    def ticks(self):
        """None when pyqtgraph labels the axis itself, else ``[[(position, label), ...]]``
        for ``AxisItem.setTicks``."""
        if self.tame:
            return None
        unit = self._tick_unit()
        s, offset = self.scale, self.offset
        first = math.ceil((self.lo / s - offset / s) / (unit / s))
        last = math.floor((self.hi / s - offset / s) / (unit / s))
        ticks = []
        for k in range(first, last + 1):
            relative = k * unit
            position = float(self.to_view([offset + relative])[0])
            ticks.append((position, _number(relative, unit)))
        return [ticks]


def _digits(value, unit):
    """Significant digits of ``value`` down to the place of ``unit``."""
    return math.floor(math.log10(abs(value))) - math.floor(math.log10(unit)) + 1


def _number(value, unit):
    """``value`` with the digits that tell ticks ``unit`` apart, and no more."""
    if value == 0.0:
        return "0"
    return f"{value:.{min(17, max(1, _digits(value, unit)))}g}"


def colour_scale(values, top_percentile):
    """(axis, image, levels) of a colour scale for ``values`` (inf and nan allowed):
    from the least finite value to the ``top_percentile`` one, the rest at the top.
    Beyond short numbers the scale is drawn in a frame of its own, the way the axes
    are, so a colour bar's labels fit its narrow axis and its levels stay finite."""
    finite = values[np.isfinite(values)]
    lo = float(finite.min()) if finite.size else 0.0
    hi = float(np.percentile(finite, top_percentile)) if finite.size else 1.0
    # A flat map still needs a scale: a sliver above, that the colours can divide by.
    hi = hi if hi > lo + 1e-9 * abs(lo) else min(FLOAT_MAX, lo + max(1e-9, 1e-9 * abs(lo)))
    scale = PlaneAxis(lo, hi, 1, tame_limit=COLOUR_BAR_LABELS)
    shown = scale.to_view(np.where(np.isfinite(values), values, hi))
    return scale, shown, (lo, hi) if scale.tame else scale.view_range


def label_colour_bar(colour_bar, scale, name, metrics):
    """Ticks and title (``name``) of a pyqtgraph ColorBarItem from ``scale``; its axis
    as wide as its labels in ``metrics`` (the font the plot draws them in)."""
    axis, ticks = colour_bar.axis, scale.ticks()
    axis.setTicks(ticks)
    colour_bar.getAxis("left").setLabel(scale.title(name))
    widest = max((metrics.horizontalAdvance(label) for _, label in ticks[0]),
                 default=0) if ticks else 0
    axis.setWidth(max(COLOUR_BAR_AXIS, widest + 12))



GROW = 0.25  # an auto grid grows this much beyond the path, so it is not redone each frame


def grid_bounds(old, span, path_a, path_b, a, b):
    """The extent (a_lo, a_hi, b_lo, b_hi) of a grid over two parameters now at
    (a, b) that went along (path_a, path_b): ``span`` > 0 centres it on (a, b),
    ``span`` either side; 0 fits the whole path. The ``old`` extent is kept while
    it still fits, so a map is not recomputed for every small move."""
    # Python floats and padded(): a weight near ±1.8e308 widens no bound to inf, and
    # one of 1e300 still gets a grid a few units in its last place wide.
    if span > 0:  # centred on the current point; recentred when it wanders off
        if old is not None and abs(old[1] - old[0] - 2 * span) < 1e-12 and \
                abs(a - (old[0] + old[1]) / 2) <= span / 4 and \
                abs(b - (old[2] + old[3]) / 2) <= span / 4:
            return old
        return (*padded(a, a, 0.0, span), *padded(b, b, 0.0, span))
    need = [padded(float(values.min()), float(values.max()), 0.1, 0.5)
            for values in (path_a, path_b)]
    if old is not None and all(
            old[2 * i] <= lo and hi <= old[2 * i + 1]
            and old[2 * i + 1] - old[2 * i] <= 3 * (hi - lo)
            for i, (lo, hi) in enumerate(need)):
        return old
    grown = []
    for lo, hi in need:
        grown += padded(lo, hi, GROW)
    return tuple(grown)
