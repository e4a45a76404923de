"""The live lines of one plot, drawn by one graphics item.

pyqtgraph gives every curve an item of its own, and each pays per redraw for its
own ``setData`` bookkeeping, bounding rect, paint call and cached pixmap: about
half a millisecond per curve, nine curves on the tutorial's network. Here all the
lines of a plot (its curves and the dashed target lines) are one ``CurveLayer``
that strokes them in one paint call, from few points (``draw_simplified``). It
keeps no pixmap: a redraw changes all of it, and a seek repaints two strips of it
about as fast by stroking its few segments again as by copying them from one.

``Cursor`` is the movable iteration line: pyqtgraph's ``InfiniteLine``, minus the
bounding-rect work it redoes on every move.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from pyqtgraph.Qt.internals import PrimitiveArray
from PySide6.QtCore import QLineF, QPointF, QRectF
from PySide6.QtGui import QPainter

from gui.plots.downsample import simplify

TIP_PIXELS = 4.0  # a curve's tooltip shows within this many pixels of it


class Curve:
    """One line of a plot: its pen, its tooltip and the points drawn.

    ``x`` are view coordinates (see PlotsView.to_view). Setting data does not
    repaint: the plots view sets every curve, then asks each layer once."""

    def __init__(self, layer, pen, tip=""):
        self.layer, self.pen, self.tip = layer, pen, tip
        self.x = self.y = np.empty(0)
        self._segments = PrimitiveArray(QLineF, 4)
        self._lines = None  # drawLines arguments, made at the first paint after setData

    def setData(self, x, y):
        self.x, self.y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        self._lines = None

    def lines(self):
        """The segments between consecutive points, as QPainter.drawLines takes them:
        kept, since a seek repaints the strips under the cursors many times."""
        if self._lines is None:
            self._segments.resize(max(len(self.x) - 1, 0))
            ends = self._segments.ndarray()
            ends[:, 0], ends[:, 1] = self.x[:-1], self.y[:-1]
            ends[:, 2], ends[:, 3] = self.x[1:], self.y[1:]
            self._lines = self._segments.drawargs()
        return self._lines

    def getData(self):
        """(x, y) as drawn."""
        return self.x, self.y

    def setPen(self, pen):
        self.pen = pen
        self.layer.update()


class CurveLayer(pg.GraphicsObject):
    """Every live line of one plot, in data coordinates, under one pixmap cache.

    Lines are stroked as separate segments, as pyqtgraph does for solid pens wider
    than a pixel (faster than one wide polyline, and the same pixels): every pen
    here is wider than a pixel. ``hlines`` are (y, pen) lines across the view,
    drawn under the curves (pyqtgraph's InfiniteLine draws them the same way).
    """

    def __init__(self):
        super().__init__()
        self.curves = []
        self.hlines = []
        self._rect = None

    def add(self, pen, tip=""):
        curve = Curve(self, pen, tip)
        self.curves.append(curve)
        return curve

    def remove(self, curve):
        self.curves.remove(curve)
        self.update()

    def set_hlines(self, hlines):
        self.hlines = list(hlines)
        self.update()

    # ---- geometry: the view's rectangle; the ViewBox clips to it anyway ----

    def boundingRect(self):
        if self._rect is None:
            vb = self.getViewBox()
            self._rect = QRectF(vb.viewRect()) if vb is not None else QRectF()
        return self._rect

    def viewTransformChanged(self):
        self.prepareGeometryChange()
        self._rect = None
        super().viewTransformChanged()

    def pixel_scale(self):
        """(x, y) pixels per unit of data, as the view shows it now."""
        vb = self.getViewBox()
        (x0, x1), (y0, y1) = vb.viewRange()
        return vb.width() / max(x1 - x0, 1e-300), vb.height() / max(y1 - y0, 1e-300)

    def dataBounds(self, ax, frac=1.0, orthoRange=None):
        """Extent of the lines along axis ``ax`` (0: x, 1: y), for the ViewBox's
        "View All"; ``frac`` and ``orthoRange`` are not supported (whole extent)."""
        arrays = [(c.x if ax == 0 else c.y) for c in self.curves if len(c.x)]
        if ax == 1:
            arrays += [np.array([y for y, _ in self.hlines])]
        arrays = [a for a in arrays if len(a)]
        if not arrays:
            return None
        return (min(float(a.min()) for a in arrays), max(float(a.max()) for a in arrays))

    # ---- drawing ----

    def paint(self, painter, *args):
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        rect = self.boundingRect()
        for y, pen in self.hlines:
            painter.setPen(pen)
            painter.drawLine(QLineF(rect.left(), y, rect.right(), y))
        for curve in self.curves:
            if len(curve.x) > 1:
                painter.setPen(curve.pen)
                painter.drawLines(*curve.lines())

    # ---- tooltips: the curve under the mouse names itself ----

    def hoverEvent(self, event):
        tip = "" if event.isExit() else self.tip_at(event.pos())
        if tip != self.toolTip():
            self.setToolTip(tip)

    def tip_at(self, pos):
        """Tooltip of the topmost curve within TIP_PIXELS of ``pos`` (local), or ""."""
        vectors = self.pixelVectors()
        if vectors[0] is None:
            return ""
        width, height = abs(vectors[0].x()), abs(vectors[1].y())
        if width == 0 or height == 0:
            return ""
        mx, my = pos.x(), pos.y()
        for curve in reversed(self.curves):  # the last drawn is on top
            if curve.tip and _distance(curve, mx, my, width, height) <= TIP_PIXELS:
                return curve.tip
        return ""


def draw_simplified(curves, points, tolerance):
    """Give every curve (``curves``: name -> Curve) its points (``points``: name ->
    (x in view coordinates, y)), minus those a line through its neighbours passes
    within ``tolerance`` pixels of, at the scale its plot shows now; then repaint.

    Downsampled to about two points per pixel, a smooth curve is mostly straight
    stretches in pixels, and stroking costs per segment: this is what keeps a
    redraw's painting short. All curves are simplified in one call (its numpy calls
    cost more than the points do), each curve's ends pinned.
    """
    names = list(points)
    sizes = np.array([len(points[name][0]) for name in names], dtype=np.int64)
    ends = np.cumsum(sizes)
    scales = {curve.layer: curve.layer.pixel_scale() for curve in curves.values()}
    sx = np.repeat([scales[curves[name].layer][0] for name in names], sizes)
    sy = np.repeat([scales[curves[name].layer][1] for name in names], sizes)
    x = np.concatenate([points[name][0] for name in names])
    y = np.concatenate([points[name][1] for name in names])
    drawn = sizes > 0
    keep = simplify(x * sx, y * sy, tolerance,
                    np.concatenate([(ends - sizes)[drawn], ends[drawn] - 1]))
    for name, part in zip(names, np.split(keep, np.searchsorted(keep, ends)[:-1]),
                          strict=True):
        curves[name].setData(x[part], y[part])
    for layer in scales:
        layer.update()


def _distance(curve, mx, my, width, height):
    """Pixel distance from (mx, my) to the nearest segment of ``curve``."""
    x, y = curve.x, curve.y
    lo = max(int(np.searchsorted(x, mx - TIP_PIXELS * width)) - 1, 0)
    hi = min(int(np.searchsorted(x, mx + TIP_PIXELS * width)) + 1, len(x))
    if hi - lo < 1:
        return np.inf
    px, py = (x[lo:hi] - mx) / width, (y[lo:hi] - my) / height
    if len(px) == 1:
        return float(np.hypot(px[0], py[0]))
    ax, ay, dx, dy = px[:-1], py[:-1], np.diff(px), np.diff(py)
    length2 = dx * dx + dy * dy
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.clip(np.where(length2 > 0, -(ax * dx + ay * dy) / length2, 0.0), 0.0, 1.0)
    return float(np.min(np.hypot(ax + t * dx, ay + t * dy)))


class Cursor(pg.InfiniteLine):
    """A vertical, movable iteration line.

    InfiniteLine recomputes its bounding rect (in Python, from the view's
    rectangle) after every move. A vertical line's rect, in its own rotated
    coordinates, spans the view's height and a few pixels across, whatever its x:
    a move along x leaves it as it is, so only view changes recompute it here.
    """

    def __init__(self, **kwargs):
        super().__init__(0, angle=90, **kwargs)
        # Moves need no itemChange round trip into Python: the ViewBox it would tell
        # ignores this line's bounds (it is added with ignoreBounds).
        self.setFlag(self.GraphicsItemFlag.ItemSendsGeometryChanges, False)

    def setPos(self, pos):
        if self._boundingRect is None or isinstance(pos, (list, tuple, np.ndarray, QPointF)):
            super().setPos(pos)
            return
        x = float(pos)
        low, high = self.maxRange
        x = x if low is None else max(x, low)
        x = x if high is None else min(x, high)
        if self.p != [x, 0]:
            self.p = [x, 0]
            pg.GraphicsObject.setPos(self, QPointF(x, 0))
            self.sigPositionChanged.emit(self)
