"""The Prediction dock reads a softmax output as class probabilities, for the
selected sample and for a typed input."""

import numpy as np
import pytest

from gui.docks.prediction_dock import PredictionDock
from nncore import TrainingOptions
from nncore.datasets import three_class
from nncore.network import forward

pytestmark = pytest.mark.shows_iteration("shown_iteration")  # checked by drawn()


@pytest.fixture
def dock(make_view):
    return make_view(PredictionDock, size=(620, 620))


def shown_percentages(box):
    return [float(text.rstrip("%")) for text in box.percent_texts()]


def assert_box_shows(box, yhat):
    """Each class's ŷ to the 0.1% shown, summing to 100% within that rounding, and
    the largest marked as the pick."""
    shown = shown_percentages(box)
    assert shown == [round(100 * p, 1) for p in yhat]
    assert sum(shown) == pytest.approx(100, abs=0.05 * len(shown))
    np.testing.assert_array_equal(box.values, yhat)
    marks = [mark.text() for _name, _bar, _percent, mark in box.rows]
    picked = int(np.argmax(yhat))
    assert marks == ["◀ picked" if c == picked else "" for c in range(len(yhat))]
    assert [bar.share for _name, bar, _percent, _mark in box.rows] == list(yhat)


def test_softmax_probabilities_of_the_sample_and_a_typed_input(dock, drawn, train):
    session = dock.session
    assert not dock.class_box.isVisibleTo(dock)  # the tutorial's one sigmoid output
    X, Y = three_class(60, 0.2, seed=0, kind="blobs")
    session.new_run(dataset_name="blobs", X=X, Y=Y, layer_sizes=[3, 4, 3],
                    activations=["tanh", "softmax"], loss="ce", learning_rate=0.05,
                    seed=5, options=TrainingOptions(bias=True, optimizer="adam",
                                                    test_fraction=0.2))
    run = session.run
    train(session, 120)
    session.selection.select_sample(int(run.test_rows[0]))
    drawn(dock)
    assert dock.class_box.isVisibleTo(dock) and not dock.probe_probabilities.isVisibleTo(dock)
    for k in (120, 3):
        session.cursor.seek(k)
        drawn(dock)
        state = run.at(k)
        sample = session.selection.sample
        yhat = forward(X[sample:sample + 1], state.weights, run.activations,
                       biases=state.biases)[-1][0]
        assert_box_shows(dock.sample_probabilities, yhat)
        title = dock.sample_probabilities.title.text()
        assert f"Sample {sample + 1}</b> (held out), class {np.argmax(Y[sample]) + 1}" in title
        assert f"iteration {k}" in title
    session.selection.select_sample(0)  # another sample: the panel follows
    drawn(dock)
    state = run.at(3)
    yhat = forward(X[:1], state.weights, run.activations, biases=state.biases)[-1][0]
    assert_box_shows(dock.sample_probabilities, yhat)
    dock.input_edit.setText("-1, 0.5, 1")
    assert dock.apply_text()
    drawn(dock)
    assert dock.probe_probabilities.isVisibleTo(dock)
    yhat = forward(np.array([[-1, 0.5, 1]]), state.weights, run.activations,
                   biases=state.biases)[-1][0]
    assert_box_shows(dock.probe_probabilities, yhat)
    dock.clear()
    drawn(dock)
    assert not dock.probe_probabilities.isVisibleTo(dock)
