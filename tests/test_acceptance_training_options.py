"""Issue 13's window, driven as a new learner drives it: pick the three-class blobs,
switch biases on, choose Adam with batches of 10 and a fifth of the rows held out,
train, and read the test curve and the inspector's Adam step off the screen; every
number of that step, redone by hand from the numbers shown, gives the next weight."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from test_inspector_steps import lines_by_rule, redo_by_hand
from test_plots_view import assert_drawn
from test_training_box import choose, type_into

from gui.plots.plot_series import TEST_ACCURACY, TEST_LOSS
from nncore.datasets import three_class


def test_three_classes_with_adam_and_mini_batches_as_a_learner_would(window, qtbot, run_to,
                                                                     drawn):
    session = window.session
    data = window.docks["DatasetDock"]
    data.preset_combo.setCurrentIndex(data.preset_combo.findData("3-class blobs"))
    architecture = window.docks["ArchitectureDock"]
    qtbot.mouseClick(architecture.add_button, Qt.MouseButton.LeftButton)  # a hidden layer
    training = architecture.training
    qtbot.mouseClick(training.bias_switch, Qt.MouseButton.LeftButton)
    choose(training.optimizer_combo, "adam")
    type_into(qtbot, training.fields["batch_size"], "10")
    type_into(qtbot, training.fields["test_fraction"], "0.2")
    type_into(qtbot, window.transport.rate, "0.05")

    run = session.run
    X, Y = three_class(data.points_spin.value(), data.noise_spin.value(), 0, "blobs")
    assert np.array_equal(run.X, X) and np.array_equal(run.Y, Y)
    assert run.activations[-1] == "softmax" and run.loss == "ce" and run.layer_sizes[-1] == 3
    o = run.options
    assert (o.bias, o.optimizer, o.batch_size, o.test_fraction) == (True, "adam", 10, 0.2)
    assert len(run.test_rows) == int(0.2 * len(X)) and run.learning_rate == 0.05

    run_to(window, 60)
    assert session.iteration == 60 and window.transport.epoch_label.isVisible()
    plots = window.plots_view
    drawn(plots)
    every = np.arange(61)
    assert_drawn(plots, TEST_LOSS, every, run.test_losses)
    assert_drawn(plots, TEST_ACCURACY, every, run.test_accuracies)

    # Back to iteration 30, and a click on an edge into the hidden layer.
    window.transport.timeline.setValue(30)
    view = window.network_view
    inspector = window.docks["InspectorDock"]
    inspector.raise_()
    qtbot.waitUntil(lambda: not view.redraw.stale)
    edge = (0, 1, 2)
    qtbot.mouseClick(view.graphics.viewport(), Qt.LeftButton, pos=view.edge_position(edge))
    assert session.selection.edge == edge
    drawn(inspector)
    seen = inspector.displayed()
    assert seen["iteration"] == 30 and seen["edge"] == edge
    lines = lines_by_rule(seen["update"])
    symbol = next(s for s in lines if s.startswith("Δ"))[1:]
    delta = redo_by_hand("adam", lines, symbol)
    index = 1 * run.layer_sizes[1] + 2  # W[0][1, 2] in the flat weights
    assert lines["t"][1] == 31
    assert run.at(31).theta[index] - run.at(30).theta[index] == pytest.approx(
        delta, rel=1e-8, abs=1e-15)
    # The rows of the batch are the ones not greyed, and none is held out.
    batch = set(run.at(30).batch_rows.tolist())
    shown_rows = [r for i, r in enumerate(seen["rows"]) if i not in seen["greyed"]]
    assert set(shown_rows) == batch and not batch & set(run.test_rows.tolist())
