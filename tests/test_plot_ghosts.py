"""Earlier runs' faint curves never take the plots over: the iteration axis follows
the run shown and the ghosts are clipped to it; their keys tell runs apart and fit
above their plots."""

import numpy as np
import pytest

from gui.plots.pg_compat import text_item
from gui.plots.plot_ghosts import GHOST_BUCKETS
from gui.plots.plots_view import PlotsView
from nncore.datasets import builtin
from nncore.snapshot import load_snapshot, save_snapshot


@pytest.fixture
def view(make_view):
    return make_view(PlotsView, size=(600, 800))


def x_range(view):
    return view.plot_items["loss"].vb.viewRange()[0]


def ghost_data(view, index=-1, plot=1):
    x, y = view.ghosts.entries[index].curves[plot].getData()
    return np.asarray(x), np.asarray(y)


class FinishedRun:
    """What the plots keep of a run that ran ``n`` iterations: its accuracy and loss
    (a loss of 10^6 at ``spike_at``, far above the others)."""

    def __init__(self, n, spike_at=None):
        k = np.arange(n + 1)
        self.newest, self.accuracies = n, np.minimum(k / 50, 1.0)
        self.losses = 0.5 / (1 + k / 100)
        if spike_at is not None:
            self.losses[spike_at] = 1e6


def test_a_million_iteration_ghost_leaves_the_axis_to_the_new_run(view, train):
    session = view.session
    old = FinishedRun(1_000_000, spike_at=500_000)
    # As if the run shown before this one had run for 10^6 iterations.
    view.ghosts.replaced(old, session.cursor.config, session.run, session.cursor.config)
    train(session, 495)
    view.refresh()
    assert x_range(view) == [-0.5, 600]  # 495 iterations and room to grow: the run fills it
    for plot in view.plot_items.values():  # the outputs and weights too (linked)
        assert plot.vb.viewRange()[0] == [-0.5, 600]
    x, y = ghost_data(view)
    # Clipped to the axis (iterations 0..600, one point past its edge), every point kept.
    assert np.array_equal(x, np.arange(602)) and np.array_equal(y, old.losses[:602])
    _, (low, high) = view.plot_items["loss"].vb.viewRange()
    assert high < 1  # the spike at 500,000 is far off the axis: it does not set the range
    assert low < min(session.run.losses.min(), y.min()) and high > 0.5
    view.set_log_x(True)
    assert x_range(view)[1] <= np.log10(601) + 1e-9
    x, _ = ghost_data(view)
    assert x.max() <= np.log10(603) + 1e-9  # a point past the edge, as on a linear axis


def test_a_run_that_diverged_at_33_fills_the_axis_beside_long_ghosts(view, train):
    session = view.session
    train(session, 20_000)  # a real long run, through the session
    session.new_run(seed=2)
    train(session, 495)
    view.refresh()
    assert x_range(view) == [-0.5, 600]
    x, _ = ghost_data(view)
    assert x.max() == 601
    session.new_run(activations=["linear"], learning_rate=8000.0)
    train(session, 100)
    view.refresh()
    assert session.run.diverged_at == 33 and session.run.newest == 32
    assert x_range(view) == [-0.5, 40]
    for index in (0, 1):
        for plot in (0, 1):
            x, _ = ghost_data(view, index, plot)
            assert x.max() <= 41, (index, plot)
    # "View All" and the "A" button use pyqtgraph's auto-range: it ignores the ghosts too.
    view.plot_items["loss"].vb.autoRange(padding=0)
    assert x_range(view)[1] <= 40


def test_a_reopened_file_is_told_apart_from_the_run_it_was_saved_from(view, tmp_path, train):
    session = view.session
    train(session, 300)
    save_snapshot(tmp_path / "run.json", session.run, 300, "tutorial")
    for expected in (["this run", "earlier run, same settings"],
                     ["this run (run 3)", "run 2, same settings", "run 1, same settings"]):
        run, k = load_snapshot(tmp_path / "run.json")
        session.set_run(run, k, run.dataset_name)  # as File > Open does
        assert view.keys["loss"] == expected  # the file spells out sigmoid: same settings


