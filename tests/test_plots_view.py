"""The plots show the run's recorded history, a cursor at the session's iteration,
and faint curves of earlier runs."""

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt

from gui.plots.plot_ghosts import GHOST_BUCKETS
from gui.plots.plot_series import ACCURACY, LOSS, CurveKey
from gui.plots.plots_view import DRAW_TOLERANCE, PlotsView


@pytest.fixture
def view(make_view):
    return make_view(PlotsView, size=(600, 800))


def data(view, name):
    x, y = view.curves[name].getData()
    return np.asarray(x), np.asarray(y)


def assert_drawn(view, name, iterations, values):
    """Curve ``name`` shows ``values`` (recorded at ``iterations``) as the learner
    sees them: its points are recorded values, it starts and ends with them, and
    every value lies on the line drawn, to within the tolerance (a fraction of a
    pixel) of the points the plots leave out because the line passes through them."""
    x, y = data(view, name)
    k = view.axis.to_view(iterations)
    at = np.searchsorted(k, x)
    assert np.array_equal(k[at], x) and np.array_equal(values[at], y)
    assert at[0] == 0 and at[-1] == len(k) - 1
    vb = view.curves[name].layer.getViewBox()
    (_, _), (y0, y1) = vb.viewRange()
    slack = DRAW_TOLERANCE * (y1 - y0) / vb.height() * (1 + 1e-9)
    assert np.abs(np.interp(k, x, y) - values).max() <= slack
    return x, y


def test_curves_are_the_recorded_history(view, train):
    session = view.session
    train(session, 1000)
    view.refresh()
    run = session.run
    every = np.arange(1001)
    for name, values in ((LOSS, run.losses), (ACCURACY, run.accuracies)):
        assert_drawn(view, name, every, values)
    x, y = assert_drawn(view, CurveKey.output_line(0, 0), every, run.outputs[:, 0, 0])
    assert run.outputs[999, 0, 0] == pytest.approx(0.03178421, abs=1e-8)  # the tutorial's
    # A smooth curve needs few points: here fewer than one per 20 iterations.
    assert len(x) < 50
    iterations, rows = run.saved_weights()
    x, y = assert_drawn(view, CurveKey.weight_line("x1 → ŷ"), iterations, rows[:, 0])
    assert x[-1] == 1000 and y[-1] == pytest.approx(7.26283009, abs=1e-8)
    assert view.keys["weights"] == ["x1 → ŷ", "x2 → ŷ", "x3 → ŷ"]
    assert view.keys["outputs"][:4] == ["x = [0 0 1]", "x = [1 1 1]", "x = [1 0 1]",
                                        "x = [0 1 1]"]
    assert view.keys["outputs"][-1] == "target y"


def test_plots_redraw_by_themselves_when_history_grows(view, qtbot, train):
    session = view.session
    train(session, 50)
    qtbot.waitUntil(lambda: data(view, LOSS)[0][-1] == 50)
    session.cursor.seek(20)
    session.cursor.set_learning_rate(0.25)  # the future is discarded
    qtbot.waitUntil(lambda: data(view, LOSS)[0][-1] == 20)
    train(session, 30)  # ...and retrained differently
    qtbot.waitUntil(lambda: data(view, LOSS)[0][-1] == 50)
    assert_drawn(view, LOSS, np.arange(51), session.run.losses)


def test_a_long_history_is_drawn_with_its_peaks(view, train):
    session = view.session
    train(session, 15_000)
    session.cursor.seek(10_000)
    session.cursor.set_weight(0, 0, 0, -30.0)  # a shock: the loss jumps for a while
    train(session, 20_000)
    view.refresh()
    run = session.run
    x, y = data(view, LOSS)
    pixels = int(view.plot_items["loss"].vb.width())
    # about two points per pixel at most, not 30001
    assert len(x) <= 2 * max(pixels, 100) + 200
    assert y.max() == run.losses.max()
    assert np.array_equal(run.losses[x.astype(int)], y)
    assert run.losses[10_000] in y  # the spike itself survives
    assert x[0] == 0 and x[-1] == run.newest  # and the curve reaches the cursor at the end
    x, _ = data(view, ACCURACY)  # flat at 100% for the last thousands of iterations
    assert x[-1] == run.newest

    # zooming in draws every point of the visible span: each lies on the line
    view.plot_items["loss"].vb.setXRange(10_000, 10_300, padding=0)
    view.refresh()
    x, y = data(view, LOSS)
    vb = view.plot_items["loss"].vb
    (_, _), (y0, y1) = vb.viewRange()
    span = np.arange(10_000, 10_301)
    off = np.abs(np.interp(span, x, y) - run.losses[span])
    assert off.max() <= DRAW_TOLERANCE * (y1 - y0) / vb.height() * (1 + 1e-9)
    assert np.array_equal(run.losses[x.astype(int)], y)


