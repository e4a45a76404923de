"""A Run's history against a plain reference loop built on ``backward``: random access,
changes in the past, replay, divergence and learning-rate validation."""


import numpy as np
import pytest
from benchmarks.baselines import TUTORIAL_X, TUTORIAL_Y, XOR_X, XOR_Y

from nncore import Change, Run, accuracy, check_learning_rate, forward, loss_value, memory
from nncore.memory import CHUNK
from nncore.network import backward

SMALL = dict(X=TUTORIAL_X, Y=TUTORIAL_Y, layer_sizes=[3, 1])  # dense: every W_k kept
XOR = dict(X=XOR_X, Y=XOR_Y, layer_sizes=[3, 4, 1])  # 16 weights: still dense
WIDE = dict(X=XOR_X, Y=XOR_Y, layer_sizes=[3, 32, 32, 1], learning_rate=0.5)  # checkpoints


def reference_history(run, n, changes=()):
    """W_0..W_n as flat vectors, one plain gradient step at a time with ``backward``,
    applying ``changes`` before the step of their iteration."""
    weights = [W.copy() for W in run.unflatten(run.initial_params)]
    rate = run.initial_learning_rate
    history = []
    for k in range(n + 1):
        for change in changes:
            if change.iteration == k and change.kind == "learning_rate":
                rate = change.value
            elif change.iteration == k:
                weights[change.layer][change.row, change.col] = change.value
        history.append(np.concatenate([W.ravel() for W in weights]))
        grads, _, _ = backward(run.X, run.Y, weights, run.activations, run.loss)
        weights = [W - rate * g for W, g in zip(weights, grads, strict=True)]
    return history


def assert_iteration_consistent(run, k):
    """Outputs, loss and accuracy stored for k are those of the weights stored for k."""
    yhat = forward(run.X, run.weights_at(k), run.activations)[-1]
    assert np.array_equal(run.outputs[k], yhat), k
    assert run.losses[k] == pytest.approx(loss_value(yhat, run.Y, run.loss), rel=1e-12)
    assert run.accuracies[k] == accuracy(yhat, run.Y)


def assert_same_history(a, b):
    assert a.newest == b.newest
    assert np.array_equal(a.outputs, b.outputs)
    assert np.array_equal(a.losses, b.losses)
    assert np.array_equal(a.accuracies, b.accuracies)
    for k in range(a.newest + 1):
        assert np.array_equal(a.params_at(k), b.params_at(k)), k


# ---- random access ----------------------------------------------------------------------

@pytest.mark.parametrize(("spec", "n"), [(SMALL, 2000), (XOR, 2000), (WIDE, 700)],
                         ids=["tutorial", "xor", "wide"])
def test_random_access_matches_reference(spec, n):
    run = Run(**spec)
    assert run.train(n) == n and run.newest == n
    if spec is WIDE:
        assert run.stride > 1, "this case exists to test checkpoint mode"
    else:
        assert run.stride == 1
    reference = reference_history(run, n)
    rng = np.random.default_rng(0)
    for k in [0, 1, n - 1, n, *rng.integers(0, n + 1, size=60)]:
        assert np.array_equal(run.params_at(k), reference[k]), k
        assert_iteration_consistent(run, k)
    iterations, rows = run.saved_weights()
    assert np.array_equal(iterations, np.arange(0, n + 1, run.stride))
    assert np.array_equal(rows, np.array([reference[k] for k in iterations]))
    k = int(rng.integers(0, n))
    grads, _, _ = backward(run.X, run.Y, run.weights_at(k), run.activations)
    for ours, theirs in zip(run.gradient_at(k), grads, strict=True):
        assert np.array_equal(ours, theirs)


@pytest.mark.parametrize("spec", [SMALL, WIDE], ids=["tutorial", "wide"])
def test_training_in_pieces_equals_one_go(spec):
    whole = Run(**spec)
    whole.train(2000)
    pieces = Run(**spec)
    for n in [1, 2, 255, 256, 257, 100, 128, 1]:
        pieces.train(n)

    def clock():  # simulated: 10 us a step, on any machine
        return pieces.newest * 0.00001

    budgeted = []  # pieces cut by a 1 ms budget
    while done := pieces.train(2000 - pieces.newest, seconds=0.001, clock=clock):
        budgeted.append(done)
    # The first chunk has no pace to go by; then 100 steps fill a budget (99.99...
    # in floats) and one more passes it.
    assert budgeted[0] == CHUNK and set(budgeted[1:-1]) <= {100, 101}
    assert sum(budgeted) == 1000
    assert_same_history(whole, pieces)


