"""Finite but extreme data reaches every view (RELIABILITY 30): the decision map, the
loss surface, the diagram, the inspector and the prediction dock draw it with finite
ranges, colour scales and grids, and with numbers that fit, and never raise.

Each dataset is imported the way a learner does it (Dataset ▸ Import CSV…), then
each dock is brought to the front while the learner presses → and scrubs the
timeline. pytest-qt fails a test whose slot or paint raises, and numpy's warnings
are errors in the suite, so an overflow anywhere in a view fails too.
"""

import math

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import QStyle

import gui.docks.dataset.dataset_dock
import gui.file_actions
from gui.diagram.node_text import fit_value, value_room
from nncore import Run, save_snapshot

BIG = "1.7976931348623157e308"  # the largest finite float
CSVS = {
    "the issue's ±1e308": "x1,x2,x3,y\n1e308,1e308,1,1\n-1e308,0,1,0\n",
    "the whole float range": f"{BIG},-{BIG},1,1\n-{BIG},{BIG},1,0\n",
    "1e-308": "1e-308,2e-308,1,1\n2e-308,1e-308,1,0\n",
    "denormals": "5e-324,0,1,1\n0,1e-320,1,0\n",
    "a tiny span far from 0": "1000000,1,1,1\n1000000.000001,1.0000000000000002,1,0\n",
    "huge and tiny mixed": "1e308,1e-308,1,1\n-1e-308,-1e308,1,0\n0,0,1,1\n",
    "all-equal columns": "1,1,1,1\n1,1,1,0\n",
    "a single row": "1e308,-1e308,1,1\n",
    "a single input column": f"{BIG},1\n-{BIG},0\n",
    "targets at the range ends": "0,0,1,0\n1,1,1,1\n0,1,1,1\n1,0,1,0\n",
}


@pytest.fixture
def window(open_window, warned):
    """The window at 1280 x 760; a file it refuses shows up in ``window.refused``."""
    w = open_window()
    w.resize(1280, 760)
    w.refused = warned
    return w


def import_csv(window, qtbot, monkeypatch, tmp_path, text):
    """Import ``text`` as the issue did: with the decision map on screen, showing the
    data before (4 points, then 2 or 3: the brushes must follow)."""
    path = tmp_path / "data.csv"
    path.write_text(text)
    monkeypatch.setattr(gui.docks.dataset.dataset_dock.QFileDialog, "getOpenFileName",
                        lambda *a, **k: (str(path), ""))
    dock = window.docks["DatasetDock"]
    dock.raise_()
    if dock.decision_map.columns is not None:
        qtbot.waitUntil(lambda: dock.decision_map.drawn_iteration is not None)
    assert dock.import_button.isEnabled()
    dock.import_button.click()
    assert window.refused == []
    return dock


def press_right(window, qtbot, times=3):
    for _ in range(times):
        qtbot.keyClick(window.transport.timeline, Qt.Key_Right)


def finite_range(view_box):
    (x0, x1), (y0, y1) = view_box.viewRange()
    return all(math.isfinite(v) for v in (x0, x1, y0, y1)) and x0 < x1 and y0 < y1


def check_decision_map(window, qtbot):
    m = window.docks["DatasetDock"].decision_map
    run, k = window.session.run, window.session.iteration
    if m.columns is None:
        assert m.hint.isVisible() and "exactly two inputs that vary" in m.hint.text()
        return
    qtbot.waitUntil(lambda: m.drawn_iteration == k)
    item = m.plot.getPlotItem()
    assert finite_range(item.vb)
    assert np.isfinite(m.xs).all() and np.isfinite(m.ys).all()
    assert np.isfinite(m.grid_inputs).all()
    image = m.image.image
    assert np.isfinite(image).all() and image.min() >= 0 and image.max() <= 1
    # One point, with its own brush, per sample, placed inside the plane.
    assert len(m.points.data) == len(run.X)
    assert [p.brush().color().name() for p in m.points.points()] == [
        "#0072b2" if y > 0.5 else "#e66100" for y in run.Y[:, 0]]
    (x0, x1), (y0, y1) = item.vb.viewRange()
    xs, ys = m.points.getData()
    assert ((x0 <= xs) & (xs <= x1) & (y0 <= ys) & (ys <= y1)).all()
    for side, column in zip(("bottom", "left"), m.columns, strict=True):
        assert item.getAxis(side).labelText.startswith(f"x{column + 1}")


def check_loss_surface(window, qtbot):
    dock = window.docks["LossSurfaceDock"]
    dock.raise_()
    if window.session.run.n_params < 2:
        qtbot.waitUntil(lambda: "single weight" in dock.caption.text())
        return
    k = window.session.iteration
    qtbot.waitUntil(lambda: dock.drawn_iteration == k)
    assert finite_range(dock.plot.getPlotItem().vb)
    assert np.isfinite(dock.grid_a).all() and np.isfinite(dock.grid_b).all()
    low, high = dock.colorbar.levels()
    assert math.isfinite(low) and math.isfinite(high) and low < high
    assert np.isfinite(dock.image.image).all()
    for line in (dock.path_line, dock.now_marker):
        xs, ys = line.getData()
        assert np.isfinite(xs).all() and np.isfinite(ys).all()


