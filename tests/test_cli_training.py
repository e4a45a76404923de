"""`backprop-lab train` with the training options: --json against the independent
reference on random networks, resume bit for bit, `inspect`, and bad values."""

import json

import numpy as np
import pytest
from reference_training import reference_run
from test_cli import assert_one_line_error, run_cli, run_main, run_many

from gui import cli
from nncore import init_weights, save_csv
from nncore.options import OPTIMIZERS, TrainingOptions


def random_case(seed):
    """A random network, dataset and set of options, as the acceptance check draws
    them: every optimizer, biases on and off, batch sizes from 1 to full, sum and
    mean, L1/L2, softmax with cross-entropy for 2-3 classes, a test split."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(6, 30))
    n_in = int(rng.integers(1, 4))
    loss = ["sse", "bce", "ce"][seed % 3]
    n_out = int(rng.integers(2, 4)) if loss == "ce" else int(rng.integers(1, 3))
    sizes = [n_in] + [int(h) for h in rng.integers(1, 6, rng.integers(0, 3))] + [n_out]
    hidden = [str(rng.choice(["sigmoid", "tanh", "relu", "linear"]))
              for _ in sizes[1:-1]]
    output = {"sse": str(rng.choice(["sigmoid", "tanh", "linear"])), "bce": "sigmoid",
              "ce": "softmax"}[loss]
    X = rng.normal(size=(n, n_in))
    if loss == "ce":
        Y = np.eye(n_out)[rng.integers(0, n_out, n)]
    else:
        Y = (rng.random((n, n_out)) > 0.5).astype(float)
    options = TrainingOptions(
        bias=bool(seed % 2), reduction=["sum", "mean"][seed // 2 % 2],
        l1=float(rng.choice([0, 0.01])), l2=float(rng.choice([0, 0.05])),
        batch_size=[1, 3, None, n][seed // 4 % 4], optimizer=OPTIMIZERS[seed % 5],
        momentum=0.8, beta1=0.85, test_fraction=float(rng.choice([0, 0.2, 0.4])))
    return X, Y, sizes, hidden + [output], loss, options


def option_flags(options):
    flags = ["--reduction", options.reduction, "--l1", repr(options.l1), "--l2",
             repr(options.l2), "--optimizer", options.optimizer, "--momentum",
             repr(options.momentum), "--beta1", repr(options.beta1), "--test-fraction",
             repr(options.test_fraction)]
    if options.bias:
        flags.append("--bias")
    if options.batch_size is not None:
        flags += ["--batch-size", str(options.batch_size)]
    return flags


@pytest.mark.parametrize("seed", range(30))
def test_json_agrees_with_the_reference_on_random_networks(tmp_path, capsys, seed):
    X, Y, sizes, activations, loss, options = random_case(seed)
    save_csv(tmp_path / "data.csv", X, Y)
    args = ["train", "--dataset", str(tmp_path / "data.csv"),
            "--layers", ",".join(map(str, sizes)), "--activation", ",".join(activations),
            "--loss", loss, "--lr", "0.05", "--seed", str(seed), "--iterations", "40",
            "--json", *option_flags(options)]
    assert cli.main(args) == 0, capsys.readouterr().err
    out = json.loads(capsys.readouterr().out)
    weights, biases, loss_k, test_loss, penalty = reference_run(
        X, Y, sizes, activations, loss, options, seed, init_weights(sizes, seed), 40,
        lr=0.05)[40]
    for ours, theirs in zip(out["weights"], weights, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-12)
    if options.bias:
        for ours, theirs in zip(out["biases"], biases, strict=True):
            np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-12)
    else:
        assert out["biases"] is None
    assert out["loss"] == pytest.approx(loss_k, rel=1e-6)
    assert out["penalty"] == pytest.approx(penalty, rel=1e-6, abs=1e-300)
    if test_loss is None:
        assert out["test_loss"] is None and out["test_accuracy"] is None
        assert out["test_rows"] == []
    else:
        assert out["test_loss"] == pytest.approx(test_loss, rel=1e-6)
        assert len(out["test_rows"]) == int(options.test_fraction * len(X))
    n_train = len(X) - len(out["test_rows"])
    batch = n_train if options.batch_size is None else min(options.batch_size, n_train)
    assert (out["optimizer"], out["reduction"], out["batch_size"]) == (
        options.optimizer, options.reduction, batch)
    assert out["epoch"] == 40 // -(-n_train // batch)


def test_every_key_of_the_default_json(capsys):
    assert cli.main(["train", "--iterations", "3", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {key: out[key] for key in ("biases", "test_rows", "test_loss", "test_accuracy",
                                      "penalty", "epoch", "optimizer", "batch_size",
                                      "reduction")} == {
        "biases": None, "test_rows": [], "test_loss": None, "test_accuracy": None,
        "penalty": 0.0, "epoch": 3, "optimizer": "sgd", "batch_size": 4, "reduction": "sum"}


EVERYTHING = ["--dataset", "three-spiral", "--layers", "3,8,3", "--loss", "ce",
              "--activation", "tanh,softmax", "--bias", "--optimizer", "adam",
              "--batch-size", "32", "--test-fraction", "0.2", "--l1", "0.001", "--l2", "0.01",
              "--reduction", "mean", "--lr", "0.02", "--seed", "4"]


def test_resume_with_every_option_is_bitwise_exact(tmp_path):
    snap = tmp_path / "half.json"
    straight, first = run_many([["train", *EVERYTHING, "--iterations", 500, "--json"],
                                ["train", *EVERYTHING, "--iterations", 200, "--save", snap]])
    assert first.returncode == 0, first.stderr
    resumed = run_cli("train", "--resume", snap, "--iterations", 300, "--json")
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout) == json.loads(straight.stdout)  # repr: equal bits


def test_inspect_prints_the_training_settings(tmp_path, capsys):
    snap = tmp_path / "s.json"
    assert cli.main(["train", *EVERYTHING, "--iterations", "100", "--save", str(snap)]) == 0
    summary = capsys.readouterr().out.splitlines()
    assert summary[0].startswith("iteration 100: ce loss ")
    assert "accuracy" in summary[0] and "of 240 samples" in summary[0]
    assert summary[1].startswith("test: loss ") and summary[1].endswith(
        "of 60 samples) (held out)")
    assert summary[2].startswith("adam, 32 rows a step, epoch 12, reduction mean, penalty ")
    assert cli.main(["inspect", str(snap)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1:5] == ["iteration     100", "layers        3,8,3",
                          "activations   tanh,softmax", "loss          ce"]
    assert lines[10:14] == [
        "optimizer     adam (beta1 0.9, beta2 0.999, eps 1e-08)",
        "reduction     mean",
        "biases        yes",
        "batches       32 rows, 8 an epoch; iteration 100 is in epoch 12"]
    assert lines[14].startswith("penalty       l1 0.001, l2 0.01: ")
    assert lines[15].startswith("test set      60 rows held out (fraction 0.2): loss ")


@pytest.fixture
def two_columns(tmp_path):
    """A CSV whose two target columns are not one-hot in its third data row."""
    path = tmp_path / "soft.csv"
    path.write_text("x1,y1,y2\n0,1,0\n1,0,1\n2,0.5,0.5\n")
    return path


BAD = [
    (["--batch-size", "0"], "--batch-size: must be a whole number of 1 or more, got 0"),
    (["--momentum", "1.5"], "--momentum: must be at least 0 and less than 1, got '1.5'"),
    (["--test-fraction", "1"], "--test-fraction: must be at least 0 and less than 1"),
    (["--alpha", "-0.5"], "--alpha: must be at least 0 and less than 1"),
    (["--eps", "0"], "--eps: must be a positive number"),
    (["--l1", "-1"], "--l1: must be 0 or more"),
    (["--l2", "1_0"], "--l2: '1_0' is not a number"),
    (["--beta2", "\u0661"], "--beta2: '\u0661' is not a number"),
    (["--dataset", "three-blobs", "--activation", "softmax,softmax", "--layers", "3,2,3",
      "--loss", "ce"],
     "activations: softmax is for the output layer only, not hidden layer 1"),
    (["--loss", "ce", "--activation", "sigmoid"], "loss: ce (cross-entropy) needs a softmax"),
    (["--loss", "ce"], "layer_sizes: a softmax output layer needs two or more units"),
    (["--dataset", "{soft}", "--layers", "1,2", "--loss", "ce"],
     "dataset: targets for ce must be one-hot (a single 1, the rest 0); row 3 is [0.5, 0.5]"),
    (["--resume", "{good}", "--optimizer", "adam", "--batch-size", "2"],
     "--batch-size, --optimizer cannot be combined with --resume"),
]


@pytest.mark.parametrize("args, message", BAD, ids=[" ".join(a[:4]) for a, _ in BAD])
def test_bad_training_values_are_one_clear_line(tmp_path, capsys, two_columns, args, message):
    from nncore import Run, builtin, save_snapshot

    good = tmp_path / "good.json"
    save_snapshot(good, Run(*builtin("tutorial"), [3, 1]))
    args = ["train", *[a.format(soft=two_columns, good=good) for a in args]]
    assert_one_line_error(run_main(args, capsys), message)


def test_an_unknown_optimizer_is_an_argparse_error(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["train", "--optimizer", "lbfgs"])
    assert info.value.code == 2 and "invalid choice: 'lbfgs'" in capsys.readouterr().err


def test_predict_adds_the_biases_and_applies_the_softmax(tmp_path, capsys):
    """predict's output is the network's at the saved iteration, biases included: the
    same numbers as the run's own output for that row."""
    from nncore import load_snapshot

    snap = tmp_path / "s.json"
    assert cli.main(["train", *EVERYTHING, "--iterations", "40", "--save", str(snap)]) == 0
    capsys.readouterr()
    run, k = load_snapshot(str(snap))
    assert np.any(run.at(k).biases[0] != 0)
    row = 5
    result = run_main(["predict", snap, "--", ",".join(repr(float(v)) for v in run.X[row])],
                      capsys)
    assert result.returncode == 0, result.stderr
    printed = np.array([float(v) for v in result.stdout.split()])
    np.testing.assert_allclose(printed, run.outputs[k][row], rtol=1e-12)
    assert abs(printed.sum() - 1) < 1e-12  # a softmax's class probabilities
