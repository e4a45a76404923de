"""The iteration axis the plots share: where iteration k is drawn, linear or log.

Log x: iteration k is drawn at k + 1, so iteration 0 sits at 1 (the axis says
"iteration + 1"). The transform is done here, not by pyqtgraph, so cursors,
downsampling and ghosts all use the same mapping (``to_view``/``from_view``).
Pure numpy: no Qt.
"""

from __future__ import annotations

import math

import numpy as np

MIN_ITERATIONS = 10  # the fewest iterations shown: a fresh run shows 0..10, not -0.5..0.5
MAX_EXPONENT = 15.0  # a log axis panned far right reads 10^15, not an overflow


class IterationAxis:
    """Linear (``log`` False) or log-x mapping between iterations and x positions."""

    def __init__(self, log=False):
        self.log = bool(log)

    def to_view(self, k):
        """x position of iteration ``k`` (array or number) on the plots."""
        if self.log:
            return np.log10(np.asarray(k, dtype=float) + 1)
        return np.asarray(k, dtype=float)

    def from_view(self, x):
        """Iteration at x position ``x`` (not rounded)."""
        if self.log:
            return 10.0 ** min(float(x), MAX_EXPONENT) - 1
        return float(x)

    @property
    def label(self):
        """The axis title."""
        return "iteration + 1 (log scale)" if self.log else "iteration"

    @property
    def left(self):
        """x of the left edge: just left of iteration 0."""
        return -0.05 if self.log else -0.5

    def limits(self):
        """pyqtgraph ViewBox limits: the view starts at ``left`` and shows at least
        MIN_ITERATIONS iterations (one decade on a log axis)."""
        return {"xMin": self.left, "minXRange": 1.0 if self.log else float(MIN_ITERATIONS)}

    def span(self, x_range, n):
        """(first, stop): the iterations [first, stop) an x range (x0, x1) shows,
        clipped to a history of ``n`` iterations."""
        x0, x1 = x_range
        first = int(min(max(math.floor(self.from_view(x0)), 0), n))
        stop = int(min(max(math.ceil(self.from_view(x1)) + 1, first), n))
        return first, stop