def test_a_zoomed_plot_stays_until_the_a_button_makes_it_follow(view, qtbot, train):
    session = view.session
    train(session, 400)
    view.refresh()
    loss = view.plot_items["loss"]
    viewport = view.graphics.viewport()

    def on_screen(item, point):
        return view.graphics.mapFromScene(item.mapToScene(point))

    middle = on_screen(loss.vb, loss.vb.boundingRect().center())
    qtbot.mouseMove(viewport, middle)
    qtbot.waitUntil(lambda: loss.hovered)
    assert not loss.auto_button.isVisible()  # the plot follows its data: nothing to offer
    loss.vb.setXRange(10, 20, padding=0)  # the learner zooms in: following stops
    view.refresh()
    train(session, 600)
    view.refresh()
    assert loss.vb.viewRange()[0] == pytest.approx([10, 20])
    qtbot.mouseMove(viewport, middle + QPoint(3, 3))
    qtbot.waitUntil(lambda: loss.auto_button.isVisible())  # shown on hover
    assert not view.plot_items["accuracy"].auto_button.isVisible()  # over this plot only
    qtbot.mouseClick(viewport, Qt.LeftButton,
                     pos=on_screen(loss.auto_button, loss.auto_button.boundingRect().center()))
    view.refresh()
    low, high = loss.vb.viewRange()[0]
    assert low <= 0 and high >= session.run.newest == 1000  # the whole history again
    assert not loss.auto_button.isVisible()
    # On the accuracy plot only the iteration axis moves: "A" leaves its 0..100% alone.
    accuracy = view.plot_items["accuracy"]
    fixed_y = accuracy.vb.viewRange()[1]
    accuracy.vb.setXRange(100, 200, padding=0)
    view.refresh()
    qtbot.mouseMove(viewport, on_screen(accuracy.vb, accuracy.vb.boundingRect().center()))
    qtbot.waitUntil(lambda: accuracy.auto_button.isVisible())
    qtbot.mouseClick(viewport, Qt.LeftButton, pos=on_screen(
        accuracy.auto_button, accuracy.auto_button.boundingRect().center()))
    view.refresh()
    assert accuracy.vb.viewRange()[1] == pytest.approx(fixed_y)
    low, high = accuracy.vb.viewRange()[0]
    assert low <= 0 and high >= session.run.newest


def test_cursors_follow_the_session_and_scrub_it(view, qtbot, train):
    session = view.session
    train(session, 500)
    session.cursor.seek(123)
    assert all(c.value() == 123 for c in view.cursors.values())
    cursor = view.cursors["loss"]
    cursor.setValue(300.4)  # a drag ends between iterations
    cursor.sigPositionChangeFinished.emit(cursor)
    assert session.iteration == 300
    assert all(c.value() == 300 for c in view.cursors.values())  # all snapped, no echo
    with qtbot.waitSignal(session.cursor.sigIterationChanged) as moved:
        view.cursors["weights"].setValue(42)
        view.cursors["weights"].sigDragged.emit(view.cursors["weights"])
    assert moved.args == [42]
    assert view.cursors["accuracy"].value() == 42
    cursor.setValue(10_000)  # beyond the history: clamped to the newest iteration
    cursor.sigPositionChangeFinished.emit(cursor)
    assert session.iteration == 500


