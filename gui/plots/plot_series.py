"""The data side of the plots: where each curve's values come from, and which of
them to draw for the visible span (see gui/plots/downsample.py for why)."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QFont, QFontMetricsF

from gui.common import palette
from gui.plots.downsample import MinMaxPyramid

OUTLINE_BUCKETS = 32  # buckets for the parts of the history outside the view
LOG_PARTS = 16  # a log-x span is downsampled in this many geometric parts


class Series:
    """Curves whose values come from one array of the run, under one min/max pyramid.

    Column c of ``values(run)`` is the curve ``names[c]``: an (n,) array for one
    curve, (n, k) for k of them (the pyramid then shares its numpy calls between
    them), such as ``run.saved_rows()``. Row i belongs to iteration ``i * stride`` (weights of
    big networks are only kept every stride-th iteration).
    """

    def __init__(self, names, values, stride=1):
        self.names, self.values, self.stride = list(names), values, stride
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
        if len(self.norms) < len(rows):
            grown = np.empty((max(len(rows), 2 * len(self.norms)), n_layers))
            grown[:self.n] = self.norms[:self.n]
            self.norms = grown
        offset = 0
        for layer, (a, b) in enumerate(zip(run.layer_sizes, run.layer_sizes[1:],
                                           strict=False)):
            block = rows[first:, offset:offset + a * b]
            with np.errstate(all="ignore"):  # a non-finite row stays non-finite, unplotted
                self.norms[first:len(rows), layer] = np.sqrt(np.sum(block * block, axis=1))
            offset += a * b
        self.n = len(rows)
        return self.norms[:self.n]


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
    if len(parts) == 1:  # the whole history is in view: nothing to merge
        return parts[0]
    points = []
    for c in range(len(series.names)):
        x = np.concatenate([p[c][0] for p in parts])
        y = np.concatenate([p[c][1] for p in parts])
        # Parts may share a sample at their edges; unique also sorts.
        x, at = np.unique(x, return_index=True)
        points.append((x, y[at]))
    return points


class PlotKeys:
    """The key above each plot: (colour, label) or (colour, label, dashed) entries
    and a note, as rich text in the plot's title. A key sits above the plot, not on
    it, so it never hides the ends of the curves, where the learner looks; it wraps
    to the plots' width (``width()``, in px), again by ``render_all`` on resize."""

    def __init__(self, plot_items, width, points):
        self.plot_items, self.width, self.points = plot_items, width, points
        self.labels = {}  # plot name -> labels in its key, as shown
        self._source = {}  # plot name -> (entries, note)
        self._shown = {}  # plot name -> the rich text in its title (None: no key)

    def set(self, name, entries, note=""):
        self.labels[name] = [e[1] for e in entries]
        self._source[name] = (list(entries), note)
        self._render(name)

    def render_all(self):
        for name in self._source:
            self._render(name)

    def _render(self, name):
        entries, note = self._source[name]
        room = max(120.0, self.width() - 90.0)  # minus the left axis and margins
        html = key_html(entries, note, room, self.points) or None
        if name in self._shown and self._shown[name] == html:
            return  # laying out the same rich text again would change nothing
        self._shown[name] = html
        plot = self.plot_items[name]
        plot.setTitle(html, size=f"{self.points:g}pt", color=palette.INK.name())
        plot.titleLabel.setAttr("justify", "left")


def escape(text):
    """``html.escape(text)``, without importing ``html``: its entity table is most of
    a few milliseconds of the window's start, for five replacements."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#x27;"))


def key_html(entries, note, room, points):
    """Rich text for a plot's key: a line sample and a label per entry ((colour,
    label) or (colour, label, dashed)), then ``note`` in italics, wrapped to lines
    of at most ``room`` px at ``points`` pt."""
    font = QFont()
    font.setPointSizeF(points)
    metrics = QFontMetricsF(font)
    parts = []  # (html, width in px)
    for entry in entries:
        color, label, dashed = (tuple(entry) + (False,))[:3]
        glyph = "╍╍" if dashed else "━━"
        parts.append((f"<span style='color:{color.name()}'>{glyph}</span>&nbsp;"
                      f"{escape(label)}", metrics.horizontalAdvance(f"{glyph} {label}")))
    if note:
        parts.append((f"<i>{escape(note)}</i>", metrics.horizontalAdvance(note)))
    gap = metrics.horizontalAdvance("    ")
    lines, line, used = [], [], 0.0
    for part, width in parts:
        if line and used + gap + width > room:
            lines.append(line)
            line, used = [], 0.0
        line.append(part)
        used += width + (gap if used else 0.0)
    lines.append(line)
    return "<br>".join("&nbsp;&nbsp;&nbsp; ".join(line) for line in lines if line)
