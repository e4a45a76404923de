"""One plot of the stack: a ViewBox, a left and a bottom axis, and a title line.

This is the part of pyqtgraph's ``PlotItem`` the plots use. ``PlotItem`` also
builds its "Plot options" form (about 60 widgets, their signals and a menu) in
its constructor, whether or not its menu is ever offered; here it is not, which
shortens the window's start-up (docs/performance.md). The ViewBox keeps its
own right-click menu (``LazyMenuViewBox``), and the panel PlotItem's "A" button.
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtWidgets import QGraphicsGridLayout, QGraphicsItem, QSizePolicy

from gui.plots.pg_compat import KeyLabel, QuietAxis, auto_button, exporting, text_item

# Where each part sits in the panel's grid, as in PlotItem; its top and right axes'
# row and column stay empty here.
TITLE, VIEW, LEFT, BOTTOM = (0, 1), (2, 1), (2, 0), (3, 1)
TOP_AXIS_ROW, RIGHT_AXIS_COLUMN = 1, 2
TITLE_HEIGHT = 30  # px: a title, or a key of one or two lines


class PlotPanel(pg.GraphicsWidget):
    """Axes drawn with ``axis_pen``, their text with ``text_pen``.

    ``vb``, ``getAxis("left" | "bottom")``, ``setLabel``, ``setTitle`` and
    ``titleLabel``, ``addItem`` and ``removeItem``, as in pyqtgraph's PlotItem;
    ``items`` lists what was added. ``auto_button`` is PlotItem's "A": shown in the
    bottom-left corner while the mouse is over a plot that does not follow its data
    (after a pan or zoom), it makes the view follow again (gui/plots/plot_ranges.py).
    ``follows()`` says whether the plot follows its data; by default, whether
    pyqtgraph's auto-range is on."""

    def __init__(self, view_box, axis_pen, text_pen):
        super().__init__()
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.layout = QGraphicsGridLayout()
        self.layout.setContentsMargins(1, 1, 1, 1)
        self.layout.setSpacing(0)
        self.setLayout(self.layout)
        self.vb = view_box
        self.layout.addItem(self.vb, *VIEW)
        self.axes = {}
        for side, cell in (("left", LEFT), ("bottom", BOTTOM)):
            axis = QuietAxis(side, axis_pen, text_pen)
            axis.linkToView(self.vb)
            axis.setZValue(0.5)  # above the view's items, as in PlotItem
            axis.setFlag(QGraphicsItem.ItemNegativeZStacksBehindParent)
            self.layout.addItem(axis, *cell)
            self.axes[side] = axis
        self.titleLabel = KeyLabel("", size="11pt")
        self.layout.addItem(self.titleLabel, *TITLE)
        # PlotItem's grid: empty rows and columns take no room, the view the rest.
        for row in range(4):
            self.layout.setRowPreferredHeight(row, 0)
            self.layout.setRowMinimumHeight(row, 0)
            self.layout.setRowStretchFactor(row, 1)
        for column in range(3):
            self.layout.setColumnPreferredWidth(column, 0)
            self.layout.setColumnMinimumWidth(column, 0)
            self.layout.setColumnStretchFactor(column, 1)
        self.layout.setRowStretchFactor(VIEW[0], 100)
        self.layout.setColumnStretchFactor(VIEW[1], 100)
        # PlotItem's hidden top and right axes: here empty, and they must stay so, or
        # each plot's frame would end at another x depending on its key's width.
        self.layout.setRowStretchFactor(TOP_AXIS_ROW, 0)
        self.layout.setRowMaximumHeight(TOP_AXIS_ROW, 0)
        self.layout.setColumnStretchFactor(RIGHT_AXIS_COLUMN, 0)
        self.layout.setColumnMaximumWidth(RIGHT_AXIS_COLUMN, 0)
        self.setTitle(None)
        self.items = []
        self.hovered = False
        self.follows = lambda: all(self.vb.autoRangeEnabled())
        self.auto_button = auto_button(self)
        self.auto_button.clicked.connect(self._follow_data)
        self.auto_button.hide()
        self.vb.sigStateChanged.connect(self.update_button)

    def getAxis(self, side):
        return self.axes[side]

    def setLabel(self, side, text):
        self.axes[side].setLabel(text)

    def setTitle(self, title=None, **style):
        """Show ``title`` (HTML allowed; ``style`` as LabelItem.setText) in a line
        above the plot, TITLE_HEIGHT px high or as high as its text if that is more
        (a key of several lines); or no line at all for None."""
        if title is None:
            self.titleLabel.setVisible(False)
            self.layout.setRowFixedHeight(TITLE[0], 0)
            self.titleLabel.setMaximumHeight(0)
        else:
            self.titleLabel.setMaximumHeight(TITLE_HEIGHT)
            self.layout.setRowFixedHeight(TITLE[0], TITLE_HEIGHT)
            self.titleLabel.setVisible(True)
            self.titleLabel.setText(title, **style)
            # The text's own margin below its last line may overlap the plot: it is empty.
            text = text_item(self.titleLabel)
            height = math.ceil(text.boundingRect().height() - text.document().documentMargin())
            if height > TITLE_HEIGHT:
                self.titleLabel.setMaximumHeight(height)
                self.layout.setRowFixedHeight(TITLE[0], height)

    def addItem(self, item, ignoreBounds=False):
        self.vb.addItem(item, ignoreBounds=ignoreBounds)
        self.items.append(item)

    def removeItem(self, item):
        self.vb.removeItem(item)
        self.items.remove(item)

    def hoverEvent(self, event):  # pyqtgraph's scene calls this on hover
        if event.isEnter():
            self.hovered = True
        if event.isExit():
            self.hovered = False
        self.update_button()

    def update_button(self, *_):
        """Show the "A" button while hovered and not following (never in an export)."""
        self.auto_button.setVisible(not exporting(self) and self.hovered
                                    and not self.follows())

    def setExportMode(self, export, opts=None):  # pyqtgraph's exporters call this
        super().setExportMode(export, opts)
        self.update_button()

    def _follow_data(self, *_):
        # Auto-range only the axes a learner can move: the accuracy plot's y axis is
        # fixed at 0..100%. The plots then hold the ranges again themselves.
        for axis, movable in zip((pg.ViewBox.XAxis, pg.ViewBox.YAxis),
                                 self.vb.mouseEnabled(), strict=True):
            if movable:
                self.vb.enableAutoRange(axis=axis)
        self.auto_button.hide()

    def resizeEvent(self, event):
        self.auto_button.setPos(0, self.size().height() - self.auto_button.boundingRect().height())
