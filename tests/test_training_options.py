"""Runs with every training option: against the independent reference loop, the
mini-batch and held-out rows rules, time travel (any iteration equals a fresh replay),
changes in the past, the step as a learner checks it, divergence and validation."""

import itertools

import numpy as np
import pytest
from reference_training import reference_run

from nncore import Run, builtin, init_weights
from nncore.datasets import three_class
from nncore.options import OPTIMIZERS, TrainingOptions

RNG = np.random.default_rng(0)
X23 = RNG.normal(size=(23, 3))
Y23_CLASSES = np.eye(3)[RNG.integers(0, 3, 23)]
Y23 = (X23[:, :1] > 0).astype(float)
NETS = {  # (layer sizes, activations, loss, targets)
    "softmax": ([3, 5, 3], ["tanh", "softmax"], "ce", Y23_CLASSES),
    "bce": ([3, 4, 1], ["relu", "sigmoid"], "bce", Y23),
    "sse": ([3, 4, 1], ["tanh", "linear"], "sse", Y23),
}
EVERYTHING = dict(bias=True, reduction="mean", batch_size=5, l2=0.01, l1=0.001,
                  test_fraction=0.2)


def make_run(net="softmax", lr=0.05, seed=3, **options):
    sizes, activations, loss, Y = NETS[net]
    return Run(X23, Y, sizes, activations, loss, lr, seed, options=TrainingOptions(**options))


# ---- the independent reference ---------------------------------------------------------------


@pytest.mark.parametrize("net", list(NETS))
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("everything", [False, True], ids=["alone", "with-everything"])
def test_runs_agree_with_the_reference_loop(net, optimizer, everything):
    options = TrainingOptions(optimizer=optimizer, **(EVERYTHING if everything else {}))
    sizes, activations, loss, Y = NETS[net]
    run = Run(X23, Y, sizes, activations, loss, 0.05, 3, options=options)
    run.train(60)
    reference = reference_run(X23, Y, sizes, activations, loss, options, 3,
                              init_weights(sizes, 3), 60, lr=0.05)
    for k in (0, 1, 4, 5, 33, 59, 60):
        it = run.at(k)
        weights, biases, loss_k, test_loss, penalty = reference[k]
        for ours, theirs in zip(it.weights, weights, strict=True):
            np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)
        if everything:
            for ours, theirs in zip(it.biases, biases, strict=True):
                np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)
            assert it.test_loss == pytest.approx(test_loss, rel=1e-9)
        else:
            assert it.biases is None and it.test_loss is None
        assert it.loss == pytest.approx(loss_k, rel=1e-9)
        assert it.penalty == pytest.approx(penalty, rel=1e-9, abs=1e-300)


# ---- which rows: mini-batches and the held-out set -------------------------------------------


def test_batches_follow_the_rule_without_replaying():
    run = make_run(batch_size=5, test_fraction=0.2)
    train_rows = run.train_rows
    assert len(run.test_rows) == 4 and len(train_rows) == 19  # floor(0.2 * 23) held out
    expected = np.sort(np.random.default_rng([3, 0, 1]).permutation(23)[:4])
    assert run.test_rows.tolist() == expected.tolist()
    assert sorted(set(train_rows) | set(run.test_rows)) == list(range(23))
    m = 4  # ceil(19 / 5): batches of 5, 5, 5 and 4
    for k in (0, 3, 4, 7, 401, 10**6):  # far past the history too: no replay needed
        it_epoch, j = divmod(k, m)
        order = np.random.default_rng([3, it_epoch]).permutation(19)
        expected = train_rows[order[j * 5:(j + 1) * 5]]
        assert run.plan.schedule.epoch(k) == it_epoch
        assert train_rows[run.plan.schedule.positions(k)].tolist() == expected.tolist()
    run.train(8)
    for epoch in (0, 1):
        rows = np.concatenate([run.at(k).batch_rows for k in range(4 * epoch, 4 * epoch + 4)])
        assert sorted(rows.tolist()) == train_rows.tolist()  # every training row once
        assert [len(run.at(k).batch_rows) for k in range(4 * epoch, 4 * epoch + 4)] == \
            [5, 5, 5, 4]
    assert run.at(5).epoch == 1


