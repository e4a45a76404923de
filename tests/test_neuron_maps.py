"""Neuron maps: each hidden and output node shows its activation over the input plane
(or over the samples), in the decision map's colours, at the shown iteration."""

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from gui.common import palette
from gui.diagram.network_view import NetworkView
from gui.diagram.neuron_maps import GRID, MARGIN, WHITE, colour_of
from nncore import two_d
from nncore.network import forward
from nncore.options import TrainingOptions

pytestmark = pytest.mark.shows_iteration("neuron_maps.drawn_iteration")

POINTS = [(GRID // 2, GRID // 2), (10, 21), (21, 9), (6, 16)]  # (row, column), in the disc


@pytest.fixture
def view(make_view):
    view = make_view(NetworkView, size=(760, 520))
    X, Y = two_d("circle", 60, 0.1, seed=3)
    view.session.new_run(dataset_name="2-D circle", X=X, Y=Y, layer_sizes=[3, 4, 2, 1],
                         activations=["tanh", "relu", "sigmoid"], learning_rate=0.1,
                         options=TrainingOptions(bias=True))
    return view


def grid_point(X, i, j):
    """The input at row i (from the top), column j of a map, from the data alone."""
    def axis(column):
        low, high = X[:, column].min(), X[:, column].max()
        pad = (high - low) * MARGIN
        return np.linspace(low - pad, high + pad, GRID)
    x = np.median(X, axis=0)
    x[0], x[1] = axis(0)[j], axis(1)[::-1][i]
    return x


def test_the_scale_runs_from_orange_through_white_to_blue():
    assert colour_of(-1.0, -1.0, 1.0) == palette.mix(palette.NEGATIVE, WHITE, 0.3)
    middle = colour_of(0.0, -1.0, 1.0)  # 256 steps: the middle falls between two
    assert max(abs(a - b) for a, b in zip(middle.getRgb(), WHITE.getRgb(), strict=True)) <= 2
    assert colour_of(1.0, 0.0, 1.0) == palette.mix(palette.POSITIVE, WHITE, 0.3)
    assert colour_of(float("nan"), 0.0, 1.0) == colour_of(0.5, 0.0, 1.0)


def test_each_pixel_is_the_colour_of_the_forward_activation_there(view, drawn, train):
    session = view.session
    train(session, 30)
    drawn(view)
    maps, run = view.neuron_maps, session.run
    assert maps.plane and session.iteration == 30
    shown = run.at(30)
    relu = np.concatenate([forward(grid_point(run.X, i, j)[None], shown.weights,
                                   run.activations, biases=shown.biases)[2][0]
                           for i in range(GRID) for j in range(GRID)])
    scales = {1: (-1.0, 1.0), 2: (-np.abs(relu).max(), np.abs(relu).max()), 3: (0.0, 1.0)}
    for layer in (1, 2, 3):
        assert maps.levels[layer] == pytest.approx(scales[layer])
        for unit in range(run.layer_sizes[layer]):
            for i, j in POINTS:
                a = forward(grid_point(run.X, i, j)[None], shown.weights, run.activations,
                            biases=shown.biases)[layer][0, unit]
                assert maps.pixel(layer, unit, i, j) == colour_of(a, *maps.levels[layer])
    # The corners lie outside the node's disc: transparent, the node shows a round map.
    assert view.neuron_maps.images[1][0].pixelColor(0, 0).alpha() == 0
    assert view.item.node_images[1] is maps.images[1]


def test_the_maps_follow_the_timeline(view, drawn, train, qtbot):
    session = view.session
    train(session, 40)
    drawn(view)
    late = {layer: maps.copy() for layer, maps in view.neuron_maps.values.items()}
    session.cursor.seek(0)
    drawn(view)
    assert view.neuron_maps.drawn_iteration == 0
    for layer, values in view.neuron_maps.values.items():
        for unit in range(len(values)):  # every map, not only most of them
            assert not np.array_equal(values[unit], late[layer][unit]), (layer, unit)
    session.cursor.seek(40)
    drawn(view)
    for layer, values in view.neuron_maps.values.items():
        assert np.array_equal(values, late[layer])


def test_data_off_the_plane_gets_a_strip_per_sample(make_view, drawn):
    view = make_view(NetworkView, size=(760, 520))
    X = np.column_stack([np.linspace(-2, 2, 9), np.ones(9)])  # x2 is constant
    Y = (X[:, :1] > 0).astype(float)
    view.session.new_run(dataset_name="file", X=X, Y=Y, layer_sizes=[2, 3, 1],
                         activations=["tanh", "sigmoid"])
    drawn(view)
    maps, run = view.neuron_maps, view.session.run
    assert not maps.plane
    assert maps.images[1][0].width() == 9
    layers = forward(X, run.weights_at(0), run.activations)
    for layer in (1, 2):
        for unit in range(run.layer_sizes[layer]):
            for sample in range(9):
                assert maps.pixel(layer, unit, GRID // 2, sample) == colour_of(
                    layers[layer][sample, unit], *maps.levels[layer])
    assert "on each sample" in maps.legend.text.text()


def test_hovering_enlarges_and_clicking_selects_a_map(view, drawn, qtbot):
    drawn(view)
    item = view.item
    x, y = item.positions[1][2]
    view._on_hover(("node", (1, 2)), QPointF(0, 0))
    popup = view.neuron_maps.popup
    assert popup.isVisible() and popup.image is view.neuron_maps.images[1][2]
    assert popup.title.startswith("h3")
    view._on_hover(None, QPointF(0, 0))
    assert not popup.isVisible()
    with qtbot.waitSignal(view.session.selection.sigUnitSelected) as blocker:
        qtbot.mouseClick(view.graphics.viewport(), Qt.LeftButton,
                         pos=view.graphics.mapFromScene(QPointF(x, y)))
    assert blocker.args == [(1, 2)] and view.session.selection.unit == (1, 2)


def test_the_view_menu_toggle_hides_the_maps_and_is_remembered(open_window):
    window = open_window()
    view = window.network_view
    assert window.action_neuron_maps.isChecked() and view.item.node_images
    assert window.action_neuron_maps in window.view_menu.actions()
    window.action_neuron_maps.trigger()
    assert view.item.node_images is None and not view.neuron_maps.legend.isVisible()
    assert view.node_labels()[-1][3] != ""  # the output's value is back in its node
    again = open_window()
    assert not again.action_neuron_maps.isChecked()
    assert again.network_view.item.node_images is None


def test_a_clicked_node_fills_the_big_decision_map_until_sent_back(open_window, qtbot, train):
    """Clicking a node brings the dataset dock forward with that unit's map in the big
    plot, at the shown iteration; the output node and "Back to the output" give ŷ."""
    window = open_window()
    session, view = window.session, window.network_view
    dock = window.docks["DatasetDock"]
    decision = dock.decision_map
    X, Y = two_d("circle", 60, 0.1, seed=3)
    session.new_run(dataset_name="2-D circle", X=X, Y=Y, layer_sizes=[3, 4, 2, 1],
                    activations=["tanh", "relu", "sigmoid"], learning_rate=0.1,
                    options=TrainingOptions(bias=True))
    window.docks["ArchitectureDock"].raise_()  # the dataset dock behind a tab
    train(session, 30)
    qtbot.waitUntil(lambda: view.neuron_maps.drawn_iteration == 30)

    def click(layer, unit):
        x, y = view.item.positions[layer][unit]
        qtbot.mouseClick(view.graphics.viewport(), Qt.LeftButton,
                         pos=view.graphics.mapFromScene(view.item.mapToScene(QPointF(x, y))))

    def expected(layer, unit, k):
        shown = session.run.at(k)
        return forward(decision.grid_inputs, shown.weights, session.run.activations,
                       biases=shown.biases)[layer][:, unit].reshape(decision.grid, decision.grid)

    def title():
        return decision.plot.getPlotItem().titleLabel.text

    for layer, unit, name, scale in ((2, 1, "h2 (layer 2)", None), (1, 3, "h4 (layer 1)", 1.0)):
        click(layer, unit)
        qtbot.waitUntil(lambda: not decision.redraw.stale and decision.drawn_iteration == 30)
        assert decision.big_unit == (layer, unit) and not dock.visibleRegion().isEmpty()
        assert decision.back_to_output.isVisibleTo(dock)
        assert decision.layer_combo.currentIndex() == layer - 1  # its layer in the tiles
        values = expected(layer, unit, 30)
        np.testing.assert_array_equal(decision.big_values, values)
        high = scale or np.abs(values).max()  # tanh: -1..1; relu: symmetric about 0
        for i, j in [(0, 0), (7, 50), (31, 32), (63, 63)][:4]:
            i, j = min(i, decision.grid - 1), min(j, decision.grid - 1)
            np.testing.assert_array_equal(decision.image.image[i, j],
                                          decision.colors_of(values[i, j], -high, high))
        assert title() == f"{name} at iteration 30"
        # Its tile below is framed in ink; the others are not.
        ink = np.array(palette.INK.getRgb()[:3])
        tiles = decision.units_image.image
        g = decision.grid
        np.testing.assert_array_equal(tiles[decision.tile_pixel(unit, 0, 0)], ink)
        np.testing.assert_array_equal(tiles[decision.tile_pixel(unit, g - 1, g // 2)], ink)
        inner = decision.hidden_values[unit][g // 2, g // 2]
        np.testing.assert_array_equal(tiles[decision.tile_pixel(unit, g // 2, g // 2)],
                                      decision.colors_of(inner, -high, high))
        other = (unit + 1) % session.run.layer_sizes[layer]
        assert not np.array_equal(tiles[decision.tile_pixel(other, 0, 0)], ink)
        assert f"what {name} outputs" in decision.legend.text()
        assert "ŷ = 0.5" not in decision.legend.text()

    session.cursor.seek(12)  # the unit's map follows the timeline
    qtbot.waitUntil(lambda: decision.drawn_iteration == 12)
    np.testing.assert_array_equal(decision.big_values, expected(1, 3, 12))
    assert title() == "h4 (layer 1) at iteration 12"

    qtbot.mouseClick(decision.back_to_output, Qt.LeftButton)
    qtbot.waitUntil(lambda: decision.big_values is None)
    assert decision.big_unit is None and not decision.back_to_output.isVisibleTo(dock)
    np.testing.assert_array_equal(decision.output_values, expected(3, 0, 12))
    assert title() == "Output ŷ at iteration 12" and "ŷ = 0.5" in decision.legend.text()

    click(2, 0)
    qtbot.waitUntil(lambda: decision.big_unit == (2, 0) and decision.big_values is not None)
    click(3, 0)  # the only output: its map is ŷ, the big map's own
    qtbot.waitUntil(lambda: decision.big_values is None)
    assert decision.big_unit is None and title() == "Output ŷ at iteration 12"
    click(2, 1)
    qtbot.waitUntil(lambda: decision.big_unit == (2, 1))
    session.new_run(seed=5)  # a new network: the output again
    assert decision.big_unit is None and not decision.back_to_output.isVisibleTo(dock)


def test_a_unit_of_a_softmax_network_in_the_big_map_is_described_as_itself(open_window,
                                                                           qtbot, train):
    """With several classes the big map's legend speaks of class regions; a clicked
    unit's map (a hidden unit, or one class's output ŷ2) has no regions, and its legend
    says what it shows instead."""
    from nncore.datasets import three_class

    window = open_window()
    session, view = window.session, window.network_view
    decision = window.docks["DatasetDock"].decision_map
    X, Y = three_class(90, 0.1, seed=0, kind="blobs")
    session.new_run(dataset_name="three blobs", X=X, Y=Y, layer_sizes=[3, 6, 3],
                    activations=["tanh", "softmax"], loss="ce", learning_rate=0.05,
                    options=TrainingOptions(bias=True))
    train(session, 40)
    qtbot.waitUntil(lambda: view.neuron_maps.drawn_iteration == 40)
    regions = "A region takes the colour of the class the network picks there"
    for node, name in (((1, 2), "h3"), ((2, 1), "ŷ2")):
        session.selection.select_unit(node)
        qtbot.waitUntil(lambda node=node: decision.big_unit == node
                        and decision.big_values is not None)
        legend = decision.legend.text()
        assert f"what {name} outputs" in legend and regions not in legend
        assert "Samples by class" in legend
    shown = session.run.at(40)
    probabilities = forward(decision.grid_inputs, shown.weights, session.run.activations,
                            biases=shown.biases)[2][:, 1]
    np.testing.assert_array_equal(decision.big_values,
                                  probabilities.reshape(decision.grid, decision.grid))
    qtbot.mouseClick(decision.back_to_output, Qt.LeftButton)
    qtbot.waitUntil(lambda: decision.big_values is None)
    assert regions in decision.legend.text()
