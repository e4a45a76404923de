"""Presentation mode and zoom (gui/presentation.py): text, diagram, plot text and
plot lines grow together, go back exactly, and the zoom is remembered."""

import pyqtgraph as pg
import pytest
from PySide6.QtWidgets import QApplication

from gui.presentation import PRESENTATION_SCALE, ZOOM_KEY


def pens(window):
    """{line: width as drawn} of the plots' lines: their own curve layers' (which
    stroke every line at ``line_scale`` times its pen) and pyqtgraph's items."""
    widths = {}
    for item in window.plots_view.graphics.scene().items():
        if hasattr(item, "set_line_scale"):
            for curve in item.curves:
                widths[curve] = item.drawn_pen(curve.pen).widthF()
            for i, (_, pen) in enumerate(item.hlines):
                widths[(item, i)] = item.drawn_pen(pen).widthF()
        elif isinstance(item, pg.PlotDataItem) and item.opts.get("pen") is not None:
            widths[item] = pg.mkPen(item.opts["pen"]).widthF()
    return widths


def looks(window):
    axis = window.plots_view.graphics.ci.getItem(0, 0).getAxis("left")
    return {
        "font": QApplication.font().pointSizeF(),
        "diagram": window.network_view.graphics.transform().m11(),
        "plots": window.plots_view.graphics.transform().m11(),
        "status label": window.iteration_label.width(),
        "tick font": axis.style["tickFont"].pointSizeF() if axis.style["tickFont"] else None,
        "dock title": window.docks["InspectorDock"].font().pointSizeF(),
    }


@pytest.fixture
def base_font():
    return QApplication.font().pointSizeF()


def test_zoom_scales_text_diagram_plots_and_lines_and_is_remembered(
        open_window, settings, qtbot, base_font):
    window = open_window()
    before, lines = looks(window), pens(window)
    assert len(lines) >= 9 and before["diagram"] == before["plots"] == 1.0
    window.presentation.action_zoom_in.trigger()
    qtbot.waitUntil(lambda: window.docks["InspectorDock"].font().pointSizeF() > base_font)
    now = looks(window)
    assert now["font"] == pytest.approx(base_font * 1.1)
    assert now["diagram"] == pytest.approx(1.1) and now["plots"] == pytest.approx(1.1)
    assert now["status label"] == round(before["status label"] * 1.1)
    assert now["tick font"] == base_font  # the transform scales it; not twice
    assert now["dock title"] == pytest.approx(base_font * 1.1)
    for item, width in pens(window).items():
        assert width == pytest.approx(lines[item] * 1.1)
    # The diagram lays out in scene units: it still fills its view exactly.
    view = window.network_view.graphics
    assert view.sceneRect().width() * 1.1 == pytest.approx(view.viewport().width())
    assert float(settings.value(ZOOM_KEY)) == 1.1
    window.close()
    assert QApplication.font().pointSizeF() == base_font  # other windows: back to normal
    again = open_window()
    assert again.presentation.zoom == 1.1
    assert QApplication.font().pointSizeF() == pytest.approx(base_font * 1.1)
    assert again.network_view.graphics.transform().m11() == pytest.approx(1.1)


def test_zoom_steps_stop_at_the_ends_and_reset(window, base_font):
    p = window.presentation
    for _ in range(20):
        p.action_zoom_out.trigger()
    assert p.zoom == 0.8 and QApplication.font().pointSizeF() == pytest.approx(base_font * 0.8)
    for _ in range(20):
        p.action_zoom_in.trigger()
    assert p.zoom == 2.5
    p.action_zoom_reset.trigger()
    assert p.zoom == 1.0 and QApplication.font().pointSizeF() == base_font


def test_a_hand_edited_zoom_is_ignored(open_window, settings):
    settings.setValue(ZOOM_KEY, "huge")
    assert open_window().presentation.zoom == 1.0
    settings.setValue(ZOOM_KEY, 1e9)
    assert open_window().presentation.zoom == 1.0


def test_presentation_mode_is_full_screen_and_large_and_goes_back_exactly(
        window, qtbot, base_font):
    before, lines = looks(window), pens(window)
    size = window.size()
    window.presentation.action_presentation.trigger()
    assert window.isFullScreen() and window.presentation.action_presentation.isChecked()
    qtbot.waitUntil(lambda: window.docks["InspectorDock"].font().pointSizeF() > base_font)
    now = looks(window)
    assert now["font"] == pytest.approx(base_font * PRESENTATION_SCALE)
    assert now["diagram"] == now["plots"] == pytest.approx(PRESENTATION_SCALE)
    for item, width in pens(window).items():
        assert width == pytest.approx(lines[item] * PRESENTATION_SCALE)
    window.presentation.action_presentation.trigger()
    assert not window.isFullScreen()
    qtbot.waitUntil(lambda: window.docks["InspectorDock"].font().pointSizeF() == base_font)
    assert looks(window) == before
    assert pens(window) == lines
    assert window.size() == size


def test_lines_restyled_by_the_plots_keep_the_zoom(window, qtbot):
    """Choosing a sample makes its output curve thicker (the plots set new pens), and
    a new run makes new curves: at a zoom both come out as wide as the zoom makes
    the same lines at the normal size."""
    selection = window.session.selection
    selection.select_sample(2)
    window.session.new_run(seed=7)
    normal = pens(window)
    window.presentation.action_zoom_in.trigger()
    selection.select_sample(1)
    window.session.new_run(seed=8)
    selection.select_sample(2)
    zoomed = sorted(round(w * 1.1, 9) for w in normal.values())
    qtbot.waitUntil(lambda: sorted(round(w, 9) for w in pens(window).values()) == zoomed)


def test_a_dock_built_after_a_zoom_takes_it(window, qtbot):
    window.presentation.action_zoom_in.trigger()
    dock = window.docks["PredictionDock"]
    dock.raise_()  # its first show builds it (a lazy dock)
    qtbot.waitUntil(lambda: dock.built)
    surface = window.docks["LossSurfaceDock"]
    surface.raise_()
    views = lambda: surface.findChildren(pg.GraphicsView)  # noqa: E731
    qtbot.waitUntil(lambda: bool(views()) and all(
        v.transform().m11() == pytest.approx(1.1) for v in views()))
