"""The Sweep dock, driven as a learner drives it: type the seeds, rates and
iterations, press Run sweep, read the table and the plots, click a run to open it in
the timeline, cancel, export."""

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt

from gui.docks.sweep_dock import FIRST_CHUNK
from gui.docks.sweep_plots import curves_path
from gui.docks.sweep_table import COLUMNS, SweepTableModel
from nncore import Run, builtin
from nncore.sweep import Sweep


@pytest.fixture
def dock(window, qtbot):
    X, Y = builtin("xor")
    window.session.new_run(dataset_name="xor", X=X, Y=Y, layer_sizes=[3, 2, 1],
                           activations=["sigmoid", "sigmoid"])
    sweep_dock = window.docks["SweepDock"]
    sweep_dock.raise_()
    qtbot.waitUntil(lambda: sweep_dock.built)  # a tab builds itself when first shown
    return sweep_dock


def run_sweep(qtbot, type_text, dock, seeds, rates, iterations):
    for field, text in ((dock.seeds, seeds), (dock.rates, rates),
                        (dock.iterations, iterations)):
        type_text(field, text)
    qtbot.mouseClick(dock.start_button, Qt.LeftButton)
    assert dock.job is not None
    qtbot.waitUntil(lambda: not dock.job.running, timeout=60_000)
    assert dock.job.outcome == "done"


def click_row(qtbot, dock, row):
    dock.tabs.setCurrentWidget(dock.table)
    qtbot.waitUntil(dock.table.isVisible)
    rect = dock.table.visualRect(dock.model.index(row, 2))
    qtbot.mouseClick(dock.table.viewport(), Qt.LeftButton, pos=rect.center())


def test_a_seed_sweep_shows_every_run(qtbot, type_text, dock):
    run_sweep(qtbot, type_text, dock, "0-39", "1", "400")
    swept = dock.sweep
    assert swept.runs == 40 and list(swept.seeds) == list(range(40))
    assert dock.model.rowCount() == 40
    assert [dock.cell(r, 0) for r in range(40)] == list(range(40))
    for row in (0, 17):
        alone = Run(swept.X, swept.Y, [3, 2, 1], seed=row)
        alone.train(400)
        assert dock.cell(row, 2) == alone.losses[400]
        assert dock.cell(row, 3) == alone.accuracies[400]
        assert dock.cell(row, 4) is None and dock.cell(row, 6) is None
    x, y = dock.plots.curve_item.getData()
    want_x, want_y = curves_path(swept.recorded, swept.curves["loss"])
    assert np.array_equal(x, want_x, equal_nan=True)
    assert np.array_equal(y, want_y, equal_nan=True)
    alone = Run(swept.X, swept.Y, [3, 2, 1], seed=5)
    alone.train(400)
    per_run = y.reshape(40, -1)[5, :-1]
    assert np.array_equal(per_run, alone.losses[x.reshape(40, -1)[5, :-1].astype(int)])
    edges, counts, solved = dock.plots.histogram
    assert counts.sum() == 40 and solved.sum() == swept.solved().sum()
    n_solved = int(swept.solved().sum())
    assert 0 < n_solved < 40
    assert (f"{n_solved} of 40 ({int(1000 * n_solved / 40) / 10:.1f}%) solved it"
            in dock.status.text())
    assert dock.status.text().startswith("40 runs (40 seeds × 1 learning rate, 400 iterations")


def test_clicking_a_sorted_row_opens_that_run_in_the_timeline(qtbot, type_text, dock, window):
    run_sweep(qtbot, type_text, dock, "0-19", "0.5,2", "300")
    header = dock.table.horizontalHeader()
    qtbot.mouseClick(header.viewport(), Qt.LeftButton,
                     pos=header.rect().topLeft() + QPoint(header.sectionViewportPosition(2) + 5, 5))
    if header.sortIndicatorOrder() != Qt.AscendingOrder:  # Qt may start a column descending
        qtbot.mouseClick(header.viewport(), Qt.LeftButton, pos=header.rect().topLeft()
                         + QPoint(header.sectionViewportPosition(2) + 5, 5))
    losses = [dock.cell(r, 2) for r in range(40)]
    assert losses == sorted(losses)  # the best final loss first
    seed, rate = dock.cell(0, 0), dock.cell(0, 1)
    click_row(qtbot, dock, 0)
    run = window.session.cursor.run
    assert run is dock.opened and (run.seed, run.learning_rate) == (seed, rate)
    assert window.session.iteration == run.newest == 300
    alone = Run(dock.sweep.X, dock.sweep.Y, [3, 2, 1], learning_rate=rate, seed=seed)
    alone.train(300)
    for shown, want in zip(run.weights_at(300), alone.weights_at(300), strict=True):
        assert np.array_equal(shown, want)
    i = dock.run_of_row(0)
    assert np.array_equal(np.concatenate([W.ravel() for W in run.weights_at(300)]),
                          dock.sweep.final_rows[i])
    assert f"seed {seed}, lr {rate:g} at iteration 300" in dock.status.text()


