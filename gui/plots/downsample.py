"""Min/max downsampling of long series, so a redraw costs O(pixels), not O(history).

A curve of 10^6 iterations drawn on 800 pixels needs only the lowest and the
highest value in each pixel's span: drawing both, in the order they occur,
gives the same picture as drawing every point (peaks and dips survive, which
plain decimation would lose). ``minmax_downsample`` does that directly in O(n).

``MinMaxPyramid`` keeps the answer ready for a series that grows while training:
level l holds, for each block of ``FACTOR**l`` consecutive samples, the minimum
and maximum and where they occur. Appending recomputes only the tail of each
level, and a query reads at most about FACTOR * n_buckets block values whatever
the length of the series. A pyramid may hold several series of the same length
as the columns of one (n, k) array: the numpy calls, whose fixed cost is most of
an update, are then shared by all k. Pure numpy; no Qt.

``simplify`` then drops the points that lie on a straight line at the scale drawn.

Non-finite samples (NaN, inf) are skipped everywhere: a plot must never blank
because one value is bad.
"""

from __future__ import annotations

import numpy as np

from nncore.memory import grown

FACTOR = 8  # samples per block from one level to the next
TOP_BLOCKS = 512  # no level is built over one this short; a query groups its blocks


def _columns(values):
    """``values`` as an (n, k) float array; a 1-D series is one column."""
    values = np.asarray(values, dtype=float)
    return values[:, None] if values.ndim == 1 else values


def _finite_extremes(values):
    """Copies of ``values`` with non-finite samples replaced by +inf (for minima)
    and -inf (for maxima), so they never win."""
    finite = np.isfinite(values)
    return np.where(finite, values, np.inf), np.where(finite, values, -np.inf)


