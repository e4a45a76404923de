"""The gradient's size per layer, from the history: against finite differences and the
step's own gradient; its sample for plots; unit states against a plain forward pass."""

import numpy as np
import pytest

from nncore import Run, TrainingOptions, builtin, forward, loss_value
from nncore.datasets import three_class, two_d
from nncore.gradient_flow import (
    SATURATED_SHARE,
    GradientFlow,
    gradient_norms,
    theta_rows,
    unit_states,
)


def batch_loss_at(run, k, weights):
    """The data loss of iteration k's batch with ``weights`` (biases as at k)."""
    it = run.at(k)
    rows = it.batch_rows
    yhat = forward(run.X[rows], weights, run.activations, biases=it.biases)[-1]
    return loss_value(yhat, run.Y[rows], run.loss, run.options.reduction)


def finite_difference_norms(run, k, h=1e-6):
    weights = [W.copy() for W in run.weights_at(k)]
    norms = []
    for W in weights:
        g = np.zeros_like(W)
        for idx in np.ndindex(W.shape):
            old = W[idx]
            W[idx] = old + h
            up = batch_loss_at(run, k, weights)
            W[idx] = old - h
            down = batch_loss_at(run, k, weights)
            W[idx] = old
            g[idx] = (up - down) / (2 * h)
        norms.append(np.linalg.norm(g))
    return np.array(norms)


CASES = {
    "tutorial-deep": lambda: Run(*builtin("xor"), [3, 4, 3, 1], ["tanh", "sigmoid", "sigmoid"]),
    "minibatch-adam-mean": lambda: Run(
        *two_d("circle", 30), [3, 5, 4, 1], ["relu", "tanh", "sigmoid"], "bce", 0.05, seed=2,
        options=TrainingOptions(bias=True, batch_size=7, optimizer="adam", reduction="mean",
                                l2=0.1, test_fraction=0.2)),
    "softmax-ce": lambda: Run(*three_class(24, seed=1), [3, 6, 3], ["tanh", "softmax"], "ce",
                              0.1, options=TrainingOptions(bias=True, batch_size=5)),
}


@pytest.mark.parametrize("case", CASES)
def test_norms_agree_with_finite_differences_and_the_step(case):
    run = CASES[case]()
    run.train(25)
    ks = [0, 3, 11, 24, 25]
    norms = gradient_norms(run, ks)
    for row, k in zip(norms, ks, strict=True):
        np.testing.assert_allclose(row, finite_difference_norms(run, k), rtol=1e-5)
        step = run.at(k).step()
        data = run.unflatten(step.gradient[:run.n_params])  # without the penalty's part
        np.testing.assert_allclose(row, [np.linalg.norm(g) for g in data], rtol=1e-12)


def test_theta_rows_are_the_history_rows_with_any_stride():
    run = Run(*two_d("spiral", 100), [3, 64, 64, 1], ["tanh", "tanh", "sigmoid"],
              learning_rate=0.01)
    run.train(300)
    assert run.stride > 1  # the history keeps every stride-th row: the others are replayed
    ks = [0, 1, run.stride, run.stride + 3, 299, 300]
    rows = theta_rows(run, ks)
    for row, k in zip(rows, ks, strict=True):
        assert np.array_equal(row, run.row_at(k)[:run.n_theta])


