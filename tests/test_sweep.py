"""Sweeps (nncore.sweep): every run equals the same run trained alone by Run, within
1e-12 relative by default (the fast, runs-last step sums its products otherwise than
BLAS does) and bit for bit with ``exact=True``, for every option; divergence stops
only the runs concerned; stopping between chunks leaves every run where a single run
would be; the memory budget holds."""

import numpy as np
import pytest
from benchmarks.baselines import XOR_X, XOR_Y

from nncore import BudgetError, Run, three_class, two_d
from nncore import sweep as sweep_module
from nncore.options import OPTIMIZERS, TrainingOptions
from nncore.sweep import Sweep
from nncore.sweep_results import csv_text, run_records, solved_fraction
from nncore.sweep_step import shared_product_is_exact

SPIRAL_X, SPIRAL_Y = two_d("spiral", 40)[0][:, :2], two_d("spiral", 40)[1]
RELATIVE = 1e-12  # the fast sweep's bound against the single run
EXACT = [pytest.param(None, id="default"), pytest.param(True, id="exact")]


def difference(swept_row, run_row, parts):
    """The largest difference between two rows ``[theta | state]``, each part (theta,
    then each optimizer state vector) relative to that part's largest magnitude in the
    single run: a weight that passes near zero has no meaningful relative error of
    its own."""
    worst, start = 0.0, 0
    for size in parts:
        a, b = swept_row[start:start + size], run_row[start:start + size]
        scale = np.max(np.abs(b), initial=0.0)
        if scale:
            worst = max(worst, float(np.max(np.abs(a - b))) / scale)
        else:
            assert np.array_equal(a, b)
        start += size
    return worst


def assert_same(swept_values, run_values, exact):
    """Equal bit for bit when ``exact``, otherwise each within RELATIVE of itself."""
    if exact:
        assert np.array_equal(swept_values, run_values)
    else:
        swept_values, run_values = np.asarray(swept_values), np.asarray(run_values)
        assert (np.abs(swept_values - run_values) <= RELATIVE * np.abs(run_values)).all()