def test_scrubbing_back_and_forth_across_checkpoints():
    run = Run(**WIDE)
    run.train(300)
    reference = reference_history(run, 300)
    for k in [*range(100, 200), *range(199, 50, -1), 250, 60, 299, 63, 64, 65]:
        assert np.array_equal(run.params_at(k), reference[k]), k


def test_reading_the_past_does_not_disturb_training():
    run, reference = Run(**WIDE), Run(**WIDE)
    run.train(300)
    run.params_at(17)
    run.gradient_at(130)
    run.train(300)
    reference.train(600)
    assert_same_history(run, reference)


def test_index_outside_history_raises():
    run = Run(**SMALL)
    run.train(5)
    for k in (-1, 6):
        with pytest.raises(IndexError):
            run.params_at(k)


# ---- changes in the past ----------------------------------------------------------------

@pytest.mark.parametrize("spec", [SMALL, XOR, WIDE], ids=["tutorial", "xor", "wide"])
def test_truncate_discards_later_iterations(spec):
    run = Run(**spec)
    run.train(500)
    kept = run.params_at(200)
    run.truncate(200)
    assert run.newest == 200 and len(run.losses) == 201 and len(run.outputs) == 201
    assert np.array_equal(run.params_at(200), kept)
    run.train(300)
    fresh = Run(**spec)
    fresh.train(500)
    assert_same_history(run, fresh)


@pytest.mark.parametrize("spec", [SMALL, XOR, WIDE], ids=["tutorial", "xor", "wide"])
def test_changes_in_the_past_then_replay(spec):
    run = Run(**spec)
    run.train(400)
    run.set_weight(256, 0, 2, 0, -1.25)  # on a checkpoint of the wide net
    assert run.newest == 256 and run.weights_at(256)[0][2, 0] == -1.25
    run.train(200)
    run.set_learning_rate(300, 0.25)
    assert run.newest == 300 and run.learning_rate == 0.25
    assert run.learning_rate_at(299) == run.initial_learning_rate
    run.train(100)
    run.set_weight(390, 0, 1, 0, 2.5)  # between checkpoints of the wide net
    assert run.newest == 390 and run.weights_at(390)[0][1, 0] == 2.5
    run.train(150)
    assert run.changes == [Change(256, "weight", -1.25, 0, 2, 0),
                           Change(300, "learning_rate", 0.25),
                           Change(390, "weight", 2.5, 0, 1, 0)]

    reference = reference_history(run, run.newest, run.changes)
    for k in [0, 255, 256, 257, 299, 300, 301, 389, 390, 391, 540]:
        assert np.array_equal(run.params_at(k), reference[k]), k
        assert_iteration_consistent(run, k)

    rebuilt = Run(**spec)
    assert rebuilt.replay(run.changes, run.newest)
    assert rebuilt.changes == run.changes
    assert_same_history(run, rebuilt)

    run.truncate(299)  # the later changes go with the iterations they belonged to
    assert run.changes == [Change(256, "weight", -1.25, 0, 2, 0)]


def test_replay_refuses_a_bad_learning_rate_change():
    run = Run(**SMALL)
    with pytest.raises(ValueError, match="learning_rate"):
        run.replay([Change(10, "learning_rate", -1.0)], 20)


# ---- divergence ---------------------------------------------------------------------------

@pytest.mark.parametrize(("sizes", "activations"), [
    ([3, 1], ["linear"]),
    ([3, 4, 1], ["linear", "relu"]),
    ([3, 32, 32, 1], ["tanh", "linear", "linear"]),  # checkpoint mode
], ids=["linear", "relu", "wide"])
def test_divergence_keeps_the_last_finite_iteration(sizes, activations):
    """(A relu hidden layer only dies at a huge rate; a relu output explodes.)"""
    run = Run(XOR_X, XOR_Y, sizes, activations=activations, learning_rate=1e6)
    done = run.train(10_000)
    assert run.diverged_at is not None
    assert done == run.newest == run.diverged_at - 1
    assert np.isfinite(run.losses).all() and np.isfinite(run.outputs).all()
    assert np.isfinite(run.accuracies).all()
    for k in range(run.newest + 1):
        assert np.isfinite(run.params_at(k)).all()
        assert_iteration_consistent(run, k)
    # one more step from the last kept weights is what broke
    grads, _, _ = backward(run.X, run.Y, run.weights_at(run.newest), run.activations)
    step = run.params_at(run.newest) - 1e6 * np.concatenate([g.ravel() for g in grads])
    with np.errstate(all="ignore"):
        nxt = forward(run.X, run.unflatten(step), run.activations)[-1]
        loss = loss_value(nxt, run.Y)
    assert not (np.isfinite(step).all() and np.isfinite(nxt).all() and np.isfinite(loss))
    assert run.train(5) == 0 and run.newest == done
    # going back in time clears the divergence; a smaller rate trains on
    run.set_learning_rate(0, 1e-4)
    assert run.diverged_at is None and run.train(50) == 50