def _merge(imin, vmin, imax, vmax, size, offset=0):
    """Merge runs of ``size`` consecutive rows (the last may be short) into one:
    (imin, vmin, imax, vmax) per run and column. ``imin``/``imax`` None: the rows are
    samples, row r being sample ``offset + r``."""
    n, k = vmin.shape
    whole = n // size
    pmin = np.empty((-(-n // size), k), dtype=np.int64)
    pmax = np.empty_like(pmin)
    if whole:
        first = np.arange(0, whole * size, size)[:, None]
        pmin[:whole] = vmin[:whole * size].reshape(whole, size, k).argmin(axis=1) + first
        pmax[:whole] = vmax[:whole * size].reshape(whole, size, k).argmax(axis=1) + first
    if whole < len(pmin):
        pmin[-1] = vmin[whole * size:].argmin(axis=0) + whole * size
        pmax[-1] = vmax[whole * size:].argmax(axis=0) + whole * size
    column = np.arange(k)  # a[p, column]: row p[i, c] of each column c
    vmin, vmax = vmin[pmin, column], vmax[pmax, column]
    imin = pmin + offset if imin is None else imin[pmin, column]
    imax = pmax + offset if imax is None else imax[pmax, column]
    return imin, vmin, imax, vmax


def _interleave(imin, vmin, imax, vmax):
    """Per column, (x, y) with each bucket's min and max in the order they occur;
    buckets that held no finite value (min > max) are dropped, and a bucket whose
    min and max are the same sample gives it once."""
    first = imin <= imax
    x = np.empty((2 * len(imin), imin.shape[1]), dtype=np.int64)
    y = np.empty(x.shape)
    x[0::2], x[1::2] = np.where(first, imin, imax), np.where(first, imax, imin)
    y[0::2], y[1::2] = np.where(first, vmin, vmax), np.where(first, vmax, vmin)
    keep = np.repeat(vmin <= vmax, 2, axis=0)
    keep[1::2] &= imin != imax
    return [(x[:, c][keep[:, c]], y[:, c][keep[:, c]]) for c in range(x.shape[1])]


def _with_ends(parts, ends, start, stop):
    """Add the span's first and last samples (when finite and missing), so a curve
    starts and ends exactly where its data does: a flat last bucket would otherwise
    be drawn from its first sample only and stop short of the newest iteration.
    ``ends``: the rows of samples ``start`` and ``stop - 1``."""
    out = []
    for c, (x, v) in enumerate(parts):
        for i, value in ((start, ends[0, c]), (stop - 1, ends[-1, c])):
            at = int(np.searchsorted(x, i))
            if np.isfinite(value) and (at == len(x) or x[at] != i):
                x = np.concatenate((x[:at], [i], x[at:]))
                v = np.concatenate((v[:at], [value], v[at:]))
        out.append((x, v))
    return out


def _downsample_rows(rows, offset, n_buckets):
    """Per column of ``rows`` (samples ``offset``...), what ``minmax_downsample``
    gives for them."""
    n = len(rows)
    if n <= 2 * n_buckets:
        index = np.arange(offset, offset + n)
        keep = np.isfinite(rows)
        return [(index[keep[:, c]], rows[keep[:, c], c]) for c in range(rows.shape[1])]
    low, high = _finite_extremes(rows)
    size = -(-n // max(1, int(n_buckets)))
    parts = _interleave(*_merge(None, low, None, high, size, offset))
    return _with_ends(parts, rows[[0, -1]], offset, offset + n)


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
    return _downsample_rows(_columns(y[start:stop]), start, n_buckets)[0]


def ladder_downsample(y, n_buckets):
    """``minmax_downsample`` at a resolution that halves as the iteration doubles:
    the first 2 * n_buckets samples whole, then each following span of twice the
    length before it in ``n_buckets`` buckets. Any prefix ``y[:stop]`` is then held
    in at least about ``n_buckets`` buckets however long ``y`` is, in
    O(n_buckets * log(len(y))) points. Returns ``(x, values)``, finite values only."""
    y = np.asarray(y, dtype=float)
    edges, end = [0], 2 * max(1, int(n_buckets))
    while end < len(y):
        edges.append(end)
        end *= 2
    edges.append(len(y))
    parts = [minmax_downsample(y, n_buckets, a, b) for a, b in zip(edges, edges[1:],
                                                                    strict=False)]
    return (np.concatenate([x for x, _ in parts]).astype(np.int64, copy=False),
            np.concatenate([v for _, v in parts]))


class MinMaxPyramid:
    """Block minima and maxima of a growing series, for O(pixels) downsampling.

    Call ``update(y, changed_from)`` whenever the series changed: ``y`` is the whole
    series now (it may have grown or been cut short) and ``changed_from`` the first
    index whose value may differ from the last update (the new tail is always
    included). Then ``query(start, stop, n_buckets)`` gives what
    ``minmax_downsample`` would, reading O(FACTOR * n_buckets) stored values.

    ``y`` is a 1-D series, or an (n, k) array of k series (queries then answer a
    list, one per column), or any object with ``len`` whose slices ``y[lo:hi]`` are
    such arrays: the pyramid reads only the rows it needs, through slices. It keeps
    a reference to ``y`` for the finest level, so pass the current one each time.
    """

    def __init__(self, factor=FACTOR):
        self.factor = int(factor)
        self.y = np.empty(0)
        self.n = 0
        self.flat = True  # 1-D series: queries answer one (x, values)
        # levels[l-1] describes blocks of factor**l samples: [imin, vmin, imax, vmax]
        self.levels = []
        self.counts = []  # blocks filled in each level

    def update(self, y, changed_from=None):
        start = self.n if changed_from is None else min(int(changed_from), self.n)
        start = max(0, min(start, len(y)))
        self.y, self.n = y, len(y)
        f = self.factor
        level, child_count = 0, self.n
        while child_count > f and (level == 0 or child_count > TOP_BLOCKS):
            count = -(-child_count // f)
            first = start // f  # first block touched by the change
            if level == len(self.levels):
                self.levels.append(None)
                self.counts.append(0)
                first = 0
            first = min(first, self.counts[level])
            self._fill(level, first, count, child_count)
            self.counts[level] = count
            start, child_count, level = first, count, level + 1
        del self.levels[level:], self.counts[level:]

    def _rows(self, lo, hi):
        rows = np.asarray(self.y[lo:hi], dtype=float)
        self.flat = rows.ndim == 1
        return _columns(rows)

    def _fill(self, level, first, count, child_count):
        f = self.factor
        lo = first * f
        if level == 0:
            low, high = _finite_extremes(self._rows(lo, child_count))
            merged = _merge(None, low, None, high, f, lo)
        else:
            merged = _merge(*(a[lo:child_count] for a in self.levels[level - 1]), f)
        arrays = self.levels[level]
        if arrays is None:
            arrays = [np.empty((0,) + a.shape[1:], dtype=a.dtype) for a in merged]
        arrays = [grown(a, count) for a in arrays]
        for array, part in zip(arrays, merged, strict=True):
            array[first:count] = part
        self.levels[level] = arrays

    def query(self, start, stop, n_buckets):
        """About 2 * n_buckets (index, value) points covering y[start:stop], peaks kept.

        Buckets are whole blocks of the coarsest level with at least ``n_buckets``
        blocks in the span (or of the coarsest level kept), so a bucket's edges may
        reach up to one block beyond ``start`` or ``stop``.
        """
        parts = self.query_columns(start, stop, n_buckets)
        return parts[0] if self.flat else parts

    def query_columns(self, start, stop, n_buckets):
        """``query``, as a list of (x, values) per column, even for a 1-D series."""
        start, stop = max(0, int(start)), min(int(stop), self.n)
        n_buckets = max(1, int(n_buckets))
        if stop <= start:
            k = self._rows(0, min(self.n, 1)).shape[1]
            return [(np.empty(0, dtype=np.int64), np.empty(0)) for _ in range(k)]
        level, block = 0, 1
        while (level < len(self.levels)
               and (stop - start) // (block * self.factor) >= n_buckets):
            level, block = level + 1, block * self.factor
        if level == 0:
            return _downsample_rows(self._rows(start, stop), start, n_buckets)
        lo, hi = start // block, -(-stop // block)
        blocks = (a[lo:hi] for a in self.levels[level - 1])
        parts = _interleave(*_merge(*blocks, -(-(hi - lo) // n_buckets)))
        ends = np.concatenate([self._rows(start, start + 1), self._rows(stop - 1, stop)])
        return _with_ends(parts, ends, start, stop)


def simplify(x, y, tolerance, fixed=None):
    """Indices of the points of the polyline (x, y) worth drawing: dropping the others
    moves no dropped point more than ``tolerance`` vertically off the line drawn.

    In pixels, a smooth or flat stretch of a curve downsampled to two points per
    pixel is a run of points on one straight line; this keeps its ends. ``x`` must
    increase within each polyline; several polylines may be concatenated, with
    ``fixed`` (indices, or a boolean mask) marking points always kept, such as the
    ends of each one. The first and last points are always kept.

    Works in passes over every other kept point (so a dropped point's neighbours
    stay), and bounds the error of each segment as it grows: a point dropped
    earlier is within its segment's bound of the old segments, and those are within
    the newly dropped point's distance of the new one.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    n = len(x)
    if n < 3:
        return np.arange(n)
    pinned = np.zeros(n, dtype=bool)
    if fixed is not None:
        pinned[fixed] = True
    pinned[[0, -1]] = True
    keep = np.arange(n)
    error = np.zeros(n)  # error[j]: bound for the segment ending at kept point j
    idle, first = 0, 1
    while idle < 2 and len(keep) > 2:
        # Candidates: every other kept point from ``first``; strided slices are views.
        stop = len(keep) - 1
        mid = slice(first, stop, 2)
        end = first + 2 * len(range(first, stop, 2))
        before, after = slice(first - 1, end - 1, 2), slice(first + 1, end + 1, 2)
        xa, ya, xb, yb = x[before], y[before], x[after], y[after]
        with np.errstate(invalid="ignore", divide="ignore"):
            bound = np.abs(y[mid] - ya - (x[mid] - xa) / (xb - xa) * (yb - ya))
        bound += np.maximum(error[mid], error[after])
        drop = bound <= tolerance  # NaN (no x span) is never dropped
        drop &= ~pinned[mid]
        first = 3 - first  # 1, 2, 1, 2...: the first point is always kept
        if not drop.any():
            idle += 1
            continue
        idle = 0
        error[after][drop] = bound[drop]
        mask = np.ones(len(keep), dtype=bool)
        mask[mid] = ~drop
        keep, x, y, error, pinned = keep[mask], x[mask], y[mask], error[mask], pinned[mask]
    return keep
