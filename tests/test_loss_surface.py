"""The loss surface: the grid helper and the dock against direct loss evaluation."""

import numpy as np
import pytest
from fake_clock import FakeClock, frames
from PySide6.QtCore import QPointF, Qt

from gui.common.chain_rule import fmt
from gui.docks.loss_surface_dock import LossSurfaceDock
from nncore import surface
from nncore.network import forward, init_weights, loss_value
from nncore.surface import flat_index, locate, loss_grid


def direct_loss(X, Y, weights, activations, loss, picks):
    """E with each (layer, row, col) in ``picks`` set to its value: the slow, obvious way."""
    changed = [np.array(W, dtype=float) for W in weights]
    for (layer, row, col), value in picks:
        changed[layer][row, col] = value
    return loss_value(forward(X, changed, activations)[-1], Y, loss)


# ---- nncore.surface --------------------------------------------------------------------

CASES = [
    ([3, 1], ["sigmoid"], "sse", (0, 0, 0), (0, 2, 0)),
    ([3, 4, 1], ["tanh", "sigmoid"], "bce", (0, 1, 3), (1, 2, 0)),
    ([3, 5, 4, 2], ["relu", "linear", "sigmoid"], "sse", (1, 2, 3), (1, 4, 3)),  # one column
    ([3, 5, 4, 2], ["sigmoid", "tanh", "sigmoid"], "bce", (2, 3, 1), (0, 0, 4)),
]


@pytest.mark.parametrize(("sizes", "acts", "loss", "a", "b"), CASES)
def test_loss_grid_equals_direct_evaluation(sizes, acts, loss, a, b):
    rng = np.random.RandomState(3)
    X = np.column_stack([rng.uniform(-1, 1, (7, sizes[0] - 1)), np.ones(7)])
    Y = (rng.uniform(size=(7, sizes[-1])) > 0.5).astype(float)
    weights = init_weights(sizes, 2)
    va, vb = np.linspace(-3, 3, 9), np.linspace(-2, 5, 6)
    grid = loss_grid(X, Y, weights, acts, loss, a, b, va, vb)
    assert grid.shape == (6, 9)
    for r in range(6):
        for c in range(9):
            expected = direct_loss(X, Y, weights, acts, loss, [(a, va[c]), (b, vb[r])])
            assert grid[r, c] == pytest.approx(expected, rel=1e-12, abs=1e-14)
    # Flat indices name the same weights.
    flat = loss_grid(X, Y, weights, acts, loss, flat_index(sizes, *a), flat_index(sizes, *b),
                     va, vb)
    np.testing.assert_array_equal(flat, grid)


def test_loss_grid_in_chunks_is_the_same(monkeypatch):
    sizes, acts = [3, 6, 1], ["tanh", "sigmoid"]
    X = np.random.RandomState(0).uniform(-1, 1, (20, 3))
    Y = (X[:, :1] > 0).astype(float)
    weights = init_weights(sizes, 1)
    values = np.linspace(-2, 2, 30)
    whole = loss_grid(X, Y, weights, acts, "sse", (0, 0, 1), (1, 3, 0), values, values)
    monkeypatch.setattr(surface, "CHUNK_BYTES", 8 * 20 * 6 * 7)  # 7 grid points a chunk
    np.testing.assert_allclose(
        loss_grid(X, Y, weights, acts, "sse", (0, 0, 1), (1, 3, 0), values, values),
        whole, rtol=1e-14)


def test_loss_grid_refuses_one_weight_twice_and_survives_overflow():
    weights = init_weights([3, 1], 1)
    X, Y = np.eye(3), np.ones((3, 1))
    with pytest.raises(ValueError, match="two different"):
        loss_grid(X, Y, weights, ["sigmoid"], "sse", 0, (0, 0, 0), [0], [0])
    with pytest.raises(ValueError, match="outside"):
        loss_grid(X, Y, weights, ["sigmoid"], "sse", (0, 3, 0), 1, [0], [0])
    grid = loss_grid(X, Y, weights, ["linear"], "sse", 0, 1, [1e200, 0], [0])
    assert np.isinf(grid[0, 0]) and np.isfinite(grid[0, 1])


