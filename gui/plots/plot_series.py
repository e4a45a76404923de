"""The data side of the plots: which line is which (``CurveKey``), where each
line's values come from, and which of them to draw for the visible span (see
gui/plots/downsample.py for why). Pure numpy: no Qt."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gui.plots.downsample import MinMaxPyramid
from nncore.memory import grown

OUTLINE_BUCKETS = 32  # buckets for the parts of the history outside the view
LOG_PARTS = 16  # a log-x span is downsampled in this many geometric parts


@dataclass(frozen=True)
class CurveKey:
    """Which line of the plots: the plot it is on (accuracy, loss, outputs or
    weights), and for an output line the sample and the output unit, for a weight
    line its label (an edge such as "x1 → ŷ", or a layer's norm "‖W1‖")."""

    plot: str
    sample: int | None = None
    output: int | None = None
    label: str = ""

    @classmethod
    def output_line(cls, sample, output):
        return cls("outputs", sample=sample, output=output)

    @classmethod
    def weight_line(cls, label):
        return cls("weights", label=label)


ACCURACY, LOSS = CurveKey("accuracy"), CurveKey("loss")
# Lines only a run with held-out rows (or an L1/L2 penalty) has.
TEST_ACCURACY, TEST_LOSS = CurveKey("accuracy", label="test"), CurveKey("loss", label="test")
PENALTY = CurveKey("loss", label="penalty")


class Series:
    """Curves whose values come from one array of the run, under one min/max pyramid.

    Column c of ``values(run, changed_from)`` is the curve ``keys[c]``: an (n,) array
    for one curve, (n, k) for k of them (the pyramid then shares its numpy calls
    between them), such as ``run.saved_rows()``; iterations from ``changed_from`` on
    may have changed since the last call. Row i belongs to iteration ``i * stride``
    (weights of big networks are only kept every stride-th iteration).
    """

    def __init__(self, keys, values, stride=1):
        self.keys, self.values, self.stride = list(keys), values, stride
        self.pyramid = MinMaxPyramid()


class LayerNorms:
    """‖W_l‖ (root sum of squares) of each layer for every saved weight row,
    extended incrementally: rows append as training goes, or are rewritten from
    an edited iteration on."""

    def __init__(self):
        self.norms = None
        self.n = 0

    def update(self, run, rows, changed_from):
        """Norms of ``rows`` (``run.saved_rows()``); iterations
        >= ``changed_from`` may have changed since the last call. Returns a (rows,
        layers) view."""
        n_layers = len(run.layer_sizes) - 1
        if self.norms is None:
            self.norms, self.n = np.empty((0, n_layers)), 0
        first = min(self.n, int(changed_from) // run.stride, len(rows))
        self.norms = grown(self.norms, len(rows))
        offset = 0
        for layer, (a, b) in enumerate(zip(run.layer_sizes, run.layer_sizes[1:],
                                           strict=False)):
            block = rows[first:, offset:offset + a * b]
            self.norms[first:len(rows), layer] = _norms(block)
            offset += a * b
        self.n = len(rows)
        return self.norms[:self.n]


def _norms(block):
    """Root sum of squares of each row of ``block``, finite for finite rows: squares
    of weights beyond about 1e154 overflow, so those rows are scaled first. A row
    holding NaN or inf gives NaN or inf, and is not plotted."""
    with np.errstate(all="ignore"):
        norms = np.sqrt(np.sum(block * block, axis=1))
        overflowed = np.isinf(norms) & np.isfinite(block).all(axis=1)
        if overflowed.any():
            big = block[overflowed]
            scale = np.abs(big).max(axis=1, keepdims=True)
            norms[overflowed] = scale[:, 0] * np.sqrt(np.sum((big / scale) ** 2, axis=1))
    return norms


def view_points(series, first, stop, pixels, log_x):
    """Per curve of ``series``, (series indices, values) to draw for iterations
    [first, stop) on ``pixels`` pixels: about two points per pixel there, and a
    coarse outline elsewhere (so auto-range still sees the whole history)."""
    pyramid, s = series.pyramid, series.stride
    lo, hi = first // s, -(-stop // s)
    if log_x and hi - lo > 2 * pixels:
        # Log x: equal pixels are equal ratios, so split the span geometrically and
        # give each part its share of the pixels.
        edges = np.unique(np.round(np.geomspace(lo + 1, hi + 1, LOG_PARTS + 1) - 1).astype(int))
        parts = [pyramid.query_columns(a, b, max(1, pixels // LOG_PARTS))
                 for a, b in zip(edges[:-1], edges[1:], strict=False)]
    else:
        parts = [pyramid.query_columns(lo, hi, pixels)]
    parts = ([pyramid.query_columns(0, lo, OUTLINE_BUCKETS)] + parts
             + [pyramid.query_columns(hi, pyramid.n, OUTLINE_BUCKETS)])
    parts = [p for p in parts if any(len(x) for x, _ in p)]
    if not parts:  # no finite value at all (a run that diverged at once)
        return [(np.empty(0, dtype=np.int64), np.empty(0)) for _ in series.keys]
    if len(parts) == 1:  # the whole history is in view: nothing to merge
        return parts[0]
    points = []
    for c in range(len(series.keys)):
        x = np.concatenate([p[c][0] for p in parts])
        y = np.concatenate([p[c][1] for p in parts])
        # Parts may share a sample at their edges; unique also sorts.
        x, at = np.unique(x, return_index=True)
        points.append((x, y[at]))
    return points