def test_a_batch_at_least_the_training_rows_is_all_of_them_in_order():
    for batch_size in (19, 20, 1000):
        run = make_run(batch_size=batch_size, test_fraction=0.2)
        run.train(2)
        assert run.at(1).batch_rows.tolist() == run.train_rows.tolist()
        assert run.at(2).epoch == 2  # every step is a whole epoch
    full = make_run(test_fraction=0.2)
    full.train(30)
    same = make_run(batch_size=19, test_fraction=0.2)
    same.train(30)
    assert np.array_equal(full.row_at(30), same.row_at(30))


def test_held_out_rows_never_enter_a_gradient():
    """Changing the targets of the held-out rows changes their loss, never the weights."""
    run = make_run(**EVERYTHING, optimizer="adam")
    sizes, activations, loss, Y = NETS["softmax"]
    Y2 = Y.copy()
    Y2[run.test_rows] = np.roll(Y2[run.test_rows], 1, axis=1)
    other = Run(X23, Y2, sizes, activations, loss, 0.05, 3,
                options=TrainingOptions(**EVERYTHING, optimizer="adam"))
    run.train(40)
    other.train(40)
    assert np.array_equal(run.row_at(40), other.row_at(40))
    assert np.array_equal(run.losses, other.losses)
    assert not np.array_equal(run.test_losses, other.test_losses)


def test_test_scores_are_on_the_held_out_rows_and_scores_on_the_training_rows():
    from nncore.network import accuracy, forward, loss_value

    run = make_run(**EVERYTHING)
    run.train(25)
    for k in (0, 13, 25):
        it = run.at(k)
        yhat = forward(run.X, it.weights, run.activations, biases=it.biases)[-1]
        np.testing.assert_allclose(run.outputs[k], yhat, rtol=1e-12, atol=1e-15)
        train, test = run.train_rows, run.test_rows
        assert it.loss == pytest.approx(loss_value(yhat[train], run.Y[train], "ce", "mean"))
        assert it.test_loss == pytest.approx(loss_value(yhat[test], run.Y[test], "ce", "mean"))
        assert it.accuracy == accuracy(yhat[train], run.Y[train], "ce")
        assert it.test_accuracy == accuracy(yhat[test], run.Y[test], "ce")


# ---- time travel: any iteration equals a fresh replay ------------------------------------


def option_grid():
    for optimizer, batch, extra in itertools.product(
            OPTIMIZERS, [None, 7], [{}, {"bias": True, "l1": 0.01, "test_fraction": 0.25}]):
        yield TrainingOptions(optimizer=optimizer, batch_size=batch, **extra)


def wide(options, seed=2):
    """A 3-16-16-3 softmax net on the three-class points: checkpoints, so jumps replay."""
    X, Y = three_class(60, seed=1)
    return Run(X, Y, [3, 16, 16, 3], ["tanh", "tanh", "softmax"], "ce", 0.05, seed,
               options=options)


@pytest.mark.parametrize("options", list(option_grid()),
                         ids=lambda o: f"{o.optimizer}-{o.batch_size}-{o.bias}")