def test_log_x_draws_iteration_k_at_k_plus_1(view, qtbot, train):
    session = view.session
    train(session, 200)
    session.cursor.seek(99)
    with qtbot.waitSignal(view.sigLogXChanged) as changed:
        view.set_log_x(True)
    assert changed.args == [True]
    assert_drawn(view, LOSS, np.arange(201), session.run.losses)
    assert data(view, LOSS)[0][-1] == pytest.approx(np.log10(201))
    assert view.cursors["loss"].value() == pytest.approx(2.0)  # log10(99 + 1)
    assert view.plot_items["loss"].getAxis("bottom").logMode
    cursor = view.cursors["accuracy"]
    cursor.setValue(1.0)  # x = 10 on the log axis is iteration 9
    cursor.sigPositionChangeFinished.emit(cursor)
    assert session.iteration == 9
    menu = view.plot_items["outputs"].vb.menu
    action = next(a for a in menu.actions() if a.text() == "Log iteration axis")
    with qtbot.waitSignal(view.sigLogXChanged) as changed:
        action.setChecked(False)  # from a plot's right-click menu
    assert changed.args == [False] and not view.axis.log
    x, _ = assert_drawn(view, LOSS, np.arange(201), session.run.losses)
    assert x[-1] == 200
    assert view.cursors["loss"].value() == 9


def test_the_iteration_axis_label_stays_centred_in_log_x(view):
    axis = view.plot_items["weights"].getAxis("bottom")

    def label_centre():
        return axis.label.pos().x() + axis.label.boundingRect().width() / 2

    assert label_centre() == pytest.approx(axis.size().width() / 2, abs=1)
    view.set_log_x(True)
    assert axis.labelText == "iteration + 1 (log scale)"
    assert label_centre() == pytest.approx(axis.size().width() / 2, abs=1)


def test_an_earlier_run_stays_as_a_labelled_ghost(view, qtbot, train):
    session = view.session
    train(session, 300)
    old_losses = session.run.losses.copy()
    session.new_run(learning_rate=0.5)
    assert view.ghosts.labels() == ["η = 1"]
    assert view.keys["accuracy"] == ["this run: η = 0.5", "η = 1"]
    assert view.keys["loss"] == ["this run: η = 0.5", "η = 1"]
    assert view.ghost_bar.isVisibleTo(view)
    ghost_loss = view.ghosts.entries[0].curves[1]
    x, y = ghost_loss.getData()
    # Drawn over the new run's axis (iterations 0..10), and one point beyond its edge.
    assert view.plot_items["loss"].vb.viewRange()[0] == [-0.5, 10]
    assert np.array_equal(x, np.arange(12)) and np.array_equal(y, old_losses[:12])
    assert len(data(view, LOSS)[0]) == 1  # the new run starts over
    train(session, 300)
    view.refresh()
    x, y = ghost_loss.getData()
    assert np.array_equal(x, np.arange(301)) and np.array_equal(y, old_losses)

    session.new_run(layer_sizes=[3, 4, 1], seed=2)
    # every label reads against the run shown now (η = 0.5, layers 3-4-1, seed 2)
    assert view.ghosts.labels() == ["layers 3-1, η = 1, seed 1", "layers 3-1, seed 1"]
    assert view.keys["loss"] == ["this run: layers 3-4-1, η = 0.5, seed 2",
                                 "layers 3-1, seed 1", "layers 3-1, η = 1, seed 1"]
    for lr in (0.1, 0.2, 0.3, 0.4, 0.6):
        train(session, 5)
        session.new_run(learning_rate=lr)
    assert len(view.ghosts.entries) == 5  # the oldest went first
    assert "η = 1" not in view.ghosts.labels()
    menu = view.plot_items["loss"].vb.menu  # the plots' right-click menu offers it too
    assert "Clear earlier runs" in [a.text() for a in menu.actions()]
    qtbot.mouseClick(view.clear_button, Qt.LeftButton)
    assert view.ghosts.entries == [] and view.keys["loss"] == []
    assert not view.ghost_bar.isVisibleTo(view)
    assert all(len(item.items) > 0 for item in view.plot_items.values())


def test_a_long_earlier_run_is_drawn_downsampled_with_its_peaks(view, train):
    session = view.session
    train(session, 5_000)
    losses = session.run.losses.copy()
    session.new_run(seed=3)
    train(session, 6_000)  # the whole earlier run is in view again
    view.refresh()
    x, y = view.ghosts.entries[0].curves[1].getData()
    assert len(x) <= 2 * GHOST_BUCKETS + 2
    assert x[0] == 0 and x[-1] == 5_000
    assert np.array_equal(y, losses[x.astype(int)])
    assert y.max() == losses.max() and y.min() == losses.min()
    assert view.ghosts.labels() == ["seed 1"]