def test_a_learning_rate_sweep_plots_loss_against_rate_and_opens_a_point(
        qtbot, type_text, dock, window):
    X, Y = builtin("xor")
    window.session.new_run(dataset_name="xor", X=X, Y=Y, layer_sizes=[3, 4, 1],
                           activations=["tanh", "linear"])
    run_sweep(qtbot, type_text, dock, "1,2,3", "0.01,0.1,3", "200")
    swept = dock.sweep
    diverged = swept.diverged_at >= 0
    assert diverged.any() and not diverged.all()  # the largest rate blows up
    for item, which in ((dock.plots.points, ~diverged), (dock.plots.diverged_points, diverged)):
        x, y = item.getData()
        assert np.allclose(x, np.log10(swept.learning_rates[which]))  # log axes
        assert np.allclose(y, np.log10(np.maximum(swept.final["loss"][which], 1e-300)))
    rows = {dock.run_of_row(r): r for r in range(swept.runs)}
    i = int(np.flatnonzero(diverged)[0])
    assert dock.cell(rows[i], 6) == swept.diverged_at[i]
    for item in (dock.plots.points, dock.plots.diverged_points):
        spot = item.scatter.points()[-1]
        item.sigPointsClicked.emit(item, [spot], None)
        j = int(spot.data())
        run = window.session.cursor.run
        assert (run.seed, run.learning_rate) == (int(swept.seeds[j]), swept.learning_rates[j])
        assert run.newest == swept.last_iteration[j]
        assert run.diverged_at == swept.diverged(j)


def test_clicking_a_curve_opens_that_run_and_a_click_beside_every_curve_does_not(
        qtbot, type_text, dock, window):
    run_sweep(qtbot, type_text, dock, "0-39", "1", "400")
    swept, curves = dock.sweep, dock.plots.curves
    dock.tabs.setCurrentWidget(curves)
    qtbot.waitUntil(curves.isVisible)
    j = len(swept.recorded) // 2
    losses = swept.curves["loss"][j]
    spacing = np.diff(np.sort(losses))  # the run farthest from its neighbours at j
    lone = np.argsort(losses)[int(np.argmax(np.minimum(np.r_[np.inf, spacing],
                                                       np.r_[spacing, np.inf])))]
    view = curves.getPlotItem().getViewBox()
    qtbot.waitUntil(lambda: view.viewRange()[0][1] >= swept.recorded[-1])  # ranged on the data

    def click(x, y):
        where = curves.mapFromScene(view.mapViewToScene(QPointF(float(x), float(y))))
        qtbot.mouseClick(curves.viewport(), Qt.LeftButton, pos=where)

    before = window.session.cursor.run
    top = view.viewRange()[1][1]
    click(swept.recorded[j], losses.max() + 0.5 * (top - losses.max()))  # above every curve
    assert window.session.cursor.run is before and dock.opened is None
    click(swept.recorded[j], losses[lone])
    run = window.session.cursor.run
    assert run is dock.opened and run.seed == swept.seeds[lone]
    assert run.newest == 400


def test_cancel_keeps_the_previous_results(qtbot, type_text, dock):
    run_sweep(qtbot, type_text, dock, "0-4", "1", "100")
    before = dock.sweep
    type_text(dock.seeds, "0-999")
    type_text(dock.iterations, "100000")
    qtbot.mouseClick(dock.start_button, Qt.LeftButton)
    assert dock.job.running and not dock.start_button.isEnabled()
    qtbot.mouseClick(dock.cancel_button, Qt.LeftButton)
    assert dock.job.outcome == "cancelled"
    assert dock.sweep is before and dock.model.rowCount() == 5
    assert dock.start_button.isEnabled() and not dock.cancel_button.isEnabled()
    assert "cancelled; the previous results are still shown" in dock.status.text()


@pytest.mark.parametrize("field, text, said", [
    ("seeds", "5-2", "seeds: the range '5-2' ends before it starts"),
    ("rates", "0", "learning_rates: '0'"),
    ("iterations", "1_0", "iterations: expected a whole number"),
    ("seeds", "0-20000", "seeds: 20001 seeds is more than a sweep may train"),
])
def test_a_bad_field_is_said_and_nothing_starts(qtbot, type_text, dock, field, text, said):
    type_text(getattr(dock, field), text)
    qtbot.mouseClick(dock.start_button, Qt.LeftButton)
    assert dock.job is None and dock.sweep is None
    assert said in dock.status.text()


