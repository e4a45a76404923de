"""The docks' own style: the application's, with the title-bar button icons kept.

Qt's Fusion style makes the dock title bar's close and float icons afresh, from
image files, whenever it is asked for them, and a dock asks each time its layout
runs, many times before the window's first frame, each time for the same two
icons (what that costs: docs/performance.md). A proxy that keeps them is set
on each dock alone (a widget's style does not pass to its children), so only the
title bars use it, and they look the same.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProxyStyle, QStyle, QTabBar

# Icons that depend on nothing but the style; others (arrows follow the layout
# direction, for one) are asked of the base style every time.
KEPT = (QStyle.StandardPixmap.SP_TitleBarCloseButton,
        QStyle.StandardPixmap.SP_TitleBarNormalButton,
        QStyle.StandardPixmap.SP_DockWidgetCloseButton)

_shared = []


class TitleBarStyle(QProxyStyle):
    """The application's default style, keeping the dock title-bar icons."""

    def __init__(self):
        super().__init__()  # a base style of the application's default kind
        self._icons = {}

    def standardIcon(self, which, option=None, widget=None):
        if which not in KEPT:
            return super().standardIcon(which, option, widget)
        icon = self._icons.get(which)
        if icon is None:
            icon = self._icons[which] = super().standardIcon(which, option, widget)
        return icon


def title_bar_style():
    """One shared instance (a QApplication must exist); it lives as long as the app."""
    if not _shared:
        _shared.append(TitleBarStyle())
    return _shared[0]


def whole_tab_titles(window):
    """Show every dock tab's title whole ("Code", not "C…"): when an area holds more
    tabs than fit, its tab bar scrolls instead of shortening them."""
    for bar in window.findChildren(QTabBar):
        bar.setElideMode(Qt.TextElideMode.ElideNone)
        bar.setUsesScrollButtons(True)
