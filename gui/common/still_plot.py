"""``still_plot``: the set-up of the pyqtgraph plots that are pictures to read,
not to navigate (the loss surface, the decision map)."""

from __future__ import annotations

import pyqtgraph as pg

from gui.common import palette


def still_plot(min_height):
    """A pyqtgraph PlotWidget for a picture to read, not to navigate (the loss
    surface, the decision map): no menus, no "A" button, no mouse panning, and axes
    without SI prefixes, which would show values within +-1 as "-500 ... 500
    (x0.001)". Returns the widget and its PlotItem."""
    widget = pg.PlotWidget(background=palette.BACKGROUND, enableMenu=False)
    widget.setMinimumHeight(min_height)
    item = widget.getPlotItem()
    item.setMenuEnabled(False)
    item.hideButtons()
    item.setMouseEnabled(False, False)
    for side in ("bottom", "left"):
        item.getAxis(side).enableAutoSIPrefix(False)
    return widget, item
