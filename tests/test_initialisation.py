"""The initialisation schemes: uniform (the tutorial's, bit for bit), Xavier and He,
drawn from one seeded RandomState; saved in snapshots, replayed, and on the CLI."""

import json
import math

import numpy as np
import pytest
from test_cli import assert_one_line_error, run_main

from nncore import Run, builtin, init_weights, load_snapshot, save_snapshot, snapshot_dict
from nncore.options import TrainingOptions

SIZES = [3, 32, 8, 1]


def numpy_draws(sizes, seed):
    """Each layer's ``RandomState(seed).random_sample((n_in, n_out))``, in turn."""
    rng = np.random.RandomState(seed)
    return [rng.random_sample((m, n)) for m, n in zip(sizes, sizes[1:], strict=False)]


@pytest.mark.parametrize("seed", [0, 1, 7, 2**32 - 1])
def test_each_scheme_is_its_bound_times_the_tutorials_draw(seed):
    for init, bound in [("uniform", lambda m, n: 1.0),
                        ("xavier", lambda m, n: math.sqrt(6 / (m + n))),
                        ("he", lambda m, n: math.sqrt(6 / m))]:
        weights = init_weights(SIZES, seed, init=init)
        for W, u in zip(weights, numpy_draws(SIZES, seed), strict=True):
            a = bound(*u.shape)
            assert np.array_equal(W, (2 * u - 1) * a)
            assert np.all(np.abs(W) <= a)


def test_uniform_is_the_default_and_the_tutorials_bits():
    assert all(np.array_equal(a, b) for a, b in zip(
        init_weights(SIZES, 1), init_weights(SIZES, 1, init="uniform"), strict=True))
    W0 = init_weights([3, 1], 1)[0].ravel()
    assert W0.tolist() == pytest.approx([-0.16595599, 0.44064899, -0.99977125], abs=5e-9)
    X, Y = builtin("tutorial")
    run = Run(X, Y, [3, 1], options=TrainingOptions(init="uniform"))
    assert run.options.is_default
    assert np.array_equal(run.params_at(0), W0)


def test_the_variances_are_the_schemes():
    """Wide layers: the sample variance is near 2/(n_in+n_out) and 2/n_in."""
    sizes = [400, 600]
    xavier, he = init_weights(sizes, 3, init="xavier")[0], init_weights(sizes, 3, init="he")[0]
    assert np.var(xavier) == pytest.approx(2 / 1000, rel=0.02)
    assert np.var(he) == pytest.approx(2 / 400, rel=0.02)


def test_a_bad_scheme_is_refused_naming_the_field():
    with pytest.raises(ValueError, match="init: unknown value 'glorot'"):
        TrainingOptions(init="glorot").checked()
    with pytest.raises(ValueError, match="init: unknown value"):
        init_weights([3, 1], 1, init="normal")


def test_a_run_draws_with_its_scheme_and_a_snapshot_keeps_it(tmp_path):
    X, Y = builtin("xor")
    options = TrainingOptions(init="he")
    run = Run(X, Y, [3, 4, 1], ["relu", "sigmoid"], seed=5, options=options)
    expected = np.concatenate([W.ravel() for W in init_weights([3, 4, 1], 5, init="he")])
    assert np.array_equal(run.params_at(0), expected)
    run.train(30)
    doc = snapshot_dict(run)
    assert doc["schema_version"] == 2 and doc["init"] == "he"
    save_snapshot(tmp_path / "he.json", run)
    loaded, k = load_snapshot(tmp_path / "he.json")
    assert loaded.options.init == "he" and k == 30
    assert np.array_equal(loaded.params_at(30), run.params_at(30))
    assert loaded.restarted().options.init == "he"


def test_uniform_runs_write_no_init_key_and_files_without_it_read_as_uniform(tmp_path):
    X, Y = builtin("xor")
    run = Run(X, Y, [3, 4, 1], options=TrainingOptions(bias=True))
    run.train(5)
    doc = snapshot_dict(run)
    assert doc["schema_version"] == 2 and "init" not in doc
    assert "init" not in snapshot_dict(Run(X, Y, [3, 4, 1]))  # schema 1 as before
    save_snapshot(tmp_path / "u.json", run)
    loaded, _ = load_snapshot(tmp_path / "u.json")
    assert loaded.options.init == "uniform"


# ---- the command line ---------------------------------------------------------------


def test_train_init_flag_draws_the_scheme(capsys):
    result = run_main(["train", "--dataset", "xor", "--layers", "3,4,1", "--init", "xavier",
                       "--seed", "2", "--iterations", "0", "--json"], capsys)
    assert result.returncode == 0, result.stderr
    weights = json.loads(result.stdout)["weights"]
    for got, want in zip(weights, init_weights([3, 4, 1], 2, init="xavier"), strict=True):
        assert np.array_equal(np.array(got), want)


@pytest.mark.parametrize("value", ["glorot", "", "HE"])
def test_a_bad_init_value_is_exit_2_naming_the_flag(capsys, value):
    result = run_main(["train", "--init", value, "--iterations", "1"], capsys)
    assert_one_line_error(result, "--init", "unknown value", "uniform, xavier, he")


def test_init_cannot_be_combined_with_resume(tmp_path, capsys):
    X, Y = builtin("xor")
    run = Run(X, Y, [3, 4, 1], options=TrainingOptions(init="xavier"))
    save_snapshot(tmp_path / "x.json", run)
    result = run_main(["train", "--resume", tmp_path / "x.json", "--init", "he"], capsys)
    assert_one_line_error(result, "--init cannot be combined with --resume")


def test_inspect_prints_the_scheme(tmp_path, capsys):
    X, Y = builtin("xor")
    run = Run(X, Y, [3, 4, 1], seed=9, options=TrainingOptions(init="xavier"))
    save_snapshot(tmp_path / "x.json", run)
    result = run_main(["inspect", tmp_path / "x.json"], capsys)
    assert result.returncode == 0
    assert "initial       xavier weights from seed 9" in result.stdout.splitlines()


@pytest.mark.parametrize("init", ["xavier", "he"])
def test_a_sweep_draws_each_seed_with_the_scheme(init):
    """The batched trainer draws the weights as a single run does, scheme included."""
    from nncore.sweep import Sweep

    X, Y = builtin("xor")
    options = TrainingOptions(init=init)
    sweep = Sweep(X, Y, [3, 4, 1], seeds=(2, 5), learning_rates=(1.0, 1.0), iterations=30,
                  options=options)
    sweep.train()
    for i, seed in enumerate((2, 5)):
        run = Run(X, Y, [3, 4, 1], seed=seed, options=options)
        run.train(30)
        np.testing.assert_allclose(sweep.final_rows[i, :run.n_params], run.params_at(30),
                                   rtol=1e-12, atol=0)
