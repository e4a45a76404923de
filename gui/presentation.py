"""Presentation mode and zoom: the whole window larger, for a projector or tired eyes.

One scale drives everything (``Presentation.scale``): the zoom the learner chose
with Ctrl+= and Ctrl+- (remembered in QSettings), times ``PRESENTATION_SCALE`` in
presentation mode, which also fills the screen. At a scale of s:

- the application font is s times its size at start, so every label, field, menu
  and table grows; a widget with a font of its own (a bold formula, a large
  result) grows by the same factor;
- the network diagram and every pyqtgraph view draw through a transform of s, so
  node labels, axis text, tick marks and margins grow together and nothing is
  clipped; their own fonts stay at the starting size, as the transform scales them;
- plot lines (pyqtgraph's pens are cosmetic, so the transform leaves them thin)
  are s times wider.

Colours do not change: they are the palette's colour-blind-safe ones at any size.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QKeySequence, QTransform
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QDockWidget,
    QGraphicsTextItem,
    QTableView,
    QToolBar,
    QWidget,
)

ZOOMS = (0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 1.75, 2.0, 2.5)
PRESENTATION_SCALE = 1.6  # on a 1080p projector, 10 pt text becomes 16 pt
ZOOM_KEY = "view/zoom"
FONT_RECORD = "presentation_font"  # (size at scale 1, size set) on a widget with its own font
SIZE_RECORD = "presentation_size"  # the same for a fixed width and height
ICON_RECORD = "presentation_icon"  # and for an icon size


class Presentation(QObject):
    """View > Presentation mode and View > Zoom of ``window`` (a MainWindow).

    Signal: sigScaleChanged(float), after every view has taken a new scale.
    """

    sigScaleChanged = Signal(float)

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.base_font = QFont(QApplication.font())  # restored when the window closes
        self.applied = 1.0
        self.presenting = False
        self._pens = {}  # id(item) -> (item, width at scale 1, width set)
        self._geometry = None  # the window's geometry before presentation mode
        self._docks_followed = False
        self.action_presentation = window.add_command(
            "&Presentation mode", None, "F11",
            "Full screen, large text and thick lines, for a projector",
            self.set_presenting)
        self.action_presentation.setCheckable(True)
        self.action_zoom_in = window.add_command("Zoom &in", None, "Ctrl+=",
                                             "Larger text and lines everywhere", self.zoom_in)
        self.action_zoom_in.setShortcuts([QKeySequence("Ctrl+="), QKeySequence("Ctrl++")])
        self.action_zoom_out = window.add_command("Zoom &out", None, "Ctrl+-",
                                              "Smaller text and lines", self.zoom_out)
        self.action_zoom_reset = window.add_command("&Normal size", None, "Ctrl+0",
                                                "Text and lines at their normal size",
                                                self.zoom_reset)
        self.zoom = self._read_zoom()
        self._follow = QTimer(self)  # pens made since (new curves, a dock built) scale too
        self._follow.setSingleShot(True)
        self._follow.timeout.connect(self._restyle)
        session = window.session
        for signal in (session.cursor.sigRunReplaced, session.selection.sigSampleChanged):
            signal.connect(self._restyle_soon)

    def add_to(self, menu):
        menu.addAction(self.action_presentation)
        zoom = menu.addMenu("&Zoom")
        for action in (self.action_zoom_in, self.action_zoom_out, self.action_zoom_reset):
            zoom.addAction(action)
        return zoom

    # ---- the scale ------------------------------------------------------------------------

    @property
    def scale(self):
        return self.zoom * (PRESENTATION_SCALE if self.presenting else 1.0)

    def _read_zoom(self):
        try:
            zoom = float(self.window.settings.value(ZOOM_KEY, 1.0))
        except (TypeError, ValueError):
            return 1.0  # a hand-edited file: the normal size
        return zoom if zoom in ZOOMS else 1.0

    def _set_zoom(self, zoom):
        self.zoom = zoom
        self.window.settings.setValue(ZOOM_KEY, zoom)
        self.apply()

    def zoom_in(self):
        self._set_zoom(ZOOMS[min(ZOOMS.index(self.zoom) + 1, len(ZOOMS) - 1)])

    def zoom_out(self):
        self._set_zoom(ZOOMS[max(ZOOMS.index(self.zoom) - 1, 0)])

    def zoom_reset(self):
        self._set_zoom(1.0)

    def set_presenting(self, on):
        on = bool(on)
        if on == self.presenting:
            return
        self.presenting = on
        self.action_presentation.setChecked(on)
        window = self.window
        if on:
            self._geometry = window.saveGeometry()
            window.showFullScreen()
        else:
            window.showNormal()
            if self._geometry is not None:
                window.restoreGeometry(self._geometry)
        self.apply()

    # ---- applying it ----------------------------------------------------------------------

    def apply(self):
        """Give every part of the window the current scale."""
        scale, before = self.scale, self.applied
        if scale == before and not self._pens:
            return
        font = QFont(self.base_font)
        font.setPointSizeF(self.base_font.pointSizeF() * scale)
        QApplication.setFont(font)
        for widget in self.window.findChildren(QWidget):
            if isinstance(widget, pg.GraphicsView):
                scale_graphics_view(widget, scale, self.base_font)
                continue
            if isinstance(widget, QDockWidget):
                _scale_dock_title(widget, font, scale)
            elif widget.testAttribute(Qt.WA_SetFont):
                _scale_own_font(widget, before, scale)
            if widget.styleSheet():
                widget.setStyleSheet(widget.styleSheet())  # its font is taken at polish
            _scale_fixed_size(widget, before, scale)
            if isinstance(widget, (QToolBar, QAbstractButton)):
                _scale_icons(widget, before, scale)
            elif isinstance(widget, QTableView) and scale != before:
                _scale_table(widget, scale / before)
        if not self._docks_followed:
            self._docks_followed = True
            for dock in self.window.findChildren(QDockWidget):
                dock.visibilityChanged.connect(self._restyle_soon)
        view = getattr(self.window, "network_view", None)
        if view is not None:
            view.set_scale(scale)
        self.applied = scale
        self._scale_pens()
        # A pyqtgraph view made later (a dock's plot, made at its first redraw) is
        # seen when Qt polishes it, before its first paint.
        app = QApplication.instance()
        if scale != 1.0:
            app.installEventFilter(self)  # installing twice keeps one
        else:
            app.removeEventFilter(self)
        self.sigScaleChanged.emit(scale)

    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Polish and isinstance(obj, pg.GraphicsView) and (
                self.window.isAncestorOf(obj)):
            self._restyle_soon()
        return False

    def _restyle(self):
        """Parts made since the last ``apply`` (a new run's curves, a dock built at its
        first show) take the scale too."""
        for view in self.window.findChildren(pg.GraphicsView):
            scale_graphics_view(view, self.applied, self.base_font)
        self._scale_pens()

    def _restyle_soon(self, *_):
        if self.applied != 1.0 or self._pens:
            self._follow.start(0)

    def _scale_pens(self):
        """Plot lines ``applied`` times their width at scale 1."""
        scale, seen = self.applied, {}
        for view in self.window.findChildren(pg.GraphicsView):
            if view.scene() is None:
                continue
            for item in view.scene().items():
                if hasattr(item, "set_line_scale"):  # draws its lines itself (CurveLayer)
                    if item.line_scale != scale:
                        item.set_line_scale(scale)
                    continue
                if not isinstance(item, (pg.PlotDataItem, pg.PlotCurveItem, pg.InfiniteLine)):
                    continue
                if isinstance(item, pg.PlotCurveItem) and isinstance(
                        item.parentItem(), pg.PlotDataItem):
                    continue  # its PlotDataItem sets its pen
                pen = _pen_of(item)
                if pen is None:
                    continue
                record = self._pens.get(id(item))
                width = pen.widthF() or 1.0  # 0 is a cosmetic 1 px
                base = record[1] if record and record[0] is item and width == record[2] else width
                new = base * scale
                if new != width:
                    pen.setWidthF(new)
                    _set_pen(item, pen)
                seen[id(item)] = (item, base, new)
        self._pens = seen if scale != 1.0 else {}

    def restore_application_font(self):
        """The window is closing: other windows and dialogs get the font back."""
        QApplication.instance().removeEventFilter(self)
        QApplication.setFont(self.base_font)


def _pen_of(item):
    if isinstance(item, pg.InfiniteLine):
        return pg.mkPen(item.pen)
    pen = item.opts.get("pen")
    if pen is None:
        return None
    pen = pg.mkPen(pen)
    return None if pen.style() == Qt.NoPen else pen


def _set_pen(item, pen):
    item.setPen(pen)


def _scale_own_font(widget, before, scale):
    """A widget with a font of its own: the same factor as the application font. Its
    size was derived from the application font at the scale in force when it was
    set (``before``), unless this function set it."""
    font = widget.font()
    size = font.pointSizeF()
    record = widget.property(FONT_RECORD)
    parent = widget.parentWidget()
    if size <= 0 or (not record and parent is not None
                     and size == parent.font().pointSizeF()):
        return  # a pixel size, or a font of its own (bold) whose size follows its parent's
    base, size = _scaled(record, size, before, scale)
    font.setPointSizeF(size)
    widget.setFont(font)
    widget.setProperty(FONT_RECORD, [base, size])


def _scaled(record, now, before, scale):
    """(value at scale 1, value to set) from a widget's record: its own when it still
    holds the value set last, else ``now`` was made at the scale ``before``."""
    base = record[0] if record and len(record) == 2 and record[1] == now else now / before
    return base, base * scale


def _scale_fixed_size(widget, before, scale):
    """A fixed width or height (a steady status label, a field sized for its digits)
    grows with the text in it."""
    fixed_w = widget.minimumWidth() == widget.maximumWidth() > 0
    fixed_h = widget.minimumHeight() == widget.maximumHeight() > 0
    if not (fixed_w or fixed_h):
        return
    record = widget.property(SIZE_RECORD) or [None, None]
    if fixed_w:
        base_w, width = _scaled(record[0], widget.minimumWidth(), before, scale)
        widget.setFixedWidth(round(width))
        record[0] = [base_w, round(width)]
    if fixed_h:
        base_h, height = _scaled(record[1], widget.minimumHeight(), before, scale)
        widget.setFixedHeight(round(height))
        record[1] = [base_h, round(height)]
    widget.setProperty(SIZE_RECORD, record)


def _scale_icons(widget, before, scale):
    side = widget.iconSize().width()
    if side <= 0:
        return
    base, new = _scaled(widget.property(ICON_RECORD), side, before, scale)
    widget.setIconSize(QSize(round(new), round(new)))
    widget.setProperty(ICON_RECORD, [base, round(new)])


def _scale_table(table, ratio):
    """Columns sized for their text at the old scale, and rows for a line of it."""
    header = table.horizontalHeader()
    for section in range(header.count()):
        header.resizeSection(section, round(header.sectionSize(section) * ratio))
    rows = table.verticalHeader()
    rows.setDefaultSectionSize(round(rows.defaultSectionSize() * ratio))


def _scale_dock_title(dock, font, scale):
    """QDockWidget paints its title in the font it was made with unless its own font
    differs from the application's dock font: at a scale, it gets one that differs
    only in a detail nobody sees (the antialiasing preference)."""
    if scale == 1.0:
        dock.setFont(QFont())  # no font of its own again
        return
    title = QFont(font)
    title.setStyleStrategy(QFont.PreferAntialias)
    dock.setFont(title)


class _ScaledRange(QObject):
    """Keeps a pyqtgraph view laid out in size/scale units and shown through an exact
    transform. pyqtgraph's ``updateMatrix`` fits the range with ``fitInView``, which
    leaves a margin and stretches by a percent or two: the view's ``updateMatrix`` is
    wrapped (pyqtgraph calls it through the instance) to set the exact scale after."""

    def __init__(self, view):
        super().__init__(view)
        self.scale = 1.0
        fit = view.updateMatrix

        def update_matrix(propagate=True):
            fit(propagate)
            if self.scale != 1.0:
                view.setTransform(QTransform.fromScale(self.scale, self.scale))
                view.sigDeviceTransformChanged.emit(view)

        view.updateMatrix = update_matrix
        view.installEventFilter(self)

    def eventFilter(self, view, event):
        if event.type() == QEvent.Type.Resize and self.scale != 1.0:
            size = event.size()  # before pyqtgraph's resizeEvent reads the range
            view.range = QRectF(0, 0, size.width() / self.scale, size.height() / self.scale)
        return False


def scale_graphics_view(view, scale, font):
    """Draw pyqtgraph ``view`` ``scale`` times larger: its scene is laid out in
    size/scale units (``autoPixelRange`` off, as ``GraphicsView.setRange`` does) and
    shown through a transform. Its text keeps ``font``, the size at scale 1, as the
    transform scales it: axis ticks would otherwise take the application font, and
    text items their default, both already scaled."""
    keeper = view.findChild(_ScaledRange)
    if keeper is None:
        if scale == 1.0:
            return
        keeper = _ScaledRange(view)
    keeper.scale = scale
    scene = view.scene()
    if scene is not None:
        tick_font = None if scale == 1.0 else font  # at 1: pyqtgraph's default again
        for item in scene.items():
            if isinstance(item, pg.AxisItem):
                if item.style.get("tickFont") != tick_font:
                    item.setTickFont(tick_font)
            elif isinstance(item, QGraphicsTextItem):
                text_font = QFont() if scale == 1.0 else font
                if item.font() != text_font or scale == 1.0:
                    item.setFont(text_font)
    size = view.size()
    if scale == 1.0:
        view.autoPixelRange = True
        view.range = QRectF(0, 0, size.width(), size.height())
        pg.GraphicsView.setRange(view, view.range, padding=0, disableAutoPixel=False)
    else:
        pg.GraphicsView.setRange(view, QRectF(0, 0, size.width() / scale,
                                              size.height() / scale), padding=0)
