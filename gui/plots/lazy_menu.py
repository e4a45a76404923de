"""A pyqtgraph ViewBox whose right-click menu is built when first asked for.

pyqtgraph builds every ViewBox's menu (a QMenu with range, mouse-mode and export
entries) in the constructor, about 5 ms each; the plots are built before the
window's first frame, and a learner may never right-click them.
"""

from __future__ import annotations

import pyqtgraph as pg
from pyqtgraph.graphicsItems.ViewBox.ViewBoxMenu import ViewBoxMenu


class LazyMenuViewBox(pg.ViewBox):
    """``ViewBox`` whose ``menu`` is made on first access, then given to
    ``add_actions(menu)`` so the owner can add its own entries."""

    def __init__(self, add_actions=None, **kwargs):
        self._lazy_menu = None
        self._add_actions = add_actions
        super().__init__(enableMenu=False, **kwargs)  # no menu built here...
        self.state["enableMenu"] = True  # ...but one is offered on right-click

    @property
    def menu(self):
        state = getattr(self, "state", None)
        if self._lazy_menu is None and state is not None and state.get("enableMenu", True):
            self._lazy_menu = ViewBoxMenu(self)
            super().updateViewLists()
            if self._add_actions is not None:
                self._add_actions(self._lazy_menu)
        return self._lazy_menu

    @menu.setter
    def menu(self, value):
        self._lazy_menu = value

    def updateViewLists(self):
        # Called for every ViewBox when any named view appears or goes; a menu not
        # built yet gets the list when it is built.
        if self._lazy_menu is not None:
            super().updateViewLists()
