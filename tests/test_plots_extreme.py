"""Any finite data the loaders accept reaches the plots with finite ranges, and
without an exception or a Qt warning: huge and tiny values, all-equal columns, one
row, losses and weight norms that overflow in float arithmetic. (pytest-qt fails a
test on an exception in a slot or a paint, and on a Qt warning.)"""

import numpy as np
import pytest

from gui.plots.plot_ranges import MAX_SHOWN
from gui.plots.plot_series import LOSS, CurveKey
from gui.plots.plots_view import PlotsView

BIT = [[0.0, 0, 1], [1, 1, 1], [1, 0, 1], [0, 1, 1]]
DATA = {
    "inputs of +-1e308": dict(X=[[1e308, 1e308, 1], [-1e308, 0, 1]], Y=[[1], [0]]),
    "targets of +-1e308, linear output: the loss is inf at once":
        dict(X=BIT[:2], Y=[[1e308], [-1e308]], activations=["linear"]),
    "targets of +-1e308, sigmoid output": dict(X=BIT[:2], Y=[[1e308], [-1e308]]),
    "targets of +-1e150, linear: a loss near 1e300, then divergence":
        dict(X=BIT[:2], Y=[[1e150], [-1e150]], activations=["linear"]),
    "1e-308 everywhere, one row": dict(X=[[1e-308, 1e-308, 1e-308]], Y=[[1e-308]]),
    "all-equal columns": dict(X=[[1.0, 1, 1]] * 4, Y=[[1.0]] * 4),
    "one row": dict(X=[[0.0, 0, 0]], Y=[[-1e308]]),
    "subnormal targets, linear": dict(X=BIT, Y=[[5e-324]] * 4, activations=["linear"]),
}


@pytest.fixture
def view(make_view):
    return make_view(PlotsView, size=(600, 800))


def assert_finite_and_drawn(view):
    view.refresh()
    view.graphics.grab()  # paints, as the screen would: no warning, no exception
    for name, plot in view.plot_items.items():
        ranges = np.array(plot.vb.viewRange())
        assert np.isfinite(ranges).all() and np.abs(ranges).max() < 1e307, (name, ranges)
        assert ranges[0, 1] > ranges[0, 0] and ranges[1, 1] > ranges[1, 0], name
    for key, curve in view.curves.items():
        x, y = curve.getData()
        assert np.isfinite(x).all() and np.isfinite(y).all(), key


@pytest.mark.parametrize("case", DATA)
def test_extreme_data_reaches_the_plots(view, case, train):
    session = view.session
    arrays = {k: np.array(v, dtype=float) if k in "XY" else v for k, v in DATA[case].items()}
    session.new_run(dataset_name=case, **arrays)
    train(session, 50)
    assert_finite_and_drawn(view)
    run = session.run
    # What is finite is drawn: the last finite loss, the outputs, and the targets in view.
    finite = np.flatnonzero(np.isfinite(run.losses))
    x, y = view.curves[LOSS].getData()
    if len(finite):
        assert x[-1] == finite[-1] and y[-1] == run.losses[finite[-1]]
    else:
        assert len(x) == 0  # diverged at once: nothing to draw, and nothing raised
        assert view.plot_items["loss"].vb.viewRange()[1] == pytest.approx([-0.08, 1.08])
    x, y = view.curves[CurveKey.output_line(0, 0)].getData()
    assert x[-1] == run.newest and y[-1] == run.outputs[run.newest, 0, 0]
    low, high = view.plot_items["outputs"].vb.viewRange()[1]
    for target in run.Y[:, 0]:
        assert low <= np.clip(target, -MAX_SHOWN, MAX_SHOWN) <= high
    # "View All" in a plot's menu, and the "A" button, use pyqtgraph's auto-range.
    for plot in view.plot_items.values():
        plot.vb.autoRange()
        assert np.isfinite(plot.vb.viewRange()).all()
        plot.vb.enableAutoRange()
    view.graphics.grab()  # pyqtgraph fits the ranges to the lines' bounds before painting
    for name, plot in view.plot_items.items():
        assert np.isfinite(plot.vb.viewRange()).all(), name
    assert_finite_and_drawn(view)
    # Zoomed in by hand: values far off the view are drawn a finite way off it.
    view.plot_items["outputs"].vb.setYRange(0, 1, padding=0)
    view.plot_items["loss"].vb.setYRange(0, 1e-300, padding=0)
    assert_finite_and_drawn(view)
    view.set_log_x(True)
    assert_finite_and_drawn(view)


def test_weight_norms_do_not_overflow(view):
    session = view.session
    session.new_run(layer_sizes=[3, 8, 8, 1])  # one line per layer: the norm of its weights
    session.cursor.set_weight(0, 2, 5, 1e200)  # its square overflows; the norm does not
    assert_finite_and_drawn(view)
    _, y = view.curves[CurveKey.weight_line("‖W1‖")].getData()
    assert y[-1] == pytest.approx(1e200)
    session.cursor.set_weight(1, 0, 0, -1.5e308)
    session.cursor.set_weight(1, 7, 7, 1.5e308)  # even the norm is beyond float: not drawn
    assert_finite_and_drawn(view)
    assert len(view.curves[CurveKey.weight_line("‖W2‖")].getData()[0]) == 0


class FinishedRun:
    def __init__(self, losses):
        self.losses = np.asarray(losses, dtype=float)
        self.accuracies = np.zeros(len(losses))
        self.newest = len(losses) - 1


def test_a_ghost_with_huge_losses_keeps_the_ranges_finite(view, train):
    session = view.session
    old = FinishedRun([1e308, 1e300, 1e-308, 0.0, 1.7e308] * 5)
    view.ghosts.replaced(old, session.cursor.config, session.run, session.cursor.config)
    train(session, 30)
    assert_finite_and_drawn(view)
    low, high = view.plot_items["loss"].vb.viewRange()[1]
    assert high >= MAX_SHOWN  # as high as a range can go
    view.plot_items["loss"].vb.setYRange(0, 1, padding=0)
    assert_finite_and_drawn(view)
    _, y = view.ghosts.entries[0].curves[1].getData()
    assert np.isfinite(y).all() and y.max() < 1e5  # drawn a finite way off the view