def test_export_writes_one_line_per_run(qtbot, type_text, dock, tmp_path):
    run_sweep(qtbot, type_text, dock, "3,4,5", "1,2", "50")
    path = tmp_path / "sweep.csv"
    assert dock.export_csv(str(path))
    lines = path.read_text().splitlines()
    assert len(lines) == 7 and lines[1].startswith("3,1.0,50,")
    assert not dock.export_csv(str(tmp_path))  # a folder: refused, said
    assert "Not exported" in dock.status.text()


def test_the_sweep_uses_the_network_on_screen(qtbot, type_text, dock, window):
    run_sweep(qtbot, type_text, dock, "1", "1", "10")
    config = window.session.cursor.config
    assert dock.sweep.layer_sizes == config.layer_sizes == [3, 2, 1]
    direct = Sweep.grid(config.X, config.Y, [3, 2, 1], seeds=[1], iterations=10,
                        exact=True).train()
    assert np.array_equal(direct.final_rows, dock.sweep.final_rows)


def test_closing_the_window_ends_a_sweep_in_progress(qtbot, type_text, dock, window):
    type_text(dock.seeds, "0-999")
    type_text(dock.iterations, "100000")
    qtbot.mouseClick(dock.start_button, Qt.LeftButton)
    job = dock.job
    assert job.running
    window.close()
    assert job.outcome == "cancelled" and not job.timer.isActive()


def test_the_table_sorts_every_column_as_its_cells_read(qtbot):
    X, Y = builtin("xor")
    swept = Sweep.grid(X, Y, [3, 4, 1], ["tanh", "linear"], seeds=[7, 3, 5],
                       learning_rates=[0.01, 3.0], iterations=200, exact=True).train()
    assert ((swept.diverged_at >= 0).any() and (swept.diverged_at < 0).any())
    model = SweepTableModel()
    model.show(swept)
    for column in range(len(COLUMNS)):
        cells = [model.value(i, column) for i in range(swept.runs)]
        keys = [-np.inf if c is None else c for c in cells]  # empty cells first, ascending
        for order, descending in ((Qt.AscendingOrder, False), (Qt.DescendingOrder, True)):
            model.sort(column, order)
            shown = [model.index(r, column).data() for r in range(swept.runs)]
            assert [-np.inf if c is None else c for c in shown] == sorted(keys,
                                                                           reverse=descending)
            assert sorted(model.order.tolist()) == list(range(swept.runs))
            assert all(model.value(int(i), column) == shown[r]
                       for r, i in enumerate(model.order))
    model.sort(0, Qt.AscendingOrder)
    assert [model.index(r, 0).data() for r in range(6)] == [3, 3, 5, 5, 7, 7]
    assert [model.index(r, 1).data() for r in range(6)] == [0.01, 3.0] * 3  # stable


def test_the_results_appear_in_the_jobs_last_steps_one_piece_each(qtbot, type_text, dock):
    for field, text in ((dock.seeds, "0-9"), (dock.rates, "1"), (dock.iterations, "16")):
        type_text(field, text)
    dock.clock = lambda: 0.0  # no time passes: every chunk stays FIRST_CHUNK iterations
    job = dock.start()

    def step():
        job.timer.stop()  # driven here, not by the event loop
        job.advance()
        return job.progress

    assert step() == (0, 16)  # the initial weights (10 seeds: one block)
    assert step() == (FIRST_CHUNK, 16) and step() == (16, 16)
    assert dock.sweep is None and dock.model.rowCount() == 0
    assert dock.plots.curve_item.getData()[0] is None
    assert step() == (16, 16)  # the status and the table
    swept = dock.sweep
    assert swept.done == 16 and dock.model.rowCount() == 10 and not dock.cancel_button.isEnabled()
    assert dock.status.text().startswith("10 runs (10 seeds")
    assert dock.plots.curve_item.getData()[0] is None and dock.plots.points.getData()[0] is None
    step()  # the loss curves
    want_x, _ = curves_path(swept.recorded, swept.curves["loss"])
    assert np.array_equal(dock.plots.curve_item.getData()[0], want_x, equal_nan=True)
    assert dock.plots.points.getData()[0] is None
    dock.cancel()  # too late to cancel: the results are being drawn
    assert job.running
    step()  # the rate plot
    assert len(dock.plots.points.getData()[0]) == int((swept.diverged_at < 0).sum())
    assert dock.plots.histogram[1].sum() == 0
    with qtbot.waitSignal(dock.sigSweepShown, timeout=1000):
        step()  # the histogram, and the job ends
    assert job.outcome == "done" and dock.plots.histogram[1].sum() == 10
    assert dock.start_button.isEnabled() and not dock.progress.isVisible()
