"""One definition each of the loss, the flat weight index, the checkpoint stride and the
output range, used everywhere; the file-error classes; a run's dataset name."""

import numpy as np
import pytest

from gui.docks.dataset.map_colours import output_levels, unit_levels
from gui.docks.inspector.chain_table import consecutive_spans
from nncore import (
    ACTIVATIONS,
    BudgetError,
    FileError,
    LoadError,
    Run,
    SaveError,
    builtin,
    snapshot_dict,
)
from nncore.datasets import target_range
from nncore.memory import Footprint
from nncore.network import (
    activate,
    flat_index,
    forward,
    locate,
    loss_value,
    output_range,
    weight_shapes,
)
from nncore.surface import loss_grid

XOR = builtin("xor")


@pytest.mark.parametrize("loss", ["sse", "bce"])
@pytest.mark.parametrize("sizes", [[3, 1], [3, 4, 2], [3, 32, 32, 1]])
def test_the_history_scores_with_the_same_loss_as_loss_value(sizes, loss):
    """Bit for bit: the history's vectorised losses are loss_value's, one per iteration."""
    X, Y = XOR
    Y = np.repeat(Y, sizes[-1], axis=1)
    run = Run(X, Y, sizes, loss=loss, learning_rate=0.5)
    run.train(600)
    for k in (0, 1, 255, 256, 257, 599, 600):
        yhat = forward(X, run.weights_at(k), run.activations)[-1]
        assert run.losses[k] == loss_value(yhat, Y, loss), k


def test_the_loss_surface_uses_the_same_loss():
    X, Y = XOR
    run = Run(X, Y, [3, 4, 1], loss="bce")
    run.train(50)
    weights = run.weights_at(50)
    values = [weights[0][1, 2] - 0.5, weights[0][1, 2], 7.0]
    grid = loss_grid(X, Y, weights, run.activations, "bce", (0, 1, 2), (1, 3, 0),
                     values, [weights[1][3, 0]])
    for c, value in enumerate(values):
        changed = [W.copy() for W in weights]
        changed[0][1, 2] = value
        expected = loss_value(forward(X, changed, run.activations)[-1], Y, "bce")
        assert grid[0, c] == pytest.approx(expected, rel=1e-12)


def test_flat_index_is_the_run_layout_and_locate_inverts_it():
    sizes = [3, 4, 2, 5]
    run = Run(np.zeros((2, 3)), np.zeros((2, 5)), sizes)
    flat = np.arange(run.n_params, dtype=float)
    for layer, W in enumerate(run.unflatten(flat)):
        for row, col in np.ndindex(W.shape):
            index = flat_index(sizes, layer, row, col)
            assert W[row, col] == index and locate(sizes, index) == (layer, row, col)
    run.set_weight(0, 2, 1, 4, 99.0)
    assert run.params_at(0)[flat_index(sizes, 2, 1, 4)] == 99.0


def test_the_snapshot_checks_and_the_run_agree_on_the_stride_and_capacity():
    for sizes in ([3, 1], [3, 4, 1], [3, 32, 32, 1], [3, 1200, 1200, 1]):
        run = Run(np.zeros((4, 3)), np.zeros((4, 1)), sizes,
                  initial_weights=[np.zeros(shape) for shape in weight_shapes(sizes)])
        footprint = Footprint(sizes, 4)
        assert (run.stride, run.capacity) == (footprint.stride, footprint.capacity)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_each_activation_stays_in_its_output_range(name):
    low, high = output_range(name)
    with np.errstate(all="ignore"):
        values = activate(name, np.array([-1e300, -710.0, -3.0, 0.0, 3.0, 710.0, 1e300]))
    assert np.all((low <= values) & (values <= high))
    assert target_range(name) == (low, high)  # what a CSV target or a table cell may be
    levels = unit_levels(name, np.array([[[-5.0, 5.0]]]))
    if np.isfinite(low) and np.isfinite(high):  # the decision map's scale is the range
        assert (levels[0][0, 0, 0], levels[1][0, 0, 0]) == (low, high)
    else:
        assert (levels[0][0, 0, 0], levels[1][0, 0, 0]) == (-5.0, 5.0)
    assert output_levels("sigmoid", None) == output_range("sigmoid")


def test_consecutive_spans():
    assert consecutive_spans([1, 2, 3, 5, 7, 8]) == [(1, 3), (5, 5), (7, 8)]
    assert consecutive_spans([]) == []


def test_one_file_error_base_for_loading_and_saving():
    assert issubclass(LoadError, FileError) and issubclass(SaveError, FileError)
    assert not issubclass(SaveError, LoadError) and not issubclass(LoadError, SaveError)
    assert issubclass(BudgetError, LoadError) and issubclass(FileError, ValueError)
    assert str(SaveError("a.json", "disk full", "line 2")) == "a.json: line 2: disk full"
    assert str(BudgetError(None, "too big", "layer_sizes")) == "layer_sizes: too big"


def test_the_dataset_name_is_a_field_of_the_run():
    X, Y = XOR
    assert Run(X, Y, [3, 1]).dataset_name == "custom"
    run = Run(X, Y, [3, 1], dataset_name="xor")
    assert run.dataset_name == "xor"
    assert snapshot_dict(run)["dataset"]["name"] == "xor"
    assert snapshot_dict(run, dataset_name="other")["dataset"]["name"] == "other"
