"""The math of training beyond the tutorial, against independent references: finite
differences for every loss, reduction, bias and penalty; first steps of each
optimizer worked out by hand; the fast Stepper against the plain formulas, bit for bit."""

import itertools
import re

import numpy as np
import pytest
import reference_training

from nncore.network import (
    add_penalty_gradient,
    backward,
    bias_gradients,
    check_architecture,
    forward,
    loss_value,
    penalty_value,
    softmax,
)
from nncore.optimizers import Clock, optimizer_step, total_gradient
from nncore.options import OPTIMIZERS, TrainingOptions
from nncore.stepper import Stepper

SIZES = [3, 5, 4, 3]
LOSSES = [("sse", ["tanh", "relu", "sigmoid"]), ("bce", ["relu", "tanh", "sigmoid"]),
          ("ce", ["sigmoid", "tanh", "softmax"])]
PENALTIES = [(0.0, 0.0), (0.0, 0.3), (0.2, 0.0), (0.2, 0.3)]  # (l1, l2)


def problem(loss, activations, seed):
    """Random data and parameters clear of relu kinks and of the loss clamps."""
    rng = np.random.default_rng(seed)
    while True:
        X = rng.normal(size=(6, SIZES[0]))
        if loss == "ce":
            Y = np.eye(SIZES[-1])[rng.integers(0, SIZES[-1], 6)]
        else:
            Y = rng.uniform(0.05, 0.95, size=(6, SIZES[-1]))
        weights = [rng.normal(scale=0.6, size=shape)
                   for shape in zip(SIZES, SIZES[1:], strict=False)]
        biases = [rng.normal(scale=0.3, size=n) for n in SIZES[1:]]
        sums = [a @ W + b for a, W, b in zip(forward(X, weights, activations, biases=biases)
                                             [:-1], weights, biases, strict=True)]
        clear = all(np.abs(s).min() > 1e-3 for s, name in zip(sums, activations, strict=True)
                    if name == "relu")
        if clear and np.abs(np.concatenate([W.ravel() for W in weights])).min() > 1e-3:
            return X, Y, weights, biases


def total_loss(X, Y, weights, biases, activations, loss, reduction, l1, l2):
    yhat = forward(X, weights, activations, biases=biases)[-1]
    flat = np.concatenate([W.ravel() for W in weights])
    return loss_value(yhat, Y, loss, reduction) + float(penalty_value(flat, l1, l2))


CASES = [(loss, acts, reduction, bias, l1, l2)
         for (loss, acts), reduction, bias, (l1, l2) in itertools.product(
             LOSSES, ["sum", "mean"], [False, True], PENALTIES)]


@pytest.mark.parametrize(("loss", "activations", "reduction", "bias", "l1", "l2"), CASES,
                         ids=lambda v: "-".join(v) if isinstance(v, list) else str(v))
def test_gradients_match_central_differences(loss, activations, reduction, bias, l1, l2):
    X, Y, weights, biases = problem(loss, activations, seed=11)
    biases = biases if bias else None
    grads, _, deltas = backward(X, Y, weights, activations, loss, biases, reduction)
    grads = [add_penalty_gradient(g, W, l1, l2) for g, W in zip(grads, weights, strict=True)]
    params = weights + (biases or [])
    analytic = grads + (bias_gradients(deltas) if bias else [])
    mine_too = reference_training.gradients(X, Y, weights, biases, activations, loss,
                                            reduction, l1, l2)

    def E(ps):
        return total_loss(X, Y, ps[:len(weights)], ps[len(weights):] if bias else None,
                          activations, loss, reduction, l1, l2)

    assert len(analytic) == len(params)
    for i, g in enumerate(analytic):
        numeric = reference_training.central_differences(E, params, i)
        scale = np.linalg.norm(g) + np.linalg.norm(numeric)
        assert scale > 1e-3, "a gradient that is all zeros checks nothing"
        assert np.linalg.norm(g - numeric) / scale < 1e-6, (i, g, numeric)
        # the tests' own reference (used to check whole runs) agrees too
        reference = (mine_too[0] + (mine_too[1] or []))[i]
        np.testing.assert_allclose(reference, g, rtol=1e-10, atol=1e-12)


# ---- the Stepper is the plain formulas, bit for bit -------------------------------------


def option_sets():
    for optimizer in OPTIMIZERS:
        yield TrainingOptions(optimizer=optimizer)
        yield TrainingOptions(optimizer=optimizer, bias=True, reduction="mean", l1=0.01,
                              l2=0.02, momentum=0.5, alpha=0.9, beta1=0.8, beta2=0.99,
                              eps=1e-6)


