"""Min/max downsampling of long series, so a redraw costs O(pixels), not O(history).

A curve of 10^6 iterations drawn on 800 pixels needs only the lowest and the
highest value in each pixel's span: drawing both, in the order they occur,
gives the same picture as drawing every point (peaks and dips survive, which
plain decimation would lose). ``minmax_downsample`` does that directly in O(n).

``MinMaxPyramid`` keeps the answer ready for a series that grows while training:
level l holds, for each block of ``FACTOR**l`` consecutive samples, the minimum
and maximum and where they occur. Appending recomputes only the tail of each
level, and a query reads at most about FACTOR * n_buckets block values whatever
the length of the series. Pure numpy; no Qt.

Non-finite samples (NaN, inf) are skipped everywhere: a plot must never blank
because one value is bad.
"""

from __future__ import annotations

import numpy as np

FACTOR = 8  # samples per block from one level to the next


def _grown(array, needed):
    if needed <= len(array):
        return array
    bigger = np.empty(max(needed, 2 * len(array)), dtype=array.dtype)
    bigger[:len(array)] = array
    return bigger


def _interleave(imin, vmin, imax, vmax):
    """(x, y) with each bucket's min and max in the order they occur; buckets that
    held no finite value (min > max) are dropped."""
    keep = vmin <= vmax
    imin, vmin, imax, vmax = imin[keep], vmin[keep], imax[keep], vmax[keep]
    first = imin <= imax
    x = np.empty(2 * len(imin), dtype=np.int64)
    y = np.empty(2 * len(imin))
    x[0::2] = np.where(first, imin, imax)
    x[1::2] = np.where(first, imax, imin)
    y[0::2] = np.where(first, vmin, vmax)
    y[1::2] = np.where(first, vmax, vmin)
    # A bucket whose min and max are the same sample gives it once.
    same = np.zeros(len(x), dtype=bool)
    same[1::2] = imin == imax
    return x[~same], y[~same]