def test_the_plot_sample_is_small_and_sits_on_stored_rows_once_the_run_is_long():
    run = Run(*two_d("spiral", 100), [3, 64, 64, 1], ["tanh", "tanh", "sigmoid"],
              learning_rate=0.01)
    run.train(100)
    assert run.stride > 1
    flow = GradientFlow(run, max_points=16)
    ks, norms, complete = flow.curves()  # short: every 8th iteration, some replayed
    assert complete and np.array_equal(ks, [*range(0, 100, 8), 100])
    np.testing.assert_allclose(norms, gradient_norms(run, ks), rtol=1e-12)
    run.train(16 * run.stride - 100)  # long enough: every point on a stored row
    ks2, norms2, complete = flow.curves()
    assert complete and len(ks2) <= 17 and ks2[-1] == run.newest
    assert all(k % run.stride == 0 for k in ks2)
    step = ks2[1] - ks2[0]
    assert step & (step - 1) == 0
    np.testing.assert_allclose(norms2, gradient_norms(run, ks2), rtol=1e-12)
    run.train(run.newest)  # twice as long: the new sample's old part is the old sample's
    ks3, norms3, _ = flow.curves()
    assert {int(k) for k in ks3 if k < ks2[-1]} <= {int(k) for k in ks2}
    np.testing.assert_allclose(norms3, gradient_norms(run, ks3), rtol=1e-12)


def test_a_change_in_the_past_makes_later_norms_stale():
    run = Run(*builtin("xor"), [3, 4, 1])
    run.train(100)
    flow = GradientFlow(run)
    before = flow.at([10, 40, 90]).copy()
    run.set_weight(40, 0, 0, 0, 3.0)
    run.train(60)
    after = flow.at([10, 40, 90])
    assert np.array_equal(after[0], before[0])
    np.testing.assert_allclose(after, gradient_norms(run, [10, 40, 90]), rtol=1e-12)
    assert not np.allclose(after[1:], before[1:])
    run.truncate(30)
    run.set_learning_rate(30, 3.0)
    run.train(60)
    np.testing.assert_allclose(flow.at([10, 40, 90]), gradient_norms(run, [10, 40, 90]),
                               rtol=1e-12)


def test_vanishing_gradients_in_a_deep_sigmoid_net_and_not_with_he_relu():
    X, Y = two_d("circle", 200)
    sigmoid = Run(X, Y, [3] + [8] * 6 + [1], learning_rate=0.5)
    first, last = gradient_norms(sigmoid, [0])[0][[0, -1]]
    assert first < last / 100
    relu = Run(X, Y, [3] + [8] * 6 + [1], ["relu"] * 6 + ["sigmoid"], learning_rate=0.03,
               options=TrainingOptions(init="he"))
    first, last = gradient_norms(relu, [0])[0][[0, -1]]
    assert last / 10 < first < last * 10


def test_unit_states_against_a_plain_forward_pass():
    X, Y = two_d("circle", 200)
    run = Run(X, Y, [3, 8, 8, 1], ["tanh", "relu", "sigmoid"], learning_rate=1.0)
    run.train(200)
    for k in (0, 50, 200):
        states = unit_states(run, k)
        a = run.X_train
        for layer, (W, name) in enumerate(zip(run.weights_at(k), run.activations,
                                              strict=True)):
            s = a @ W
            a = forward(a, [W], [name])[-1]
            if name == "tanh":
                share = np.mean(np.abs(s) >= 2.0, axis=0)
                assert np.array_equal(states.saturated[layer], share >= SATURATED_SHARE)
            elif name == "relu":
                share = np.mean(s <= 0, axis=0)
                assert np.array_equal(states.dead[layer], share == 1)
            else:
                share = np.mean(np.abs(s) >= 4.0, axis=0)
            np.testing.assert_allclose(states.share[layer], share)
        assert not states.dead[0].any() and not states.saturated[1].any()


def test_a_limit_computes_part_of_the_sample_at_a_time():
    run = Run(*builtin("xor"), [3, 4, 1])
    run.train(500)
    flow = GradientFlow(run, max_points=100)
    full = flow.sample()
    seen = []
    for _ in range(10):
        ks, norms, complete = flow.curves(limit=20)
        assert len(ks) == len(norms) and set(ks) <= set(full)
        np.testing.assert_allclose(norms, gradient_norms(run, ks), rtol=1e-12)
        seen.append(len(ks))
        if complete:
            break
    assert complete and np.array_equal(ks, full)
    assert seen[0] <= 20 and seen == sorted(seen) and len(seen) > 1
