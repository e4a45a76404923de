"""The engine's math against independent references: the tutorial's printed numbers,
its own training loop, Trask's classic loop, and finite differences."""

import itertools

import numpy as np
import pytest
from benchmarks.baselines import (
    TUTORIAL_X,
    TUTORIAL_Y,
    XOR_X,
    XOR_Y,
    quiet,
    trask_xor,
    tutorial_net,
)
from reference_training import central_differences

from nncore import Run, forward, init_weights, loss_value, sigmoid
from nncore.network import ACTIVATIONS, backward
from nncore.stepper import Stepper


@pytest.fixture(scope="module")
def tutorial_run():
    run = Run(TUTORIAL_X, TUTORIAL_Y, [3, 1], seed=1, learning_rate=1.0)
    run.train(1000)
    return run


# ---- the tutorial's printed numbers ------------------------------------------------------

def test_tutorial_printed_numbers(tutorial_run):
    run = tutorial_run
    assert run.newest == 1000
    np.testing.assert_allclose(run.params_at(0), [-0.16595599, 0.44064899, -0.99977125],
                               atol=1e-8)
    np.testing.assert_allclose(run.outputs[999].ravel(),
                               [0.03178421, 0.97414645, 0.97906682, 0.02576499], atol=1e-8)
    np.testing.assert_allclose(run.params_at(1000), [7.26283009, -0.21614618, -3.41703015],
                               atol=1e-8)
    predicted = forward([[1, 0, 0]], run.weights_at(1000), run.activations)[-1]
    np.testing.assert_allclose(predicted.ravel(), [0.99929937], atol=1e-8)


def test_tutorial_loop_bitwise_every_iteration(tutorial_run):
    """One iteration at a time through the tutorial's own class: weights, outputs and
    accuracy agree bit for bit at every k."""
    run = tutorial_run
    nn = tutorial_net()
    with quiet():
        for k in range(1000):
            assert np.array_equal(nn.weights.ravel(), run.params_at(k)), k
            assert np.array_equal(nn.pred(TUTORIAL_X), run.outputs[k]), k
            nn.train(TUTORIAL_X, TUTORIAL_Y, iters=1)
            assert nn.accuracy[0] == run.accuracies[k], k
    assert np.array_equal(nn.weights.ravel(), run.params_at(1000))


def test_tutorial_loop_bitwise_in_one_call(tutorial_run):
    nn = tutorial_net()
    with quiet():
        nn.train(TUTORIAL_X, TUTORIAL_Y)  # the tutorial's default: 1000 iterations
    assert np.array_equal(nn.weights.ravel(), tutorial_run.params_at(1000))
    assert np.array_equal(nn.accuracy, tutorial_run.accuracies[:1000])


# ---- Trask's 3-4-1 net on xor ------------------------------------------------------------

def first_perfect(run, limit):
    """Train up to ``limit`` iterations; the first iteration with accuracy 1.0, or None."""
    run.train(limit)
    perfect = np.flatnonzero(run.accuracies == 1.0)
    return int(perfect[0]) if perfect.size else None


def test_hidden_layer_learns_xor_and_single_layer_cannot():
    hidden = first_perfect(Run(XOR_X, XOR_Y, [3, 4, 1], seed=1, learning_rate=1), 60_000)
    assert hidden is not None and hidden < 60_000
    single = Run(XOR_X, XOR_Y, [3, 1], seed=1, learning_rate=1)
    assert first_perfect(single, 60_000) is None
    assert single.newest == 60_000 and single.accuracies.max() < 1.0


def test_trask_loop_bitwise():
    run = Run(XOR_X, XOR_Y, [3, 4, 1], seed=1, learning_rate=1)
    syn0, syn1 = init_weights([3, 4, 1], 1)
    for k in range(0, 3000, 100):
        run.train(k - run.newest)
        assert np.array_equal(run.params_at(k), np.concatenate([syn0.ravel(), syn1.ravel()]))
        trask_xor(syn0, syn1, XOR_X, XOR_Y, 100)


# ---- gradients ------------------------------------------------------------------------------

def architectures():
    """Every activation for the hidden and output layers, with each loss it allows."""
    for hidden, output in itertools.product(ACTIVATIONS, ACTIVATIONS):
        yield [hidden, hidden, output], "sse"
        if output == "sigmoid":
            yield [hidden, hidden, output], "bce"


