"""The confusion matrix: nncore's counts against a hand count, and the dock showing
them at the shown iteration for the training and the held-out rows."""

import numpy as np
import pytest

from gui.docks.confusion_dock import ConfusionDock
from nncore import TrainingOptions
from nncore.confusion import confusion_matrix
from nncore.datasets import three_class
from nncore.network import forward

pytestmark = pytest.mark.shows_iteration("shown_iteration")  # checked by drawn()


def test_counts_equal_a_hand_count():
    # Five samples of three classes; true classes 0, 0, 1, 2, 2.
    Y = np.eye(3)[[0, 0, 1, 2, 2]]
    yhat = np.array([[0.7, 0.2, 0.1],   # 0 -> 0
                     [0.1, 0.8, 0.1],   # 0 -> 1
                     [0.2, 0.5, 0.3],   # 1 -> 1
                     [0.6, 0.1, 0.3],   # 2 -> 0
                     [0.1, 0.1, 0.8]])  # 2 -> 2
    assert confusion_matrix(yhat, Y).tolist() == [[1, 1, 0],
                                                  [0, 1, 0],
                                                  [1, 0, 1]]
    # One output: two classes split at 0.5 (0.5 itself is class 0).
    y = np.array([[0.0], [0.0], [1.0], [1.0], [1.0]])
    out = np.array([[0.2], [0.5], [0.9], [0.4], [0.51]])
    assert confusion_matrix(out, y).tolist() == [[2, 0],
                                                 [1, 2]]


def hand_count(yhat, Y):
    """The counts one sample at a time, as a learner would tally them."""
    n = Y.shape[1]
    counts = [[0] * n for _ in range(n)]
    for out, target in zip(yhat.tolist(), Y.tolist(), strict=True):
        counts[target.index(max(target))][out.index(max(out))] += 1
    return counts


@pytest.fixture
def dock(make_view):
    return make_view(ConfusionDock, size=(520, 420))


def blobs_run(session, **options):
    X, Y = three_class(90, 1.0, seed=0, kind="blobs")
    session.new_run(dataset_name="3-class blobs: 90 points, noise 1.0", X=X, Y=Y,
                    layer_sizes=[3, 4, 3], activations=["tanh", "softmax"], loss="ce",
                    learning_rate=0.05, seed=5, options=TrainingOptions(**options))
    return session.run


def test_cells_equal_a_hand_count_and_follow_the_timeline(dock, drawn, train):
    session = dock.session
    run = blobs_run(session, bias=True, optimizer="adam", test_fraction=0.2)
    assert run.test_rows.size == 18
    train(session, 150)
    shown_before = None
    for k in (0, 150):
        session.cursor.seek(k)
        drawn(dock)
        state = run.at(k)
        for part, rows in (("train", run.train_rows), ("test", run.test_rows)):
            yhat = forward(run.X[rows], state.weights, run.activations,
                           biases=state.biases)[-1]
            expected = hand_count(yhat, run.Y[rows])
            assert dock.tables[part].texts() == expected
            assert dock.matrices[part].tolist() == expected
            right = sum(expected[c][c] for c in range(3))
            assert f"{right} of {len(rows)} right" in dock.titles[part].text()
        # The training rows' diagonal is the run's recorded accuracy.
        counts = dock.matrices["train"]
        assert np.trace(counts) / counts.sum() == pytest.approx(state.accuracy)
        assert np.trace(dock.matrices["test"]) / 18 == pytest.approx(state.test_accuracy)
        assert dock.tables["test"].isVisible()
        assert f"iteration {k}" in dock.caption.text()
        if shown_before is not None:
            assert dock.tables["train"].texts() != shown_before  # it learned something
        shown_before = dock.tables["train"].texts()


def test_cells_are_shaded_by_their_share_of_the_row(dock, drawn, train):
    from gui.common import palette
    from gui.docks.confusion_dock import cell_colour

    session = dock.session
    blobs_run(session, bias=True, optimizer="adam")
    train(session, 40)
    drawn(dock)
    table, counts = dock.tables["train"], dock.matrices["train"]
    assert dock.matrices["test"] is None and not dock.tables["test"].isVisible()
    for r in range(3):
        for c in range(3):
            fill = table.item(r, c).background().color()
            assert fill == cell_colour(counts[r, c], counts[r].sum(), r == c)
    # The fullest cell of a row is the positive colour on the diagonal, negative off it.
    assert cell_colour(5, 5, True) == palette.POSITIVE
    assert cell_colour(5, 5, False) == palette.NEGATIVE
    assert cell_colour(0, 5, True) == palette.BACKGROUND


def test_one_output_shows_two_classes_at_the_threshold(dock, drawn, train):
    session = dock.session  # the tutorial's 3-1 sigmoid net
    train(session, 10)
    drawn(dock)
    run, state = session.run, session.run.at(10)
    yhat = forward(run.X, state.weights, run.activations)[-1][:, 0]
    y = run.Y[:, 0]
    expected = [[int(np.sum((y <= 0.5) & (yhat <= 0.5))), int(np.sum((y <= 0.5) & (yhat > 0.5)))],
                [int(np.sum((y > 0.5) & (yhat <= 0.5))), int(np.sum((y > 0.5) & (yhat > 0.5)))]]
    assert dock.tables["train"].rowCount() == dock.tables["train"].columnCount() == 2
    assert dock.tables["train"].texts() == expected
    assert sum(map(sum, expected)) == 4
    assert dock.tables["train"].horizontalHeaderItem(1).text() == "→ 1"
    assert not dock.tables["test"].isVisible()


def test_scrubbing_and_play_redraw_the_matrix(dock, drawn, qtbot, train):
    session = dock.session
    run = blobs_run(session, bias=True, optimizer="adam", test_fraction=0.2)
    train(session, 100)
    seen = set()
    for k in (0, 5, 20, 100):
        session.cursor.seek(k)
        drawn(dock)
        seen.add(str(dock.tables["train"].texts()))
    assert len(seen) > 1
    session.cursor.seek(0)
    session.player.run_to(30)  # the shown iteration moves; the dock keeps up
    qtbot.waitUntil(lambda: session.iteration == 30, timeout=10_000)
    drawn(dock)
    state = run.at(30)
    yhat = forward(run.X[run.test_rows], state.weights, run.activations,
                   biases=state.biases)[-1]
    assert dock.tables["test"].texts() == hand_count(yhat, run.Y[run.test_rows])