def test_locate_is_the_inverse_of_flat_index():
    sizes = [3, 4, 2]
    for index in range(3 * 4 + 4 * 2):
        assert flat_index(sizes, *locate(sizes, index)) == index


# ---- the dock ------------------------------------------------------------------------


pytestmark = pytest.mark.shows_iteration("drawn_iteration")  # checked by drawn()


@pytest.fixture
def dock(make_view):
    return make_view(LossSurfaceDock, size=(700, 560))


def check_pixels(dock, pixels):
    """The image's value at each (row, col) is E at that pixel's weights, on screen."""
    session = dock.session
    run = session.run
    image = dock.image.image
    for r, c in pixels:
        centre = dock.image.mapToView(QPointF(c + 0.5, r + 0.5))  # image -> axis coords
        expected = direct_loss(run.X, run.Y, session.cursor.weights(), run.activations, run.loss,
                               [(dock.pair[0], centre.x()), (dock.pair[1], centre.y())])
        assert image[r, c] == pytest.approx(expected, rel=1e-9)


def test_tutorial_heat_map_pixels_equal_direct_loss(dock, drawn):
    assert dock.objectName() == "loss_surface_dock"
    session = dock.session
    assert dock.combo_a.count() == 3 and dock.combo_a.itemText(0) == "w₁ (x₁ → ŷ)"
    assert dock.pair == ((0, 0, 0), (0, 2, 0))  # slope and bias of the tutorial's neuron
    session.run.train(1000)
    for k in (50, 1000):
        session.cursor.seek(k)
        drawn(dock)
        assert dock.image.image.shape == (100, 100)
        check_pixels(dock, [(0, 0), (99, 99), (13, 71), (60, 8)])
        assert "w₂ held at its iteration-" + str(k) in dock.caption.text()
    lo, hi = dock.colorbar.levels()
    assert lo == pytest.approx(np.min(dock.values)) and hi <= np.max(dock.values)


def shown_ticks(axis):
    """The tick labels ``axis`` draws, as pyqtgraph's generateDrawSpecs makes them."""
    lo, hi = sorted(axis.range)
    labels = []
    for spacing, values in axis.tickValues(lo, hi, axis.width()):
        labels += axis.tickStrings(values, axis.autoSIPrefixScale * axis.scale, spacing)
    return labels


def test_axes_read_weights_in_their_own_units(dock, drawn):
    # The tutorial's w1 starts at -0.17: a span within +-1 that pyqtgraph would show
    # as "-500 ... 500 (x0.001)".
    drawn(dock)
    axis = dock.plot.getPlotItem().getAxis("bottom")
    lo, hi = sorted(axis.range)
    assert max(abs(lo), abs(hi)) < 1
    assert axis.autoSIPrefixScale == 1.0 and "(x0." not in axis.labelString()
    ticks = [float(t.replace("\u2212", "-")) for t in shown_ticks(axis)]
    assert ticks and all(lo <= t <= hi for t in ticks)


def test_hidden_layer_pair_from_the_combos(dock, drawn):
    session = dock.session
    session.new_run(layer_sizes=[3, 4, 1], activations=["tanh", "sigmoid"], loss="bce")
    session.run.train(30)
    session.cursor.seek(30)
    assert dock.combo_a.count() == 16
    dock.combo_a.setCurrentIndex(flat_index([3, 4, 1], 0, 1, 2))
    dock.combo_b.setCurrentIndex(flat_index([3, 4, 1], 1, 3, 0))
    assert dock.pair == ((0, 1, 2), (1, 3, 0))
    drawn(dock)
    assert dock.plot.getPlotItem().getAxis("bottom").labelText == "w₇ (x₂ → h₃)"
    check_pixels(dock, [(0, 0), (5, 77), (99, 42)])
    dock.combo_b.setCurrentIndex(dock.combo_a.currentIndex())
    drawn(dock)
    assert dock.caption.text() == "Pick two different weights."