@pytest.mark.parametrize("options", list(option_sets()),
                         ids=lambda o: f"{o.optimizer}-{'options' if o.bias else 'plain'}")
@pytest.mark.parametrize(("loss", "activations"), LOSSES, ids=[loss for loss, _ in LOSSES])
def test_stepper_steps_as_the_plain_formulas(options, loss, activations):
    X, Y, weights, biases = problem(loss, activations, seed=5)
    n_weights = sum(W.size for W in weights)
    theta = np.concatenate([W.ravel() for W in weights]
                           + ([b for b in biases] if options.bias else []))
    stepper = Stepper(X, Y, SIZES, activations, loss, options)
    clock = Clock(options)
    stepper.set_params(theta)
    state = {name: np.zeros_like(theta) for name in options.state_names}
    for k, lr in enumerate([0.5, 0.5, 0.25, 1.0]):
        W = [w.copy() for w in _split(theta, n_weights)[0]]
        b = _split(theta, n_weights)[1] if options.bias else None
        grads, layers, deltas = backward(X, Y, W, activations, loss, b, options.reduction)
        data = np.concatenate([g.ravel() for g in grads]
                              + (bias_gradients(deltas) if options.bias else []))
        g = total_gradient(options, data, theta, n_weights)
        theta, state, _ = optimizer_step(options, theta, g, state, k + 1, lr)
        clock.set(k + 1)
        yhat = stepper.step(lr, clock)
        assert np.array_equal(yhat, layers[-1]), k
        assert np.array_equal(stepper.params, theta), k
        flat_state = np.concatenate([state[name] for name in options.state_names] or [[]])
        assert np.array_equal(stepper.optimizer_state, flat_state), k


def _split(theta, n_weights):
    weights = [theta[:15].reshape(3, 5), theta[15:35].reshape(5, 4),
               theta[35:n_weights].reshape(4, 3)]
    rest = theta[n_weights:]
    return weights, [rest[:5], rest[5:9], rest[9:12]]


# ---- first steps worked out by hand -----------------------------------------------------
# A 1-1 linear unit with a bias on two rows: x = [1, 2], y = [1, 0], w = 0.5, b = 0.
# yhat = [0.5, 1], yhat - y = [-0.5, 1]: dE/dw = -0.5*1 + 1*2 = 1.5, dE/db = 0.5.

X1, Y1 = np.array([[1.0], [2.0]]), np.array([[1.0], [0.0]])


def first_steps(optimizer, steps, lr=0.1, **options):
    from nncore import Run

    run = Run(X1, Y1, [1, 1], ["linear"], "sse", lr, initial_weights=[[[0.5]]],
              options=TrainingOptions(bias=True, optimizer=optimizer, **options))
    run.train(steps)
    return [(run.at(k).weights[0][0, 0], run.at(k).biases[0][0]) for k in range(steps + 1)]


def test_sgd_first_step_by_hand():
    assert first_steps("sgd", 1)[1] == pytest.approx((0.5 - 0.15, -0.05), rel=1e-14)


def test_momentum_first_two_steps_by_hand():
    # step 1: v = g = (1.5, 0.5), as SGD. At w = 0.35, b = -0.05: yhat = [0.3, 0.65],
    # yhat - y = [-0.7, 0.65], g = (-0.7 + 1.3, -0.05) = (0.6, -0.05);
    # v = 0.9 * (1.5, 0.5) + (0.6, -0.05) = (1.95, 0.4).
    steps = first_steps("momentum", 2)
    assert steps[1] == pytest.approx((0.35, -0.05), rel=1e-14)
    assert steps[2] == pytest.approx((0.35 - 0.195, -0.05 - 0.04), rel=1e-13)


def test_nesterov_first_step_by_hand():
    # v = g = (1.5, 0.5); the step is lr * (g + 0.9 v) = 0.1 * (2.85, 0.95)
    assert first_steps("nesterov", 1)[1] == pytest.approx((0.5 - 0.285, -0.095), rel=1e-14)


def test_rmsprop_first_step_by_hand():
    # s = 0.01 g^2 = (0.0225, 0.0025), sqrt(s) = (0.15, 0.05)
    w, b = first_steps("rmsprop", 1)[1]
    assert w == pytest.approx(0.5 - 0.1 * 1.5 / (0.15 + 1e-8), rel=1e-14)
    assert b == pytest.approx(0.0 - 0.1 * 0.5 / (0.05 + 1e-8), rel=1e-14)