def test_datasets_of_one_name_and_close_rates_get_different_labels(view, train):
    session = view.session
    X, Y = builtin("tutorial")
    train(session, 20)
    session.new_run(dataset_name="data.csv", X=X[:3], Y=Y[:3])
    train(session, 20)
    session.new_run(dataset_name="data.csv", X=X[1:], Y=Y[1:])
    assert view.keys["loss"] == ["this run (run 3): dataset data.csv",
                                 "run 2: dataset data.csv", "run 1: dataset tutorial"]
    view.clear_ghosts()
    train(session, 20)
    session.new_run(learning_rate=1.0000001)  # ":g" would print it as 1
    train(session, 20)
    session.new_run(learning_rate=1.0)
    assert view.keys["loss"] == ["this run: η = 1", "η = 1.0000001",
                                 "earlier run, same settings"]


def test_long_key_entries_fit_above_their_plot(view, qtbot, train):
    session = view.session
    view.resize(420, 800)
    X, Y = builtin("tutorial")
    for i, name in enumerate(["measurements_from_the_second_laboratory_session_final.csv",
                              "another_really_quite_long_file_name_for_a_dataset.csv"]):
        train(session, 30)
        session.new_run(dataset_name=name, X=X[i:], Y=Y[i:], layer_sizes=[3, 5, 4, 1],
                        activations=["tanh", "relu", "sigmoid"], learning_rate=0.37 + i,
                        seed=12345 + i)
    for lr in (0.3, 0.7, 1.7):
        train(session, 30)
        session.new_run(learning_rate=lr)
    view.refresh()
    width = view.graphics.viewport().width()

    def key_above_plot(plot):
        """The key's last line ends above the curves (the text's empty margin below
        it may reach into the plot)."""
        text = text_item(plot.titleLabel)
        bottom = text.sceneBoundingRect().bottom() - text.document().documentMargin()
        return bottom <= plot.vb.sceneBoundingRect().top() + 1

    for name in ("accuracy", "loss"):
        plot = view.plot_items[name]
        text = text_item(plot.titleLabel)
        qtbot.waitUntil(lambda p=plot: key_above_plot(p))  # once laid out
        assert text.toHtml().count("<br />") == 2  # three lines
        assert text.sceneBoundingRect().right() <= width
        assert plot.sceneBoundingRect().right() <= width
        tip = plot.titleLabel.toolTip()
        assert all(label in tip for label in view.keys[name])  # in full
    # The four plots stay one width, so their shared axis lines up.
    assert len({round(p.vb.width()) for p in view.plot_items.values()}) == 1
    assert max(p.sceneBoundingRect().right() for p in view.plot_items.values()) <= width


def test_ghosts_are_drawn_with_their_peaks_when_wholly_in_view(view):
    session = view.session
    old = FinishedRun(1_000_000, spike_at=500_000)
    view.ghosts.replaced(old, session.cursor.config, session.run, session.cursor.config)
    view.plot_items["loss"].vb.setXRange(0, 1_000_000, padding=0)  # zoomed out by hand
    view.refresh()
    x, y = ghost_data(view)
    assert len(x) <= 2 * GHOST_BUCKETS + 2
    assert x[0] == 0 and x[-1] == 1_000_000 and 500_000 in x
    assert np.array_equal(y, old.losses[x.astype(int)])


def test_clearing_the_ghosts_gives_their_room_back(view, qtbot, train):
    session = view.session
    high_losses = FinishedRun(200)
    high_losses.losses[:] = 100.0
    view.ghosts.replaced(high_losses, session.cursor.config, session.run, session.cursor.config)
    train(session, 100)
    view.refresh()
    assert view.plot_items["loss"].vb.viewRange()[1][1] > 100
    view.clear_ghosts()
    qtbot.waitUntil(lambda: view.plot_items["loss"].vb.viewRange()[1][1] < 1)