def test_divergence_never_blanks_the_plots(view, train):
    session = view.session
    session.new_run(activations=["linear"], learning_rate=50.0)
    train(session, 2000)
    run = session.run
    assert run.diverged_at is not None
    view.refresh()
    for name in view.curves:
        x, y = data(view, name)
        assert len(x) > 0 and np.isfinite(y).all(), name
    assert_drawn(view, LOSS, np.arange(run.newest + 1), run.losses)


def test_big_networks_plot_one_norm_per_layer(view, train):
    session = view.session
    session.new_run(layer_sizes=[3, 8, 8, 1])  # 96 weights: too many lines
    train(session, 300)
    view.refresh()
    assert view.keys["weights"] == ["‖W1‖", "‖W2‖", "‖W3‖"]
    assert view.plot_items["weights"].getAxis("left").labelText == "‖W‖ per layer"
    iterations, rows = session.run.saved_weights()
    W2 = rows[:, 24:88]
    norms = np.linalg.norm(W2, axis=1)
    x, y = assert_drawn(view, CurveKey.weight_line("‖W2‖"), iterations,
                        np.sqrt(np.sum(W2 * W2, axis=1)))
    assert y == pytest.approx(norms[np.searchsorted(iterations, x)])


def test_a_moved_cursor_keeps_a_right_bounding_rect(view, train):
    session = view.session
    train(session, 500)
    cursor = view.cursors["loss"]
    for k in (10, 400, 123):
        session.cursor.seek(k)
        assert cursor.value() == k
        # what pyqtgraph would compute for the line where it now is
        assert cursor.boundingRect() == cursor._computeBoundingRect()
    view.plot_items["loss"].vb.setYRange(0, 5, padding=0)  # the view changes: recomputed
    view.refresh()
    assert cursor.boundingRect() == cursor._computeBoundingRect()
    line = cursor.sceneBoundingRect()  # spans the plot's height, where the cursor is
    plot = view.plot_items["loss"].vb.sceneBoundingRect()
    assert line.top() == pytest.approx(plot.top(), abs=1)
    assert line.bottom() == pytest.approx(plot.bottom(), abs=1)
    assert line.center().x() == pytest.approx(cursor.mapToScene(0, 0).x(), abs=1)


def test_hovering_a_line_names_it(view, train):
    session = view.session
    train(session, 300)
    view.refresh()
    layer = view.layers["weights"]
    x, y = data(view, CurveKey.weight_line("x2 → ŷ"))
    at = len(x) // 2
    assert layer.tip_at(QPointF(x[at], y[at])) == "x2 → ŷ"
    _, (y0, y1) = layer.getViewBox().viewRange()
    far = y[at] + (y1 - y0) / 2 if y[at] < (y0 + y1) / 2 else y[at] - (y1 - y0) / 2
    assert layer.tip_at(QPointF(x[at], far)) == ""
    assert view.layers["loss"].tip_at(QPointF(*data(view, LOSS)[0][:1],
                                              data(view, LOSS)[1][0])) == ""  # no tip


def test_the_plots_fit_a_narrowed_view(view, qtbot, train):
    session = view.session
    train(session, 20)
    X, Y = session.run.X, session.run.Y
    session.new_run(dataset_name="a_file_name_much_longer_than_a_narrow_dock.csv",
                    X=X[:3], Y=Y[:3])  # keys as wide as a line can be

    def right_edges():
        return [p.sceneBoundingRect().right() for p in view.plot_items.values()]

    for width in (420, 300, 600):
        view.resize(width, 800)
        qtbot.waitUntil(lambda w=width: max(right_edges()) <= w)
        assert len({round(p.vb.width()) for p in view.plot_items.values()}) == 1


def test_nothing_of_the_plots_is_cut_off_in_a_1280_by_800_window(open_window, qtbot):
    window = open_window(show=False)
    window.resize(1600, 1000)  # sized before it is shown, as a remembered layout is
    window.show()
    qtbot.waitExposed(window)
    plots = window.plots_view
    graphics = plots.graphics

    def plots_right():
        return max(p.sceneBoundingRect().right() for p in plots.plot_items.values())

    for width, height in ((1600, 1000), (1280, 800)):
        window.resize(width, height)
        qtbot.waitUntil(lambda w=width: window.width() == w
                        and graphics.width() == plots.width())
        qtbot.waitUntil(lambda: plots_right() <= graphics.width())
        axis = plots.plot_items["weights"].getAxis("bottom")
        assert axis.sceneBoundingRect().right() <= graphics.width()