def test_adam_first_step_is_lr_times_the_sign_by_hand():
    # t = 1: mhat = g and vhat = g^2, so the step is lr * g / (|g| + eps)
    w, b = first_steps("adam", 1)[1]
    assert w == pytest.approx(0.5 - 0.1 * 1.5 / (1.5 + 1e-8), rel=1e-14)
    assert b == pytest.approx(0.0 - 0.1 * 0.5 / (0.5 + 1e-8), rel=1e-14)


def test_adam_second_step_by_hand():
    # At w = 0.4 - tiny, b = -0.1 + tiny (take them exactly from step 1).
    steps = first_steps("adam", 2)
    w1, b1 = steps[1]
    yhat = np.array([w1 + b1, 2 * w1 + b1])
    err = yhat - np.array([1.0, 0.0])
    g = np.array([err[0] + 2 * err[1], err[0] + err[1]])
    g0 = np.array([1.5, 0.5])
    m = 0.9 * (0.1 * g0) + 0.1 * g
    v = 0.999 * (0.001 * g0 ** 2) + 0.001 * g ** 2
    m_hat, v_hat = m / (1 - 0.9 ** 2), v / (1 - 0.999 ** 2)
    expected = np.array([w1, b1]) - 0.1 * m_hat / (np.sqrt(v_hat) + 1e-8)
    assert steps[2] == pytest.approx(tuple(expected), rel=1e-12)


@pytest.mark.parametrize(("options", "g"), [
    ({"l2": 0.1}, (1.5 + 0.1 * 0.5, 0.5)),  # lambda2 * w, never the bias
    ({"l1": 0.1}, (1.5 + 0.1, 0.5)),  # lambda1 * sign(w)
    ({"l1": 0.1, "l2": 0.1}, (1.5 + 0.05 + 0.1, 0.5)),
    ({"reduction": "mean"}, (0.75, 0.25)),  # divided by the 2 rows
    ({"reduction": "mean", "l2": 0.1}, (0.75 + 0.05, 0.25)),  # the penalty is not divided
])
def test_penalties_and_the_mean_by_hand(options, g):
    assert first_steps("sgd", 1, lr=1.0, **options)[1] == pytest.approx(
        (0.5 - g[0], 0.0 - g[1]), rel=1e-14)


def test_softmax_cross_entropy_first_step_by_hand():
    """One input 1 into two softmax units, all zero: yhat = [0.5, 0.5], y = [1, 0], so
    E = log 2 and dE/ds = yhat - y = [-0.5, 0.5]; with bias, the same for b."""
    from nncore import Run

    run = Run([[1.0]], [[1.0, 0.0]], [1, 2], ["softmax"], "ce", 1.0,
              initial_weights=[[[0.0, 0.0]]], options=TrainingOptions(bias=True))
    assert run.losses[0] == pytest.approx(np.log(2), rel=1e-15)
    run.train(1)
    assert run.at(1).weights[0].tolist() == [[0.5, -0.5]]
    assert run.at(1).biases[0].tolist() == [0.5, -0.5]
    e = np.exp([0.5 + 0.5, -1.0])
    assert run.losses[1] == pytest.approx(-np.log(e[0] / e.sum()), rel=1e-14)
    assert run.accuracies[1] == 1.0


# ---- softmax and the architecture rules ------------------------------------------------


def test_softmax_is_finite_for_extreme_sums_without_warnings():
    s = np.array([[1000.0, -1000.0, 0.0], [-800.0, -800.0, -800.0], [1e300, 1e300, -1e300]])
    with np.errstate(all="raise"):
        p = softmax(s)
    assert np.all(np.isfinite(p)) and np.allclose(p.sum(axis=1), 1.0)
    assert p[0].tolist() == [1.0, 0.0, 0.0] and np.allclose(p[1], 1 / 3)
    # a probability that underflowed to 0 costs log of the smallest normal, not inf
    assert loss_value(np.array([[0.0, 1.0]]), np.array([[1.0, 0.0]]), "ce") == \
        pytest.approx(708.396, abs=1e-3)


@pytest.mark.parametrize(("sizes", "activations", "loss", "message"), [
    ([3, 2, 2], ["softmax", "softmax"], "ce", "softmax is for the output layer only"),
    ([3, 2], ["sigmoid"], "ce", "ce (cross-entropy) needs a softmax output layer"),
    ([3, 2], ["softmax"], "sse", "a softmax output layer needs the ce loss"),
    ([3, 1], ["softmax"], "ce", "a softmax output layer needs two or more units"),
])
def test_softmax_and_ce_go_together(sizes, activations, loss, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        check_architecture(sizes, activations, loss)