def _group(imin, vmin, imax, vmax, size):
    """Merge consecutive runs of ``size`` buckets into one (the last may be short)."""
    n = len(vmin)
    groups = -(-n // size)
    pad = groups * size - n
    if pad:
        vmin = np.concatenate([vmin, np.full(pad, np.inf)])
        vmax = np.concatenate([vmax, np.full(pad, -np.inf)])
        imin = np.concatenate([imin, np.zeros(pad, dtype=np.int64)])
        imax = np.concatenate([imax, np.zeros(pad, dtype=np.int64)])
    vmin, vmax = vmin.reshape(groups, size), vmax.reshape(groups, size)
    first = np.arange(groups) * size
    amin = first + np.argmin(vmin, axis=1)
    amax = first + np.argmax(vmax, axis=1)
    return imin[amin], vmin.ravel()[amin], imax[amax], vmax.ravel()[amax]


def _with_ends(x, v, y, start, stop):
    """Add the span's first and last samples (when finite and missing), so a curve
    starts and ends exactly where its data does: a flat last bucket would otherwise
    be drawn from its first sample only and stop short of the newest iteration."""
    extra = [i for i in sorted({start, stop - 1})
             if np.isfinite(y[i]) and not np.any(x == i)]
    if not extra:
        return x, v
    x = np.concatenate([x, np.array(extra, dtype=np.int64)])
    v = np.concatenate([v, y[extra]])
    order = np.argsort(x, kind="stable")
    return x[order], v[order]


def _finite_extremes(values):
    """Copies of ``values`` with non-finite samples replaced by +inf (for minima)
    and -inf (for maxima), so they never win."""
    values = np.asarray(values, dtype=float)
    finite = np.isfinite(values)
    return np.where(finite, values, np.inf), np.where(finite, values, -np.inf)


def minmax_downsample(y, n_buckets, start=0, stop=None):
    """Indices and values of the min and max of each of ``n_buckets`` equal spans of
    ``y[start:stop]``, in order: about 2 * n_buckets points, finite values only.

    The span's first and last samples are always included, so the curve spans it.
    When the span holds no more than 2 * n_buckets samples, it is returned whole
    (minus non-finite samples). Returns ``(x, values)``; x are indices into ``y``.
    """
    y = np.asarray(y, dtype=float)
    stop = len(y) if stop is None else min(int(stop), len(y))
    start = max(0, int(start))
    if stop <= start:
        return np.empty(0, dtype=np.int64), np.empty(0)
    span = y[start:stop]
    if len(span) <= 2 * n_buckets:
        keep = np.isfinite(span)
        return np.arange(start, stop)[keep], span[keep].copy()
    low, high = _finite_extremes(span)
    index = np.arange(start, stop, dtype=np.int64)
    size = -(-len(span) // max(1, int(n_buckets)))
    x, v = _interleave(*_group(index, low, index, high, size))
    return _with_ends(x, v, y, start, stop)


class MinMaxPyramid:
    """Block minima and maxima of a growing series, for O(pixels) downsampling.

    Call ``update(y, changed_from)`` whenever the series changed: ``y`` is the whole
    series now (it may have grown or been cut short) and ``changed_from`` the first
    index whose value may differ from the last update (the new tail is always
    included). Then ``query(start, stop, n_buckets)`` gives what
    ``minmax_downsample`` would, reading O(FACTOR * n_buckets) stored values. The
    pyramid keeps a reference to ``y`` for the finest level, so pass the current
    array (or view) each time.
    """

    def __init__(self, factor=FACTOR):
        self.factor = int(factor)
        self.y = np.empty(0)
        self.n = 0
        # levels[l-1] describes blocks of factor**l samples: [imin, vmin, imax, vmax]
        self.levels = []
        self.counts = []  # blocks filled in each level

    def update(self, y, changed_from=None):
        y = np.asarray(y, dtype=float)
        start = self.n if changed_from is None else min(int(changed_from), self.n)
        start = max(0, min(start, len(y)))
        self.y, self.n = y, len(y)
        f = self.factor
        level, child_count = 0, self.n
        while child_count > f:
            count = -(-child_count // f)
            first = start // f  # first block touched by the change
            if level == len(self.levels):
                self.levels.append([np.empty(0, np.int64), np.empty(0),
                                    np.empty(0, np.int64), np.empty(0)])
                self.counts.append(0)
                first = 0
            first = min(first, self.counts[level])
            self._fill(level, first, count, child_count)
            self.counts[level] = count
            start, child_count, level = first, count, level + 1
        del self.levels[level:], self.counts[level:]

    def _children(self, level, lo, hi):
        """imin, vmin, imax, vmax of the blocks one level down, for lo <= index < hi."""
        if level == 0:
            low, high = _finite_extremes(self.y[lo:hi])
            index = np.arange(lo, hi, dtype=np.int64)
            return index, low, index, high
        imin, vmin, imax, vmax = self.levels[level - 1]
        return imin[lo:hi], vmin[lo:hi], imax[lo:hi], vmax[lo:hi]

    def _fill(self, level, first, count, child_count):
        f = self.factor
        children = self._children(level, first * f, child_count)
        arrays = self.levels[level]
        for a in range(4):
            arrays[a] = _grown(arrays[a], count)
        merged = _group(*children, f)
        for a in range(4):
            arrays[a][first:count] = merged[a]

    def query(self, start, stop, n_buckets):
        """About 2 * n_buckets (index, value) points covering y[start:stop], peaks kept.

        Buckets are whole blocks of the coarsest level with at least ``n_buckets``
        blocks in the span, so a bucket's edges may reach up to one block (less than
        one bucket) beyond ``start`` or ``stop``.
        """
        start, stop = max(0, int(start)), min(int(stop), self.n)
        n_buckets = max(1, int(n_buckets))
        if stop - start <= 2 * n_buckets:
            return minmax_downsample(self.y, n_buckets, start, stop)
        level, block = 0, 1
        while (level < len(self.levels)
               and (stop - start) // (block * self.factor) >= n_buckets):
            level, block = level + 1, block * self.factor
        lo, hi = start // block, -(-stop // block)
        if level == 0:
            return minmax_downsample(self.y, n_buckets, start, stop)
        imin, vmin, imax, vmax = self.levels[level - 1]
        blocks = (imin[lo:hi], vmin[lo:hi], imax[lo:hi], vmax[lo:hi])
        size = -(-(hi - lo) // n_buckets)
        x, v = _interleave(*_group(*blocks, size))
        return _with_ends(x, v, self.y, start, stop)