def test_jumping_anywhere_equals_a_fresh_replay(options):
    run = wide(options)
    assert run.stride > 1, "jumps between checkpoints replay"
    run.train(150)
    rng = np.random.default_rng(1)
    for k in [0, 1, run.stride - 1, run.stride, 149, 150, *rng.integers(0, 151, 12)]:
        fresh = wide(options)
        fresh.train(int(k))
        assert np.array_equal(run.row_at(k), fresh.row_at(k)), k
        assert np.array_equal(run.outputs[k], fresh.outputs[k]), k
        for name in ("losses", "accuracies", "test_losses", "penalties"):
            ours, theirs = getattr(run, name), getattr(fresh, name)
            assert (ours is None) == (theirs is None)
            if ours is not None:
                assert ours[k] == theirs[k], (name, k)
    other = wide(options)
    other.train(150)
    ascending = {k: other.row_at(k) for k in range(40, 80)}
    for k in [*range(60, 80), *range(79, 40, -1), 45, 77, 41]:  # scrubbing back and forth
        assert np.array_equal(run.row_at(k), ascending[k]), k
    step = run.at(70).step()
    assert np.array_equal(step.theta_next, run.row_at(71)[:run.n_theta])
    for name, value in step.state_after.items():
        assert np.array_equal(value, run.at(71).state_flat[name]), name


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_training_in_pieces_equals_one_go(optimizer):
    options = TrainingOptions(optimizer=optimizer, batch_size=7, bias=True, l2=0.01,
                              test_fraction=0.25)
    whole, pieces = wide(options), wide(options)
    whole.train(300)
    for n in [1, 2, 3, 100, 64, 1]:
        pieces.train(n)
    pieces.train(300 - pieces.newest)
    assert np.array_equal(whole.outputs, pieces.outputs)
    assert np.array_equal(whole.losses, pieces.losses)
    assert np.array_equal(whole.test_losses, pieces.test_losses)
    assert np.array_equal(whole.penalties, pieces.penalties)
    for k in range(0, 301, 7):
        assert np.array_equal(whole.row_at(k), pieces.row_at(k)), k


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_changes_in_the_past_keep_the_optimizer_state_the_replay_gives(optimizer):
    options = TrainingOptions(optimizer=optimizer, batch_size=7, bias=True)
    run = wide(options)
    run.train(200)
    state_at_90 = run.row_at(90)
    run.set_learning_rate(90, 0.01)  # later iterations go; the state at 90 stays
    assert np.array_equal(run.row_at(90), state_at_90)
    assert run.at(90).step().learning_rate == 0.01
    run.train(30)
    run.set_weight(100, 1, 2, 3, 0.5)
    run.train(20)
    run.set_bias(110, 0, 4, -0.25)
    run.train(40)
    assert run.at(110).biases[0][4] == -0.25 and run.at(100).weights[1][2, 3] == 0.5
    rebuilt = wide(options)
    assert rebuilt.replay(run.changes, run.newest)
    for k in range(0, run.newest + 1, 5):
        assert np.array_equal(rebuilt.row_at(k), run.row_at(k)), k
    assert np.array_equal(rebuilt.losses, run.losses)
    run.truncate(105)
    assert [c.kind for c in run.changes] == ["learning_rate", "weight"]


def test_the_step_is_what_a_learner_checks_by_hand():
    run = wide(TrainingOptions(optimizer="adam", batch_size=7, bias=True, l2=0.1))
    run.train(20)
    it = run.at(12)
    step = it.step()
    assert step.t == 13 and step.batch_rows.tolist() == it.batch_rows.tolist()
    m = 0.9 * it.state_flat["m"] + (1 - 0.9) * step.g
    v = 0.999 * it.state_flat["v"] + (1 - 0.999) * step.g * step.g
    np.testing.assert_allclose(step.parts["m_hat"], m / (1 - 0.9 ** 13), rtol=1e-15)
    np.testing.assert_allclose(step.parts["v_hat"], v / (1 - 0.999 ** 13), rtol=1e-15)
    weights = step.penalty_gradient[:run.n_params]
    np.testing.assert_allclose(weights, 0.1 * it.theta[:run.n_params], rtol=1e-12)
    assert not step.penalty_gradient[run.n_params:].any()  # biases are not penalised
    assert np.array_equal(it.theta - step.parts["step"], run.row_at(13)[:run.n_theta])
    assert run.gradient_at(12)[0].tolist() == run.unflatten(step.g[:run.n_params])[0].tolist()


# ---- divergence -----------------------------------------------------------------------


