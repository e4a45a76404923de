"""`backprop-lab sweep`: the JSON in grid order, equal to `train` for the same seed;
the share solved in words; the CSV; bad ranges exit 2 with one line naming the flag."""

import json

import numpy as np
import pytest
from test_cli import assert_one_line_error, run_cli

from gui import cli


def sweep_json(capsys, *args):
    assert cli.main(["sweep", *args, "--json"]) == 0
    out, err = capsys.readouterr()
    assert err == ""  # no bar when stderr is not a terminal
    return json.loads(out)


def train_json(capsys, *args):
    assert cli.main(["train", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("exact", [True, False])
def test_json_lists_the_grid_seeds_outer_and_each_run_equals_train(capsys, exact):
    got = sweep_json(capsys, "--dataset", "xor", "--layers", "3,4,1", "--seeds", "3-4",
                     "--lrs", "0.5,2", "--iterations", "300", "--bias", "--optimizer",
                     "momentum", *(["--exact"] if exact else []))
    runs = got["runs"]
    assert [(r["seed"], r["learning_rate"]) for r in runs] == [(3, 0.5), (3, 2.0), (4, 0.5),
                                                              (4, 2.0)]
    assert set(runs[0]) >= {"seed", "learning_rate", "loss", "accuracy", "test_loss",
                            "test_accuracy", "diverged_at", "weights", "biases"}
    alone = train_json(capsys, "--dataset", "xor", "--layers", "3,4,1", "--seed", "4",
                       "--lr", "2", "--iterations", "300", "--bias", "--optimizer", "momentum")
    same = ("accuracy", "test_loss", "test_accuracy", "diverged_at")
    for key in same + (("weights", "biases", "loss") if exact else ()):
        assert runs[3][key] == alone[key], key
    if not exact:  # the fast sweep: within 1e-12 of the largest weight, and of the loss
        swept, want = (np.concatenate([np.ravel(w) for w in r["weights"] + r["biases"]])
                       for r in (runs[3], alone))
        assert np.max(np.abs(swept - want)) <= 1e-12 * np.max(np.abs(want))
        assert abs(runs[3]["loss"] - alone["loss"]) <= 1e-12 * alone["loss"]
    assert got["solved"] == sum(r["accuracy"] == 1 for r in runs) / 4


def test_a_test_split_and_mini_batches_reach_the_json(capsys):
    flags = ["--dataset", "three-blobs", "--layers", "3,4,3", "--loss", "ce", "--batch-size",
             "32", "--test-fraction", "0.2", "--iterations", "40", "--lr", "0.1"]
    got = sweep_json(capsys, *[f for f in flags if f not in ("--lr", "0.1")], "--seeds", "7",
                     "--lrs", "0.1", "--exact")
    alone = train_json(capsys, *flags, "--seed", "7")
    assert got["runs"][0]["test_loss"] == alone["test_loss"] is not None
    assert got["runs"][0]["weights"] == alone["weights"]


def test_the_summary_says_the_share_of_a_thousand_seeds_solved(capsys, tmp_path):
    path = tmp_path / "sweep runs.csv"
    assert cli.main(["sweep", "--dataset", "xor", "--layers", "3,2,1", "--seeds", "0-999",
                     "--iterations", "300", "--lrs", "4", "--csv", str(path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "1000 runs on xor (1000 seeds x 1 learning rate), 300 iterations each"
    lines = path.read_text().splitlines()
    solved = sum(line.split(",")[4] == "1.0" for line in lines[1:])
    assert len(lines) == 1001 and 0 < solved < 1000
    assert out[1] == (f"solved (accuracy 100%): {solved} of 1000 runs "
                      f"({100 * solved / 1000:.1f}%)")
    assert out[-1] == "wrote sweep runs.csv"


@pytest.mark.parametrize("args, flag", [
    (["--seeds", "5-2"], "--seeds: the range '5-2' ends before it starts"),
    (["--seeds", "x"], "--seeds: expected whole numbers"),
    (["--seeds", "1,1"], "--seeds: a seed is given twice"),
    (["--seeds", "0-4294967296"], "--seeds: expected whole numbers"),
    (["--seeds", "0-4294967295"], "--seeds: 4294967296 seeds is more than"),
    (["--lrs", "0"], "--lrs: '0': must be a positive finite number"),
    (["--lrs", "1,nan"], "--lrs: 'nan'"),
    (["--seeds", "0-60000", "--lrs", "1,2"], "--seeds and --lrs: 60001 x 2 runs"),
    (["--seeds", "0-20000", "--layers", "3,64,64,1"], "--seeds: 20001 runs of this network"),
    (["--iterations", "-5"], "--iterations"),
])
def test_bad_input_exits_2_with_one_line_naming_the_flag(capsys, args, flag):
    assert cli.main(["sweep", "--dataset", "xor", *args]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and flag in err, err


def test_a_bad_range_as_a_process():
    assert_one_line_error(run_cli("sweep", "--seeds", "9-1"), "--seeds")
