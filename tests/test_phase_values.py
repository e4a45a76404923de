"""The numbers of each micro-step are the engine's own, bit for bit, and the tutorial's."""

import numpy as np
import pytest

from nncore import Run, TrainingOptions, builtin, three_class
from nncore.network import activate, batch_loss
from nncore.phase_values import phase_values


def nonlin(x, deriv=False):  # the tutorial's own
    if deriv:
        return x * (1 - x)
    return 1 / (1 + np.exp(-x))


def test_the_tutorials_iteration_0_is_its_code():
    run = Run(*builtin("tutorial"), [3, 1])
    run.train(1)
    values = phase_values(run, 0)
    np.random.seed(1)
    syn0 = 2 * np.random.random((3, 1)) - 1
    l0 = run.X
    l1 = nonlin(np.dot(l0, syn0))
    l1_error = run.Y - l1
    l1_delta = l1_error * nonlin(l1, True)
    assert np.array_equal(values.layers[1], l1)
    assert np.array_equal(values.error, l1_error)
    assert np.array_equal(values.tutorial_delta(0), l1_delta)
    syn0 += np.dot(l0.T, l1_delta)
    assert np.array_equal(values.weights_next[0], syn0)
    assert np.array_equal(values.weights_next[0], run.weights_at(1)[0])
    assert np.array_equal(values.weight_steps()[0], values.weight_gradients[0])  # rate 1
    assert np.array_equal(values.weights[0] - values.weight_steps()[0], syn0)


def runs_with_options():
    X, Y = three_class(60, noise=0.2, seed=3)
    adam = TrainingOptions(bias=True, reduction="mean", batch_size=16, optimizer="adam",
                           l2=0.01)
    yield Run(X, Y, [3, 5, 3], ["tanh", "softmax"], "ce", 0.05, 4, options=adam)
    X, Y = builtin("xor")
    momentum = TrainingOptions(bias=True, batch_size=3, optimizer="momentum", l1=0.001)
    yield Run(X, Y, [3, 4, 2, 1], ["relu", "tanh", "sigmoid"], "sse", 0.5, 7,
              options=momentum)
    yield Run(X, Y, [3, 4, 1], ["sigmoid", "sigmoid"], "bce", 1.0, 2)


@pytest.mark.parametrize("run", list(runs_with_options()))
def test_every_number_is_the_engines(run):
    run.train(12)
    for k in (0, 5, 11):
        values, iteration = phase_values(run, k), run.at(k)
        step = iteration.step()
        assert np.array_equal(values.batch_rows, iteration.batch_rows)
        for W, W_k in zip(values.weights, iteration.weights, strict=True):
            assert np.array_equal(W, W_k)
        # the activations are f of the sums shown before them, bit for bit
        for layer, name in enumerate(run.activations):
            assert np.array_equal(activate(name, values.sums[layer]), values.layers[layer + 1])
        # the gradients are the step's, laid out as theta
        flat = [g.ravel() for g in values.weight_gradients]
        if values.bias_gradients is not None:
            flat += values.bias_gradients
        assert np.array_equal(np.concatenate(flat), step.gradient)
        assert np.array_equal(values.step.theta_next, step.theta_next)
        for W, W_next in zip(values.weights_next, run.weights_at(k + 1), strict=True):
            assert np.array_equal(W, W_next)
        if values.biases_next is not None:
            for b, b_next in zip(values.biases_next, run.at(k + 1).biases, strict=True):
                assert np.array_equal(b, b_next)
        assert np.array_equal(values.error, values.targets - values.layers[-1])
        for W, W_step, W_next in zip(values.weights, values.weight_steps(),
                                     values.weights_next, strict=True):
            assert np.array_equal(W - W_step, W_next)


def test_a_full_batch_gives_the_recorded_loss():
    run = Run(*builtin("xor"), [3, 4, 1], seed=3)
    run.train(3)
    values = phase_values(run, 2)
    assert batch_loss(values.layers[-1], values.targets, axis=None) == run.at(2).loss


def test_a_sample_outside_the_mini_batch_has_no_position():
    X, Y = builtin("xor")
    run = Run(X, Y, [3, 2, 1], options=TrainingOptions(batch_size=2))
    values = phase_values(run, 0)
    inside = [values.position(row) for row in range(len(X))]
    assert sorted(p for p in inside if p is not None) == [0, 1]
    assert inside.count(None) == 2
