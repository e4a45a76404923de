"""The loss surface of a run beyond the tutorial: biases held at the shown
iteration, the mean reduction, softmax with ce, held-out rows left out. The map's
value at the current weights is the run's recorded loss there."""

import numpy as np
import pytest
from PySide6.QtCore import QPointF

from gui.docks.loss_surface_dock import LossSurfaceDock, slice_loss
from nncore import TrainingOptions
from nncore.datasets import three_class
from nncore.network import flat_index, forward, loss_value


@pytest.fixture
def dock(make_view):
    return make_view(LossSurfaceDock, size=(700, 560))


def direct_loss(run, k, picks):
    """E on the training rows with each (layer, row, col) in ``picks`` set: plainly."""
    shown = run.at(k)
    weights = [W.copy() for W in shown.weights]
    for (layer, row, col), value in picks:
        weights[layer][row, col] = value
    X, Y = run.X[run.train_rows], run.Y[run.train_rows]
    yhat = forward(X, weights, run.activations, biases=shown.biases)[-1]
    return loss_value(yhat, Y, run.loss, run.options.reduction)


HIDDEN = dict(bias=True, reduction="mean", test_fraction=0.2, batch_size=10,
              optimizer="adam")
CASES = [
    # a hidden layer, biases, mean, held-out rows, mini-batches with Adam; a pair in
    # the hidden layer, one across the layers, one where both feed the softmax
    ([3, 4, 3], ["tanh", "softmax"], HIDDEN, ((0, 0, 1), (0, 1, 3))),
    ([3, 4, 3], ["tanh", "softmax"], HIDDEN, ((0, 2, 2), (1, 3, 0))),
    ([3, 4, 3], ["tanh", "softmax"], HIDDEN, ((1, 1, 2), (1, 0, 0))),
    # the output layer alone, the sum reduction and a penalty (not in E)
    ([3, 3], ["softmax"], dict(bias=True, l2=0.01), ((0, 1, 2), (0, 0, 0))),
]


@pytest.mark.parametrize(("sizes", "acts", "options", "pair"), CASES)
def test_the_map_is_the_recorded_loss_around_the_current_weights(dock, drawn, train, sizes,
                                                                  acts, options, pair):
    session = dock.session
    X, Y = three_class(60, 0.2, seed=0, kind="spiral")
    session.new_run(dataset_name="three arms", X=X, Y=Y, layer_sizes=sizes,
                    activations=acts, loss="ce", learning_rate=0.02, seed=4,
                    options=TrainingOptions(**options))
    train(session, 80)
    run = session.run
    for combo, edge in zip((dock.combo_a, dock.combo_b), pair, strict=True):
        combo.setCurrentIndex(flat_index(sizes, *edge))
    assert dock.pair == pair
    for k in (30, 80):
        session.cursor.seek(k)
        dock.redraw.schedule()
        drawn(dock)
        shown = run.at(k)
        assert np.any(shown.biases[-1] != 0)  # the biases are trained, not zeros
        now = [float(shown.weights[layer][row, col]) for layer, row, col in pair]
        at_now = slice_loss(run, shown, pair, [now[0]], [now[1]])[0, 0]
        assert at_now == pytest.approx(shown.loss, rel=1e-12)
        image = dock.image.image
        n = image.shape[0]  # the side follows the time a pass takes: any will do
        for r, c in [(0, 0), (n - 1, n - 1), (n // 7, n * 3 // 4), (n * 3 // 5, n // 12)]:
            centre = dock.image.mapToView(QPointF(c + 0.5, r + 0.5))
            expected = direct_loss(run, k, [(pair[0], centre.x()), (pair[1], centre.y())])
            assert dock.values[r, c] == pytest.approx(expected, rel=1e-9)
            assert image[r, c] == pytest.approx(expected, rel=1e-9)
        if run.options.bias:
            caption = dock.caption.text()
            assert "biases" in caption and f"iteration-{k} values" in caption
        if len(run.test_rows):
            assert f"on the {len(run.train_rows)} training rows" in dock.caption.text()