def assert_runs_equal(swept, X, Y, layer_sizes, activations=None, loss="sse", options=None):
    """Every run of ``swept`` against a fresh Run with its seed and rate: the last
    iteration, diverged_at, the final row and scores, and every recorded score; the
    accuracies (thresholds) and diverged_at equal, the other numbers bit for bit with
    ``exact`` and within RELATIVE without."""
    exact = swept.exact
    for i in range(swept.runs):
        run = Run(X, Y, layer_sizes, activations, loss, float(swept.learning_rates[i]),
                  int(swept.seeds[i]), options=options)
        run.train(swept.iterations)
        assert swept.diverged(i) == run.diverged_at
        k = run.newest
        assert swept.last_iteration[i] == k
        if exact:
            assert np.array_equal(swept.final_rows[i], run.row_at(k))
        else:
            parts = [swept.n_theta] * (len(swept.final_rows[i]) // swept.n_theta)
            assert difference(swept.final_rows[i], run.row_at(k), parts) <= RELATIVE
        assert_same(swept.final["loss"][i], run.losses[k], exact)
        assert swept.final["accuracy"][i] == run.accuracies[k]
        recorded = swept.recorded <= k
        ks = swept.recorded[recorded]
        assert_same(swept.curves["loss"][recorded, i], run.losses[ks], exact)
        assert np.array_equal(swept.curves["accuracy"][recorded, i], run.accuracies[ks])
        assert np.isnan(swept.curves["loss"][~recorded, i]).all()
        if run.test_losses is None:
            assert swept.curves["test_loss"] is None
        else:
            assert_same(swept.final["test_loss"][i], run.test_losses[k], exact)
            assert_same(swept.curves["test_loss"][recorded, i], run.test_losses[ks], exact)
            assert np.array_equal(swept.curves["test_accuracy"][recorded, i],
                                  run.test_accuracies[ks])


@pytest.mark.parametrize("exact", EXACT + [pytest.param(False, id="fast")])
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_every_optimizer_with_biases_batches_penalties_and_a_test_split(optimizer, exact):
    # the fast step on every optimizer, RMSprop and Adam too: here no gradient vanishes
    options = TrainingOptions(bias=True, optimizer=optimizer, batch_size=7, test_fraction=0.25,
                              l1=0.001, l2=0.01, reduction="mean")
    acts = ["tanh", "relu", "sigmoid"]
    swept = Sweep.grid(SPIRAL_X, SPIRAL_Y, [2, 5, 3, 1], acts, "bce", seeds=[0, 1, 7],
                       learning_rates=[0.05, 0.3], iterations=45, options=options,
                       stride=4, exact=exact).train()
    assert swept.runs == 6 and swept.recorded[-1] == 45
    assert_runs_equal(swept, SPIRAL_X, SPIRAL_Y, [2, 5, 3, 1], acts, "bce", options)


@pytest.mark.parametrize("exact", EXACT)
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_every_optimizer_with_full_batches(optimizer, exact):
    options = TrainingOptions(bias=True, optimizer=optimizer)
    swept = Sweep.grid(SPIRAL_X, SPIRAL_Y, [2, 5, 1], seeds=[3, 4], learning_rates=[0.5],
                       iterations=40, options=options, exact=exact).train()
    assert_runs_equal(swept, SPIRAL_X, SPIRAL_Y, [2, 5, 1], options=options)


@pytest.mark.parametrize("exact", EXACT)
@pytest.mark.parametrize("layer_sizes", [[3, 4, 1], [3, 1], [3, 2, 1], [3, 3, 1], [3, 8, 8, 1]])
def test_the_tutorial_training_of_xor_nets(layer_sizes, exact):
    swept = Sweep.grid(XOR_X, XOR_Y, layer_sizes, seeds=range(6), learning_rates=[1.0, 0.5],
                       iterations=130, stride=7, exact=exact).train()
    assert list(swept.recorded[-3:]) == [119, 126, 130]
    assert_runs_equal(swept, XOR_X, XOR_Y, layer_sizes)


@pytest.mark.parametrize("exact", EXACT)
def test_softmax_with_cross_entropy(exact):
    X, Y = three_class(60)
    for sizes, acts, options in (([3, 6, 3], ["relu", "softmax"],
                                  TrainingOptions(bias=True, optimizer="adam", batch_size=16)),
                                 ([3, 3], ["softmax"], TrainingOptions())):
        swept = Sweep.grid(X, Y, sizes, acts, "ce", seeds=[0, 1], learning_rates=[0.01, 0.1],
                           iterations=30, options=options, exact=exact).train()
        assert_runs_equal(swept, X, Y, sizes, acts, "ce", options)


def test_the_first_layer_is_one_product_only_where_it_gives_each_run_its_bits():
    assert shared_product_is_exact(np.asarray(XOR_X, float), 4, 1000)
    swept = Sweep.grid(XOR_X, XOR_Y, [3, 4, 1], seeds=range(3), iterations=1,
                       exact=True).train()
    assert swept._stepper.shared
    # numpy makes a one-column product a matrix-vector product, summed otherwise
    assert not shared_product_is_exact(np.random.default_rng(0).random((200, 2)), 1, 50)
    swept = Sweep.grid(SPIRAL_X, SPIRAL_Y, [2, 1], seeds=range(50), iterations=1,
                       exact=True).train()
    assert not swept._stepper.shared
    # the fast step shares it whenever the rows are the same: it is not bit for bit anyway
    assert Sweep.grid(SPIRAL_X, SPIRAL_Y, [2, 1], seeds=range(50), iterations=1).train() \
        ._stepper.shared


def test_the_fast_step_serves_every_optimizer_but_the_self_scaling_ones():
    for optimizer in OPTIMIZERS:
        options = TrainingOptions(optimizer=optimizer)
        swept = Sweep(XOR_X, XOR_Y, [3, 4, 1], seeds=[1], options=options)
        assert swept.exact == (optimizer in ("rmsprop", "adam"))
        assert Sweep(XOR_X, XOR_Y, [3, 4, 1], seeds=[1], options=options, exact=False).exact \
            is False


def test_how_close_the_fast_sweep_comes_to_single_runs():
    """Trask's 3-4-1 xor, 20 seeds of 2000 iterations: the fast step's products are
    summed otherwise than BLAS sums them, a few units in the last place each, and
    training does not amplify them; the bound is 1e-12, the runs stay near 1e-15."""
    swept = Sweep.grid(XOR_X, XOR_Y, [3, 4, 1], seeds=range(0, 1000, 50), iterations=2000,
                       stride=1).train()
    assert not swept.exact and swept._stepper.shared
    worst_row = worst_loss = 0.0
    for i, seed in enumerate(range(0, 1000, 50)):
        run = Run(XOR_X, XOR_Y, [3, 4, 1], seed=seed)
        run.train(2000)
        worst_row = max(worst_row, difference(swept.final_rows[i], run.row_at(2000),
                                              [swept.n_theta]))
        worst_loss = max(worst_loss, float(np.max(np.abs(swept.curves["loss"][:, i]
                                                         - run.losses) / run.losses)))
        assert np.array_equal(swept.curves["accuracy"][:, i], run.accuracies)
    assert worst_row <= 1e-14 and worst_loss <= 1e-13


@pytest.mark.parametrize("options", [TrainingOptions(bias=True),
                                     TrainingOptions(bias=True, batch_size=5,
                                                     test_fraction=0.2)])
@pytest.mark.parametrize("exact", EXACT)
def test_some_runs_diverge_and_the_others_go_on(options, exact):
    rates = [0.001, 0.05, 0.5, 3.0]
    swept = Sweep.grid(SPIRAL_X, SPIRAL_Y, [2, 5, 1], ["relu", "linear"], seeds=range(3),
                       learning_rates=rates, iterations=200, options=options,
                       exact=exact).train()
    diverged = swept.diverged_at >= 0
    assert diverged.any() and not diverged.all()
    assert (swept.last_iteration[~diverged] == 200).all()
    assert (swept.last_iteration[diverged] == swept.diverged_at[diverged] - 1).all()
    assert np.isfinite(swept.final_rows).all()
    assert_runs_equal(swept, SPIRAL_X, SPIRAL_Y, [2, 5, 1], ["relu", "linear"], options=options)


def test_stopping_between_chunks_leaves_every_run_where_a_single_run_would_be():
    swept = Sweep.grid(XOR_X, XOR_Y, [3, 4, 1], seeds=range(250), iterations=500, exact=True)
    swept.chunk = 64
    steps = swept.steps()
    assert [next(steps) for _ in range(8)] == [0] * 8  # 32 seeds' weights drawn each
    assert next(steps) == 64
    assert next(steps) == 128
    steps.close()  # cancel: no more steps
    assert swept.done == 128
    for i in (0, 101, 249):
        run = Run(XOR_X, XOR_Y, [3, 4, 1], seed=i)
        run.train(128)
        assert np.array_equal(swept.final_rows[i], run.row_at(128))
        assert swept.final["loss"][i] == run.losses[128]
    assert np.isnan(swept.curves["loss"][129:]).all()


def test_progress_is_told_after_every_chunk():
    swept = Sweep.grid(XOR_X, XOR_Y, [3, 4, 1], seeds=range(2), iterations=300)
    swept.chunk = 100
    told = []
    swept.train(lambda done, total: told.append((done, total)))
    assert told == [(0, 300), (100, 300), (200, 300), (300, 300)]


def test_the_curves_keep_every_stride_th_iteration_within_their_budget(monkeypatch):
    monkeypatch.setattr(sweep_module, "RECORD_BYTES", 8 * 2 * 10 * 40)
    swept = Sweep.grid(XOR_X, XOR_Y, [3, 4, 1], seeds=range(10), iterations=200).train()
    assert swept.stride == 8
    assert swept.curves["loss"].shape == (26, 10)
    assert_runs_equal(swept, XOR_X, XOR_Y, [3, 4, 1])


def test_too_many_runs_are_refused_before_anything_is_allocated():
    with pytest.raises(BudgetError, match="runs"):
        Sweep(XOR_X, XOR_Y, [3, 64, 64, 1], seeds=list(range(20000)),
              learning_rates=[1.0] * 20000, iterations=10)
    with pytest.raises(BudgetError, match="more than a sweep may train"):
        Sweep(XOR_X, XOR_Y, [3, 1], seeds=[1] * (sweep_module.MAX_RUNS + 1),
              learning_rates=[1.0] * (sweep_module.MAX_RUNS + 1))


@pytest.mark.parametrize("kwargs, field", [
    (dict(seeds=[-1], learning_rates=[1.0]), "seed"),
    (dict(seeds=[1], learning_rates=[0.0]), "learning_rate"),
    (dict(seeds=[1, 2], learning_rates=[1.0]), "seeds"),
    (dict(seeds=[1], learning_rates=[1.0], iterations=-1), "iterations"),
])
def test_bad_runs_are_refused_naming_the_field(kwargs, field):
    with pytest.raises(ValueError, match=field):
        Sweep(XOR_X, XOR_Y, [3, 4, 1], **kwargs)


def test_results_as_records_and_csv():
    swept = Sweep.grid(XOR_X, XOR_Y, [3, 4, 1], seeds=[1, 2], learning_rates=[0.5, 1.0],
                       iterations=20, options=TrainingOptions(bias=True), exact=True).train()
    records = run_records(swept)
    assert [(r["seed"], r["learning_rate"]) for r in records] == [
        (1, 0.5), (1, 1.0), (2, 0.5), (2, 1.0)]  # seeds outer
    run = Run(XOR_X, XOR_Y, [3, 4, 1], learning_rate=1.0, seed=2,
              options=TrainingOptions(bias=True))
    run.train(20)
    assert records[3]["weights"] == [W.tolist() for W in run.weights_at(20)]
    assert records[3]["biases"] == [b.tolist() for b in run.at(20).biases]
    assert records[3]["test_loss"] is None and records[3]["diverged_at"] is None
    lines = csv_text(swept).splitlines()
    assert lines[0].startswith("seed,learning_rate,iterations,loss")
    assert lines[4].split(",")[:3] == ["2", "1.0", "20"]
    assert float(lines[4].split(",")[3]) == run.losses[20]
    assert solved_fraction(swept) == float(swept.solved().mean())


@pytest.mark.parametrize("init", ["xavier", "he"])
def test_the_scaled_initial_weights_are_the_single_runs(init):
    options = TrainingOptions(init=init)
    swept = Sweep.grid(XOR_X, XOR_Y, [3, 4, 2, 1], seeds=[0, 9, 9, 31], iterations=0,
                       options=options).train()
    for i, seed in enumerate([0, 9, 9, 31]):
        run = Run(XOR_X, XOR_Y, [3, 4, 2, 1], seed=seed, options=options)
        assert np.array_equal(swept.final_rows[i], run.row_at(0))
