"""The docks' style keeps their title-bar icons and otherwise is the application's."""

from PySide6.QtWidgets import QApplication, QStyle

from gui.common.dock_style import KEPT, title_bar_style


def pixels(icon, size=16):
    return icon.pixmap(size, size).toImage()


def test_title_bar_icons_are_kept_and_drawn_as_the_base_style_draws_them(qtbot):
    style = title_bar_style()
    base = QApplication.style()
    for which in KEPT:
        first, again = style.standardIcon(which), style.standardIcon(which)
        assert not first.isNull() and first.cacheKey() == again.cacheKey()
        assert pixels(first) == pixels(base.standardIcon(which))
    other = QStyle.StandardPixmap.SP_ArrowBack  # not kept: asked afresh each time
    assert pixels(style.standardIcon(other)) == pixels(base.standardIcon(other))


def test_only_the_docks_themselves_use_it(window):
    for dock in window.docks.values():
        assert dock.style() is title_bar_style()
        assert dock.widget().style() is QApplication.style()
    assert window.style() is QApplication.style()