def test_path_is_the_run_history_and_grows(dock, drawn):
    session = dock.session
    session.run.train(40)
    session.cursor.seek(40)
    drawn(dock)
    its, a, b = dock.path
    np.testing.assert_array_equal(its, np.arange(41))
    history = np.array([session.run.params_at(k) for k in range(41)])
    np.testing.assert_array_equal(a, history[:, 0])
    np.testing.assert_array_equal(b, history[:, 2])
    x, y = dock.path_line.getData()
    np.testing.assert_array_equal(x, a)
    np.testing.assert_array_equal(y, b)
    assert list(dock.now_marker.getData()[0]) == [history[40, 0]]
    assert list(dock.start_marker.getData()[1]) == [history[0, 2]]
    session.cursor.step()  # training a new iteration extends the path
    drawn(dock)
    assert len(dock.path_line.getData()[0]) == 42
    assert dock.path_line.getData()[0][-1] == session.run.params_at(41)[0]
    session.cursor.seek(10)  # and scrubbing back shortens it to the cursor
    drawn(dock)
    assert len(dock.path_line.getData()[0]) == 11


def test_long_path_is_thinned_but_exact(dock, drawn):
    session = dock.session
    session.new_run(layer_sizes=[3, 8, 1])  # 32 weights: stored every stride-th iteration
    run = session.run
    assert run.stride > 1
    run.train(5000)
    session.cursor.seek(4321)
    drawn(dock)
    its, a, b = dock.path
    assert its[0] == 0 and its[-1] == 4321 and len(its) <= 2001
    for k in list(its[:3]) + list(its[-3:]) + [its[len(its) // 2]]:
        params = run.params_at(int(k))
        assert a[list(its).index(k)] == params[0] and b[list(its).index(k)] == params[2 * 8]


def test_recomputes_only_when_the_slice_changes_and_only_when_visible(dock, drawn):
    session = dock.session
    session.run.train(20)
    drawn(dock)
    count = dock.computations
    dock.redraw.run_now()  # nothing changed: the path is redrawn, the grid is not
    assert dock.computations == count
    dock.hide()
    session.cursor.seek(20)
    assert dock.drawn_iteration == 0 and dock.computations == count
    dock.show()
    drawn(dock)
    assert dock.computations == count + 1
    # An edit that leaves the other weight alone only moves the point on the same slice.
    session.cursor.set_weight(0, 0, 0, 1.5)
    drawn(dock)
    assert dock.computations == count + 1
    assert list(dock.now_marker.getData()[0]) == [1.5]


def test_fixed_range_is_centred_on_the_current_point(dock, drawn):
    session = dock.session
    session.run.train(200)
    session.cursor.seek(200)
    dock.span.setValue(2.0)
    drawn(dock)
    w = session.run.params_at(200)
    assert dock.bounds == pytest.approx((w[0] - 2, w[0] + 2, w[2] - 2, w[2] + 2))
    bounds = dock.bounds
    session.cursor.seek(199)  # a small move keeps the grid where it is
    drawn(dock)
    assert dock.bounds == bounds
    check_pixels(dock, [(0, 0), (50, 50), (99, 1)])


def test_resolution_follows_the_cost(dock):
    run = dock.session.run
    dock._seconds_per_point = 1e-8  # the tutorial: a full grid is cheap
    assert dock._side(run, 0) == 100
    dock._seconds_per_point = 1e-4  # a big network: fewer points, within the budget
    assert dock._side(run, 0) == 31
    dock._seconds_per_point = 1.0
    assert dock._side(run, 0) == 16  # paused: a coarse map is worth the wait
    dock.session.player.play()  # playing: no map at all rather than a stall
    assert dock._side(run, 0) is None
    dock._seconds_per_point = 5e-5
    assert dock._side(run, 0) == 22
    dock.session.player.pause()


def test_a_network_too_big_to_redraw_while_playing_keeps_its_map(dock, qtbot, drawn):
    session = dock.session
    session.run.train(5)
    drawn(dock)
    count = dock.computations
    dock._seconds_per_point = 1.0  # pretend one grid point costs a second
    clock = session.player.clock = FakeClock(per_reading=0)
    session.player.set_pace(200)
    session.player.play()
    frames(session, clock, 2)  # 12 iterations at 200 a second
    assert session.iteration == 12
    qtbot.waitUntil(lambda: dock.drawn_iteration == 12)  # redrawn while playing
    assert dock.computations == count and dock.deferred
    assert "catches up when you pause" in dock.status.text()
    session.player.pause()
    drawn(dock)
    assert dock.computations == count + 1 and not dock.deferred
    assert dock.values.shape == (16, 16)


def test_hovering_reads_off_the_loss(dock, drawn):
    drawn(dock)
    r, c = 30, 70
    point = dock.image.mapToView(QPointF(c + 0.5, r + 0.5))
    scene = dock.plot.getPlotItem().vb.mapViewToScene(point)
    dock._hover(scene)
    wa, wb = dock.grid_a[c], dock.grid_b[r]
    assert dock.status.text() == (f"Under the mouse: w₁ = {fmt(wa)}, w₃ = {fmt(wb)}, "
                                  f"E = {fmt(dock.values[r, c])}")


# ---- nothing shown is stale, no typed range changes silently (issue 12, items 7 and 8) ----


def axis_titles(dock):
    item = dock.plot.getPlotItem()
    return item.getAxis("bottom").labelText, item.getAxis("left").labelText


def test_the_axes_follow_every_choice_even_one_weight_twice(dock, drawn):
    session = dock.session
    session.run.train(50)
    session.cursor.seek(50)
    drawn(dock)
    assert axis_titles(dock) == ("w₁ (x₁ → ŷ)", "w₃ (x₃ → ŷ)")
    dock.combo_a.setCurrentIndex(1)
    dock.combo_b.setCurrentIndex(1)  # both axes on w₂: there is no plane
    drawn(dock)
    assert axis_titles(dock) == ("w₂ (x₂ → ŷ)", "w₂ (x₂ → ŷ)")  # not w₁ and w₃ still
    assert dock.caption.text() == "Pick two different weights."
    assert dock.status.text() == ""  # no "Now (●): w₁ = …" from the pair before
    assert dock.path_line.getData()[0] is None or len(dock.path_line.getData()[0]) == 0
    assert dock.now_marker.data.size == 0 and dock.image.image is None
    dock.combo_b.setCurrentIndex(0)
    drawn(dock)
    assert axis_titles(dock) == ("w₂ (x₂ → ŷ)", "w₁ (x₁ → ŷ)")
    assert dock.status.text().startswith("Now (●): w₂ = ")
    assert len(dock.path_line.getData()[0]) == 51


def test_the_axes_follow_a_new_network(dock, drawn):
    drawn(dock)
    dock.session.new_run(layer_sizes=[3, 2, 1], activations=None)
    drawn(dock)
    assert axis_titles(dock) == ("w₁ (x₁ → h₁)", "w₅ (x₃ → h₁)")


def type_range(qtbot, dock, text):
    dock.span.setFocus()
    dock.span.lineEdit().selectAll()
    dock.span.lineEdit().insert(text)
    qtbot.keyClick(dock.span, Qt.Key.Key_Return)


@pytest.mark.parametrize("text, why", [
    ("150", "range: must be from 0 to 100, got '150'"),  # a plain spin box would give 15
    ("-1", "range: must be from 0 to 100, got '-1'"),
    ("0.25", "range: '0.25' has more than 1 decimal(s)"),
    ("1_0", "range: '1_0' is not a number"),
    ("\u0663", "range: '\u0663' is not a number"),
    (" 1e400", "range: ' 1e400' is too large"),
    ("nan", "range: 'nan' is not a finite number"),
])
def test_a_typed_range_is_used_exactly_or_refused_visibly(dock, qtbot, drawn, text, why):
    drawn(dock)
    type_range(qtbot, dock, text)
    assert dock.span.value() == 0.0 and dock.span.text() == "auto"
    assert dock.refusal.isVisibleTo(dock)
    assert dock.refusal.text().startswith(f"Not changed: {why}")
    type_range(qtbot, dock, "2.5")
    assert dock.span.value() == 2.5 and not dock.refusal.isVisibleTo(dock)
    drawn(dock)
    w = dock.session.run.params_at(0)
    assert dock.bounds == pytest.approx((w[0] - 2.5, w[0] + 2.5, w[2] - 2.5, w[2] + 2.5))
