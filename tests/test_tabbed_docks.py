"""Docks tabbed out of sight at the first show do no drawing until a learner shows
them (tab clicked, View menu, a saved layout that puts them in front), and then
show their real content."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTabBar

from gui.common.redraw import on_screen
from nncore.network import forward, loss_value


def assert_map_shows_the_loss(dock):
    """The heat map is on screen and its corner pixels are E at their weights."""
    session, run = dock.session, dock.session.run
    assert dock.plot.isVisible() and on_screen(dock.plot)
    assert dock.drawn_iteration == session.iteration
    assert dock.values.shape == (100, 100) and np.isfinite(dock.values).all()
    for r, c in ((0, 0), (99, 99)):
        weights = [np.array(W) for W in session.cursor.weights()]
        (la, ra, ca), (lb, rb, cb) = dock.pair
        weights[la][ra, ca] = dock.grid_a[c]
        weights[lb][rb, cb] = dock.grid_b[r]
        expected = loss_value(forward(run.X, weights, run.activations)[-1], run.Y, run.loss)
        assert dock.image.image[r, c] == pytest.approx(expected, rel=1e-9)


def test_tabbed_away_docks_wait_for_their_tab(qtbot, window):
    surface, prediction = window.docks["LossSurfaceDock"], window.docks["PredictionDock"]
    assert not on_screen(surface) and not on_screen(prediction)
    assert surface.plot is None and surface.computations == 0
    assert not prediction.built and prediction.truth_outputs is None
    window.session.run.train(50)
    window.session.cursor.seek(50)
    surface.raise_()  # what clicking its tab does
    qtbot.waitUntil(lambda: surface.drawn_iteration == 50)
    assert_map_shows_the_loss(surface)
    assert "at iteration 50" in surface.caption.text()
    prediction.raise_()
    qtbot.waitUntil(lambda: prediction.shown_iteration == 50)
    assert prediction.built and prediction.table.isVisible() and on_screen(prediction.table)
    outputs = forward(prediction.truth_inputs, window.session.cursor.weights(),
                      window.session.run.activations)[-1]
    np.testing.assert_allclose(prediction.truth_outputs, outputs)
    assert prediction.table.rowCount() == 8  # every binary input of x1, x2, x3
    n = window.session.run.X.shape[1]
    assert [float(prediction.table.item(r, n).text()) for r in range(8)] == pytest.approx(
        outputs[:, 0], abs=1e-8)


def test_the_decision_map_is_made_when_the_dataset_tab_is_shown(qtbot, window):
    session, dock = window.session, window.docks["DatasetDock"]
    m = dock.decision_map
    assert not on_screen(dock) and m.plot is None and m.draw_count == 0
    session.run.train(30)
    session.cursor.seek(30)
    dock.raise_()
    qtbot.waitUntil(lambda: m.drawn_iteration == 30)
    assert m.plot.isVisible() and on_screen(m.plot) and "iteration 30" in (
        m.plot.getPlotItem().titleLabel.text)
    weights = session.cursor.weights()
    for i, j in ((0, 0), (40, 21)):
        x = np.array([[m.xs[i], m.ys[j], 1.0]])
        expected = forward(x, weights, session.run.activations)[-1][0, 0]
        assert m.image.image[i, j] == pytest.approx(expected, abs=1e-12)
    xs, ys = m.points.getData()
    np.testing.assert_array_equal(xs, session.run.X[:, 0])
    np.testing.assert_array_equal(ys, session.run.X[:, 1])


def test_a_dock_hidden_and_shown_from_the_view_menu_draws_when_in_front(qtbot, window):
    surface = window.docks["LossSurfaceDock"]
    surface.toggleViewAction().trigger()  # hide it...
    assert not surface.isVisible()
    surface.toggleViewAction().trigger()  # ...and show it again: back as a tab behind
    qtbot.waitUntil(lambda: surface.isVisible())
    assert not on_screen(surface) and surface.computations == 0
    surface.raise_()
    qtbot.waitUntil(lambda: surface.drawn_iteration == 0)
    assert_map_shows_the_loss(surface)


def test_a_saved_layout_with_the_map_in_front_draws_it_first(qtbot, open_window):
    first = open_window()
    first.docks["LossSurfaceDock"].raise_()
    qtbot.waitUntil(lambda: first.docks["LossSurfaceDock"].drawn_iteration == 0)
    first.close()
    second = open_window()
    surface, inspector = second.docks["LossSurfaceDock"], second.docks["InspectorDock"]
    assert on_screen(surface) and not on_screen(inspector)
    qtbot.waitUntil(lambda: surface.drawn_iteration == 0)
    assert_map_shows_the_loss(surface)


def test_a_saved_layout_with_the_prediction_dock_apart_builds_it_at_once(qtbot, open_window):
    first = open_window()
    first.addDockWidget(Qt.RightDockWidgetArea, first.docks["PredictionDock"])  # dragged
    first.close()
    second = open_window()
    prediction = second.docks["PredictionDock"]
    assert second.dockWidgetArea(prediction) == Qt.RightDockWidgetArea
    qtbot.waitUntil(lambda: prediction.shown_iteration == 0)
    assert prediction.built and on_screen(prediction.table)
    assert prediction.table.rowCount() == 8 and prediction.input_edit.isVisible()


def test_every_dock_is_named_in_one_convention(window):
    """saveState/restoreState find docks by objectName: snake_case ending in _dock."""
    from PySide6.QtWidgets import QDockWidget

    names = sorted(d.objectName() for d in window.findChildren(QDockWidget))
    assert names == ["architecture_dock", "code_dock", "confusion_dock", "dataset_dock",
                     "gradient_flow_dock", "inspector_dock", "loss_surface_dock", "plots_dock",
                     "prediction_dock", "snapshots_dock", "sweep_dock"]


def test_every_tab_title_shows_whole(window):
    """An area with more tabs than fit scrolls its tab bar rather than cut titles short
    ("Code", not "C…")."""
    bars = window.findChildren(QTabBar)
    assert bars
    for bar in bars:
        assert bar.elideMode() == Qt.TextElideMode.ElideNone and bar.usesScrollButtons()
    titles = {bar.tabText(i) for bar in bars for i in range(bar.count())}
    assert {"Code", "Sweep", "Backprop inspector"} <= titles