@pytest.mark.parametrize("options", [
    TrainingOptions(optimizer="adam"),
    TrainingOptions(optimizer="momentum", bias=True),
    TrainingOptions(optimizer="rmsprop", batch_size=2, test_fraction=0.25, l2=0.1),
], ids=["adam", "momentum-bias", "rmsprop-evaluated"])
def test_divergence_keeps_the_last_finite_iteration(options):
    X, Y = builtin("xor")
    run = Run(X, Y, [3, 4, 1], ["linear", "linear"], "sse", 1e200, options=options)
    done = run.train(500)
    assert run.diverged_at is not None and done == run.newest == run.diverged_at - 1
    for k in range(run.newest + 1):
        assert np.isfinite(run.row_at(k)).all()
    for name in ("losses", "test_losses", "penalties"):
        values = getattr(run, name)
        assert values is None or np.isfinite(values).all()
    assert run.train(5) == 0
    run.set_learning_rate(0, 1e-3)
    assert run.diverged_at is None and run.train(20) == 20


# ---- validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(("options", "message"), [
    ({"batch_size": 0}, "batch_size: must be a whole number of 1 or more, got 0"),
    ({"batch_size": 2.5}, "batch_size: must be a whole number"),
    ({"momentum": 1.5}, "momentum: must be at least 0 and less than 1, got 1.5"),
    ({"alpha": -0.1}, "alpha: must be at least 0 and less than 1"),
    ({"beta1": 1.0}, "beta1: must be at least 0 and less than 1"),
    ({"beta2": float("nan")}, "beta2: must be a finite number"),
    ({"eps": 0.0}, "eps: must be a positive number"),
    ({"l2": -1.0}, "l2: must be 0 or more"),
    ({"l1": "1_0"}, "l1: '1_0' is not a number"),
    ({"test_fraction": 1.0}, "test_fraction: must be at least 0 and less than 1"),
    ({"optimizer": "lbfgs"}, "optimizer: unknown value 'lbfgs'; choose from sgd, momentum"),
    ({"reduction": "max"}, "reduction: unknown value 'max'"),
    ({"bias": 1}, "bias: expected true or false, got 1"),
])
def test_bad_options_are_refused_naming_the_field(options, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        make_run(**options)


def test_targets_for_ce_must_be_one_hot():
    sizes, activations, _, Y = NETS["softmax"]
    Y = Y.copy()
    Y[4] = [0.5, 0.5, 0.0]
    with pytest.raises(ValueError, match=r"one-hot .*row 5 is \[0.5, 0.5, 0.0\]"):
        Run(X23, Y, sizes, activations, "ce")


def test_mini_batches_and_held_out_rows_need_a_seed():
    with pytest.raises(ValueError, match="seed: mini-batches and held-out rows"):
        make_run(seed=None, batch_size=4)
    make_run(seed=None, batch_size=23)  # every row: no draw, no seed needed


def test_the_benchmark_loop_is_the_engine_bit_for_bit():
    """The obvious mini-batch Adam loop that the benchmark races (with biases, batches
    of 10 of the 200-point spiral) makes the very same numbers."""
    from benchmarks.baselines import minibatch_adam

    from nncore import two_d

    X, Y = two_d("spiral", 200)
    X = X[:, :2]
    weights = init_weights([2, 8, 8, 1], 1)
    biases = [np.zeros(n) for n in (8, 8, 1)]
    losses = minibatch_adam(X, Y, weights, biases, 0.01, 10, 1, 300)
    run = Run(X, Y, [2, 8, 8, 1], learning_rate=0.01, seed=1,
              options=TrainingOptions(bias=True, optimizer="adam", batch_size=10))
    run.train(300)
    assert np.array_equal(run.row_at(300)[:run.n_theta],
                          np.concatenate([W.ravel() for W in weights] + biases))
    np.testing.assert_allclose(run.losses[:300], losses, rtol=1e-13)


@pytest.mark.parametrize("net", list(NETS))
def test_scores_do_not_depend_on_how_many_iterations_were_scored_together(net):
    """Iteration 1 scored in a chunk of 32 (training rows picked out of a stack of
    outputs, strided) or alone: the same bits, as numpy sums a strided block in
    another order unless it is made contiguous first."""
    options = dict(bias=True, test_fraction=0.25, l2=0.01)
    together, alone = make_run(net, **options), make_run(net, **options)
    together.train(32)
    alone.train(1)
    for name in ("losses", "accuracies", "test_losses", "test_accuracies", "penalties"):
        assert getattr(together, name)[1] == getattr(alone, name)[1], name