def check_node_texts_fit(window):
    item = window.network_view.item
    if not item.show_values:  # nodes too small for numbers: the tooltips have them
        assert all(label[3] == "" for label in window.network_view.node_labels())
        return
    for layer in item.node_texts:
        for text in layer:
            font, shown, width = fit_value(text, item.radius)
            assert width <= value_room(font, item.radius), (text, shown)


def check_inspector_cells_fit(window, qtbot):
    dock = window.docks["InspectorDock"]
    dock.raise_()
    k = window.session.iteration
    qtbot.waitUntil(lambda: dock.shown is not None and dock.shown.iteration == k)
    table, model = dock.table, dock.model
    # Qt's item views leave this margin each side of a cell's text, and elide beyond it.
    margin = table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None,
                                       table) + 1
    for c in range(model.columnCount()):
        for r in range(model.rowCount()):
            index = model.index(r, c)
            text = model.data(index, Qt.ItemDataRole.DisplayRole)
            font = model.data(index, Qt.ItemDataRole.FontRole) or table.font()
            room = table.columnWidth(c) - 2 * margin
            assert QFontMetricsF(font).horizontalAdvance(text) <= room, text
    for key, label in dock.summary_values.items():
        assert label.fontMetrics().horizontalAdvance(label.text()) <= label.width(), key


@pytest.mark.parametrize("name", CSVS)
def test_every_view_draws_finite_extreme_data(window, qtbot, monkeypatch, tmp_path, name):
    import_csv(window, qtbot, monkeypatch, tmp_path, CSVS[name])
    press_right(window, qtbot)
    check_decision_map(window, qtbot)
    check_node_texts_fit(window)
    check_inspector_cells_fit(window, qtbot)
    check_loss_surface(window, qtbot)
    window.docks["PredictionDock"].raise_()
    qtbot.keyClick(window.transport.timeline, Qt.Key_Home)  # scrub back
    press_right(window, qtbot, 1)
    check_node_texts_fit(window)
    window.docks["DatasetDock"].raise_()
    check_decision_map(window, qtbot)
    window.grab()
    assert window.refused == []


def open_snapshot(window, monkeypatch, tmp_path, run):
    path = tmp_path / "run.json"
    save_snapshot(path, run, 0, dataset_name="extreme")
    monkeypatch.setattr(gui.file_actions.QFileDialog, "getOpenFileName",
                        lambda *a, **k: (str(path), ""))
    window.action_open.trigger()
    assert window.refused == [] and window.session.run.newest == 0


def huge_weights():
    """Weights of ±1e300 (a file may hold any finite weight): the sums overflow."""
    X = np.array([[0.0, 0.0, 1.0], [1.0, 1.0, 1.0], [1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    Y = np.array([[0.0], [1.0], [1.0], [0.0]])
    weights = [np.array([[1e300, -1e300], [-1e300, 3.0], [0.5, 1e300]]),
               np.array([[1e300], [-1e300]])]
    return Run(X, Y, [3, 2, 1], ["tanh", "sigmoid"], initial_weights=weights)


def diverging_wide_net():
    """A wide linear net with a large η: every weight grows until the run diverges."""
    X = np.array([[0.0, 0.0, 1.0], [1.0, 1.0, 1.0], [1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    Y = np.array([[0.0], [1.0], [1.0], [0.0]])
    return Run(X, Y, [3, 40, 40, 1], ["linear"] * 3, learning_rate=0.5, seed=2)


@pytest.mark.parametrize("make_run", [huge_weights, diverging_wide_net])
def test_every_view_draws_extreme_weights_and_losses(window, qtbot, monkeypatch, tmp_path,
                                                    make_run):
    open_snapshot(window, monkeypatch, tmp_path, make_run())
    window.docks["DatasetDock"].raise_()
    for _ in range(40):  # press → until the run diverges (each press trains one step)
        if not window.action_step.isEnabled():
            break
        qtbot.keyClick(window.transport.timeline, Qt.Key_Right)
    check_decision_map(window, qtbot)
    check_node_texts_fit(window)
    check_inspector_cells_fit(window, qtbot)
    check_loss_surface(window, qtbot)
    qtbot.keyClick(window.transport.timeline, Qt.Key_Left)
    check_loss_surface(window, qtbot)
    window.grab()
    assert window.refused == []


def test_a_linear_output_whose_loss_overflows(window, qtbot, monkeypatch, tmp_path):
    """Outputs near 1e300 and targets of ±1e300: the squared error is inf from the start."""
    window.session.new_run(layer_sizes=[3, 4, 1], activations=["linear", "linear"],
                           learning_rate=1e-3)
    import_csv(window, qtbot, monkeypatch, tmp_path,
               "1e300,-1e300,1,1e300\n-1e300,1e300,1,-1e300\n1e300,1e300,1,0\n")
    run = window.session.run
    assert run.activations == ["linear", "linear"] and not np.isfinite(run.losses[0])
    qtbot.keyClick(window.transport.timeline, Qt.Key_Right)
    check_decision_map(window, qtbot)
    check_node_texts_fit(window)
    check_inspector_cells_fit(window, qtbot)
    check_loss_surface(window, qtbot)
    window.grab()
    assert window.refused == []
