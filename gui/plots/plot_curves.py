"""The live lines of one plot, drawn by one graphics item.

pyqtgraph gives every curve an item of its own, and each pays per redraw for its
own ``setData`` bookkeeping, bounding rect, paint call and cached pixmap, which
adds up over the nine curves of the tutorial's network (docs/performance.md).
Here all the lines of a plot (its curves and the dashed target lines) are one
``CurveLayer`` that strokes them in one paint call, from few points
(``draw_simplified``). It keeps no pixmap: a redraw changes all of it, and a seek
repaints two strips of it about as fast by stroking its few segments again as by
copying them from one.

Values far outside the view are drawn at a finite distance beyond its edge
(``BAND`` view heights): Qt's rasterizer drops or smears lines whose ends lie
beyond about 1e20 px, and a value like 1e308 on a zoomed-in plot would be there.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QLineF, QRectF, Qt
from PySide6.QtGui import QPainter, QPen, QTransform

from gui.plots.downsample import simplify
from gui.plots.pg_compat import LineSegments
from gui.plots.plot_ranges import shown_bounds

TIP_PIXELS = 4.0  # a curve's tooltip shows within this many pixels of it
BAND = 1e4  # view heights beyond the view where far values are drawn (see above)


class Curve:
    """One line of a plot: its pen, its tooltip and the points drawn.

    ``x`` are view coordinates (see IterationAxis.to_view). Setting data does not
    repaint: the plots view sets every curve, then asks each layer once."""

    def __init__(self, layer, pen, tip=""):
        self.layer, self.pen, self.tip = layer, pen, tip
        self.x = self.y = np.empty(0)
        self._segments = LineSegments()
        self._lines = None  # drawLines arguments, made at the first paint after setData
        self._path = None  # the same as one path, for a dashed pen

    @property
    def dashed(self):
        return self.pen.style() != Qt.PenStyle.SolidLine

    def setData(self, x, y):
        self.x, self.y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        self._lines = self._path = None

    def path(self):
        """The line as one QPainterPath: a dash pattern runs on along it, where
        separate segments would each start it anew (and look solid when short)."""
        if self._path is None:
            self._path = pg.arrayToQPath(self.x, self.y, connect="all")
        return self._path

    def lines(self, transform):
        """The segments between consecutive points in device pixels, through
        ``transform`` (data to device, scale and offset only, as a ViewBox maps), as
        QPainter.drawLines takes them: kept while the transform is the same, since a
        seek repaints the strips under the cursors many times."""
        key = (transform.m11(), transform.m22(), transform.dx(), transform.dy())
        if self._lines is None or self._lines[0] != key:
            sx, sy, dx, dy = key
            self._lines = (key, self._segments.draw_args(self.x * sx + dx, self.y * sy + dy))
        return self._lines[1]

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

    line_scale = 1.0  # lines this much wider: presentation mode and zoom

    def __init__(self):
        super().__init__()
        self.curves = []
        self.hlines = []
        self._rect = None

    def set_line_scale(self, scale):
        """Stroke every line ``scale`` times its pen's width (gui/presentation.py)."""
        self.line_scale = float(scale)
        self.update()

    def drawn_pen(self, pen):
        """``pen`` as this layer strokes it."""
        if self.line_scale == 1.0:
            return pen
        pen = QPen(pen)
        pen.setWidthF(pen.widthF() * self.line_scale)
        return pen

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

    def band(self):
        """(low, high): the y values drawn as they are; others are drawn at these."""
        _, (y0, y1) = self.getViewBox().viewRange()
        return y0 - BAND * (y1 - y0), y1 + BAND * (y1 - y0)

    def dataBounds(self, ax, frac=1.0, orthoRange=None):
        """Extent of the lines along axis ``ax`` (0: x, 1: y), for the ViewBox's
        "View All"; ``frac`` and ``orthoRange`` are not supported (whole extent)."""
        arrays = [(c.x if ax == 0 else c.y) for c in self.curves if len(c.x)]
        if ax == 1:
            arrays += [np.array([y for y, _ in self.hlines])]
        arrays = [a for a in arrays if len(a)]
        if not arrays:
            return None
        return shown_bounds(min(float(a.min()) for a in arrays),
                            max(float(a.max()) for a in arrays))

    # ---- drawing ----

    def paint(self, painter, *args):
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        rect = self.boundingRect()
        for y, pen in self.hlines:
            painter.setPen(self.drawn_pen(pen))
            painter.drawLine(QLineF(rect.left(), y, rect.right(), y))
        # Solid lines go in device pixels: Qt strokes a wide pen's segments two to
        # three times faster when it has no scaling transform to apply to each.
        view = painter.transform()
        scaled = view.type() == QTransform.TxScale  # as a ViewBox maps; else as they are
        to_device = view if scaled else QTransform()
        for curve in self.curves:
            if len(curve.x) > 1:
                painter.setPen(self.drawn_pen(curve.pen))
                if curve.dashed:
                    painter.setTransform(view)
                    painter.drawPath(curve.path())
                else:
                    if scaled:
                        painter.resetTransform()
                    painter.drawLines(*curve.lines(to_device))
        painter.setTransform(view)

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
    cost more than the points do), each curve's ends pinned. Values beyond the
    layer's ``band()`` are drawn at its edge.
    """
    names = list(points)
    sizes = np.array([len(points[name][0]) for name in names], dtype=np.int64)
    ends = np.cumsum(sizes)
    layers = {curve.layer: (curve.layer.pixel_scale(), curve.layer.band())
              for curve in curves.values()}
    per_point = np.array([(*layers[curves[name].layer][0], *layers[curves[name].layer][1])
                          for name in names]).reshape(len(names), 4)
    sx, sy, low, high = np.repeat(per_point, sizes, axis=0).T
    x = np.concatenate([points[name][0] for name in names])
    y = np.clip(np.concatenate([points[name][1] for name in names]), low, high)
    drawn = sizes > 0
    keep = simplify(x * sx, y * sy, tolerance,
                    np.concatenate([(ends - sizes)[drawn], ends[drawn] - 1]))
    for name, part in zip(names, np.split(keep, np.searchsorted(keep, ends)[:-1]),
                          strict=True):
        curves[name].setData(x[part], y[part])
    for layer in layers:
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