@pytest.mark.parametrize("steps", [[100], [12], [1] * 20, [11, 1, 5]])
def test_a_loss_that_overflows_is_divergence_even_with_finite_outputs(steps):
    """From W_0 = 2^500, W_{k+1} = W_k - 3 W_k = -2 W_k exactly. The output W_k stays
    finite, but (y - W_k)^2 overflows once W_k reaches 2^512, at k = 12."""
    run = Run([[1.0]], [[0.0]], [1, 1], activations=["linear"], learning_rate=3,
              initial_weights=[[[2.0**500]]])
    for n in steps:
        run.train(n)
    assert run.diverged_at == 12 and run.newest == 11
    assert run.params_at(11)[0] == -(2.0**511)
    assert np.isfinite(run.losses).all() and run.losses[11] == 2.0**1021


# ---- memory ----------------------------------------------------------------------------------

@pytest.mark.parametrize("spec", [SMALL, WIDE], ids=["tutorial", "wide"])
def test_history_memory_is_bounded_per_iteration(spec):
    run = Run(**spec)
    run.train(5000)
    n_out = run.Y.size
    weights = run.n_params * 8 / run.stride
    assert weights <= 144  # DENSE_BYTES_PER_ITERATION
    per_iteration = weights + 8 * (n_out + 2)  # outputs, loss, accuracy
    fixed = 8 * ((run.n_params + n_out) * 256 + run.n_params * run.stride)  # trace, replay
    assert run.history_nbytes <= 5001 * per_iteration + fixed


def test_a_long_history_reserves_room_instead_of_copying_itself_again(monkeypatch):
    """Past LONG_HISTORY_BYTES an array reserves RESERVE_BYTES at once, so a long
    Play appends to the same arrays instead of stopping to copy the history."""
    monkeypatch.setattr(memory, "LONG_HISTORY_BYTES", 4096)
    monkeypatch.setattr(memory, "RESERVE_BYTES", 2**20)
    run = Run(**SMALL)
    run.train(2000)
    h = run.history
    arrays = (h.outputs, h.losses, h.accuracies, h.checkpoints)
    assert len(h.losses) == 2**20 // 8  # one float a row
    for _ in range(20):
        run.train(1000)
    assert all(a is b for a, b in zip(arrays, (h.outputs, h.losses, h.accuracies,
                                               h.checkpoints), strict=True))
    reference = Run(**SMALL)
    reference.train(22000)
    np.testing.assert_array_equal(run.losses, reference.losses)
    np.testing.assert_array_equal(run.params_at(22000), reference.params_at(22000))


# ---- learning-rate validation -------------------------------------------------------------

@pytest.mark.parametrize("rate", [0, 0.0, -1, -0.5, float("nan"), float("inf"), -float("inf"),
                                  "abc", "", None, True, False, [1.0], 10**400,
                                  pytest.param(10**5000, id="5000-digits")])
def test_bad_learning_rates_are_refused(rate):
    with pytest.raises(ValueError, match="learning_rate"):
        check_learning_rate(rate)
    with pytest.raises(ValueError, match="learning_rate"):
        Run(**SMALL, learning_rate=rate)
    run = Run(**SMALL)
    run.train(10)
    with pytest.raises(ValueError, match="learning_rate"):
        run.set_learning_rate(5, rate)
    assert run.newest == 10 and run.changes == [] and run.learning_rate == 1.0


@pytest.mark.parametrize("rate", [1e-9, 0.5, 1, 1e6, np.float64(0.1), "0.25"])
def test_good_learning_rates_are_accepted(rate):
    assert check_learning_rate(rate) == float(rate)
    assert Run(**SMALL, learning_rate=rate).learning_rate == float(rate)
