"""Exports of a run beyond the tutorial: the weights files carry the biases, and
the history CSV the test scores, the penalty and the epoch."""

import csv

import numpy as np
import pytest

from gui.common.exports import history_columns, write_history_csv
from nncore import Run, TrainingOptions
from nncore.datasets import three_class
from nncore.export import load_parameters

pytestmark = pytest.mark.usefixtures("warned")


def options_run(window, train, n=60, hidden=(4,), **options):
    X, Y = three_class(60, 0.1, seed=0, kind="blobs")
    window.session.new_run(dataset_name="three blobs", X=X, Y=Y, layer_sizes=[3, *hidden, 3],
                           activations=["tanh"] * len(hidden) + ["softmax"], loss="ce",
                           learning_rate=0.05,
                           seed=3, options=TrainingOptions(**options))
    train(window.session, n)
    return window.session.run


@pytest.mark.parametrize("suffix", [".safetensors", ".npz"])
def test_weights_export_round_trips_the_biases_of_the_shown_iteration(window, tmp_path,
                                                                      train, suffix):
    run = options_run(window, train, bias=True, optimizer="adam", batch_size=10)
    window.session.cursor.seek(37)
    path = tmp_path / f"params ü{suffix}"
    assert window.files.export_weights(str(path), suffix)
    weights, biases = load_parameters(str(path))
    shown = run.at(37)
    assert len(weights) == len(biases) == 2
    for got, want in zip(weights + biases, shown.weights + shown.biases, strict=True):
        np.testing.assert_array_equal(got, want)  # every bit
    assert not np.array_equal(biases[0], 0)  # trained, not the initial zeros
    assert "weights and biases of iteration 37" in window.statusBar().currentMessage()


def test_weights_export_without_biases_has_none(window, tmp_path, train):
    options_run(window, train)
    path = tmp_path / "w.npz"
    assert window.files.export_weights(str(path), ".npz")
    weights, biases = load_parameters(str(path))
    assert biases is None and len(weights) == 2


def test_history_csv_has_test_penalty_epoch_and_bias_columns(window, tmp_path, train):
    # No hidden layer: few enough parameters that every iteration's are kept.
    run = options_run(window, train, n=40, hidden=(), bias=True, l2=0.01, batch_size=16,
                      test_fraction=0.25)
    assert run.stride == 1
    path = tmp_path / "history.csv"
    assert window.files.export_history(str(path))
    with path.open() as f:
        rows = list(csv.reader(f))
    header = rows[0]
    assert header[:7] == ["iteration", "loss", "accuracy", "test_loss", "test_accuracy",
                          "penalty", "epoch"]
    assert header[7] == "yhat_s0_o0"
    assert header[-3:] == ["b0_0", "b0_1", "b0_2"]
    assert len(rows) == 42
    table = np.array([[float(v) for v in row] for row in rows[1:]])
    column = {name: table[:, i] for i, name in enumerate(header)}
    np.testing.assert_array_equal(column["test_loss"], run.test_losses)
    np.testing.assert_array_equal(column["test_accuracy"], run.test_accuracies)
    np.testing.assert_array_equal(column["penalty"], run.penalties)
    # 45 training rows in batches of 16: three batches an epoch.
    assert column["epoch"].tolist() == [run.at(k).epoch for k in range(41)]
    assert column["epoch"][-1] == 13
    for k in (0, 17, 40):
        shown = run.at(k)
        np.testing.assert_array_equal([column[f"b0_{u}"][k] for u in range(3)],
                                      shown.biases[0])
        np.testing.assert_array_equal(column["w0_2_1"][k], shown.weights[0][2, 1])


def test_history_csv_of_a_tutorial_run_is_unchanged(tmp_path):
    run = Run(*three_class(9, seed=0), [3, 3], ["softmax"], "ce", 0.1, seed=1)
    run.train(5)
    assert history_columns(run)[:4] == ["iteration", "loss", "accuracy", "yhat_s0_o0"]
    assert not any(name.startswith(("b0", "test", "penalty", "epoch"))
                   for name in history_columns(run))
    path = tmp_path / "h.csv"
    write_history_csv(path, run)
    with path.open() as f:
        rows = list(csv.reader(f))
    assert len(rows[0]) == len(rows[1]) == 3 + 27 + 9


def test_a_snapshot_keeps_the_biases_and_options_through_save_and_open(window, tmp_path, train):
    run = options_run(window, train, n=30, bias=True, optimizer="momentum", batch_size=10,
                      test_fraction=0.2)
    window.session.cursor.seek(25)
    want = run.at(25)
    path = tmp_path / "with biases.json"
    assert window.files.save_snapshot_as(str(path))
    window.session.new_run(seed=9)  # something else
    assert window.files.open_snapshot(str(path))
    opened = window.session.run
    assert window.session.iteration == 25 and opened.options == run.options
    for got, expected in zip(opened.at(25).biases, want.biases, strict=True):
        np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(opened.test_rows, run.test_rows)