def random_problem(activations, loss, seed):
    """A random 3-5-4-2 problem where finite differences are meaningful: no weighted
    sum sits within 1e-3 of a relu kink, no unit is dead for every sample, and a
    sigmoid output stays clear of the 1e-15 clamp in the cross-entropy."""
    rng = np.random.default_rng(seed)
    sizes = [3, 5, 4, 2]
    while True:
        X = rng.normal(size=(6, sizes[0]))
        Y = rng.uniform(0.05, 0.95, size=(6, sizes[-1]))
        weights = [rng.normal(scale=0.6, size=shape)
                   for shape in zip(sizes[:-1], sizes[1:], strict=True)]
        layers = forward(X, weights, activations)
        relu_sums = [a @ W for a, W, name in zip(layers[:-1], weights, activations, strict=True)
                     if name == "relu"]
        kinks_clear = all(np.abs(s).min() > 1e-3 and (s > 0).any(axis=0).all()
                          for s in relu_sums)
        clamp_clear = activations[-1] != "sigmoid" or np.abs(layers[-1] - 0.5).max() < 0.49
        if kinks_clear and clamp_clear:
            return X, Y, weights


@pytest.mark.parametrize(("activations", "loss"), list(architectures()),
                         ids=lambda v: "-".join(v) if isinstance(v, list) else v)
def test_gradient_matches_central_differences(activations, loss):
    X, Y, weights = random_problem(activations, loss, seed=7)
    grads, _, _ = backward(X, Y, weights, activations, loss)

    def E(ws):
        return loss_value(forward(X, ws, activations)[-1], Y, loss)

    assert len(grads) == len(weights)
    for layer, g in enumerate(grads):
        numeric = central_differences(E, weights, layer)
        scale = np.linalg.norm(g) + np.linalg.norm(numeric)
        assert scale > 1e-3, "a gradient that is all zeros checks nothing"
        assert np.linalg.norm(g - numeric) / scale < 1e-6, (layer, g, numeric)


@pytest.mark.parametrize(("activations", "loss"), list(architectures()),
                         ids=lambda v: "-".join(v) if isinstance(v, list) else v)
def test_stepper_agrees_bitwise_with_backward(activations, loss):
    X, Y, weights = random_problem(activations, loss, seed=3)
    stepper = Stepper(X, Y, [3, 5, 4, 2], activations, loss)
    stepper.set_params(np.concatenate([W.ravel() for W in weights]))
    yhat = stepper.gradient()
    grads, layers, _ = backward(X, Y, weights, activations, loss)
    assert np.array_equal(yhat, layers[-1])
    for ours, reference in zip(stepper.grads, grads, strict=True):
        assert np.array_equal(ours, reference)
    before = stepper.params.copy()
    stepper.step(0.25)
    expected = before - 0.25 * np.concatenate([g.ravel() for g in grads])
    assert np.array_equal(stepper.params, expected)


@pytest.mark.parametrize("seed", [0, 1, 2, 42, 2**31, 2**32 - 1, np.int64(7), np.uint32(9)])
def test_init_weights_are_numpys_random_state_bit_for_bit(seed):
    """init_weights draws from Python's MT19937 given numpy's seeded state: the same
    numbers as ``RandomState(seed).random_sample``, every layer in turn."""
    for sizes in ([3, 1], [3, 32, 32, 1], [5, 7, 2], [1, 1]):
        rng = np.random.RandomState(seed)
        expected = [2 * rng.random_sample((m, n)) - 1
                    for m, n in zip(sizes, sizes[1:], strict=False)]
        weights = init_weights(sizes, seed)
        assert [W.shape for W in weights] == [W.shape for W in expected]
        assert all(np.array_equal(W, E) for W, E in zip(weights, expected, strict=True))


def test_init_weights_refuses_seeds_as_numpy_does():
    for seed in (-1, 2**32):
        with pytest.raises(ValueError, match="Seed must be between 0 and 2\\*\\*32 - 1"):
            init_weights([3, 1], seed)
    with pytest.raises(TypeError):
        init_weights([3, 1], 1.5)
    weights = init_weights([3, 2], None)  # numpy's fresh entropy, as before
    assert weights[0].shape == (3, 2) and np.all(np.abs(weights[0]) <= 1)


# ---- numerical safety -----------------------------------------------------------------------

def test_sigmoid_saturates_without_warnings():
    s = np.array([710.0, -710.0, 1000.0, -1000.0, 0.0])
    with np.errstate(all="raise"):
        a = sigmoid(s)
        yhat = forward([[1.0]], [np.array([[-1000.0]])], ["sigmoid"])[-1]
    assert not np.isnan(a).any() and not np.isnan(yhat).any()
    assert np.array_equal(a, [1.0, 0.0, 1.0, 0.0, 0.5])
    assert yhat[0, 0] == 0.0


def test_saturated_network_trains_without_warnings():
    """Weights that push every sum to +-1000: the step is finite and raises nothing."""
    run = Run([[1, 0], [0, 1]], [[1], [0]], [2, 1], initial_weights=[[[1000.0], [-1000.0]]])
    with np.errstate(all="raise"):
        assert run.train(10) == 10
    assert np.isfinite(run.losses).all() and run.diverged_at is None
    assert np.array_equal(run.outputs[10].ravel(), [1.0, 0.0])
