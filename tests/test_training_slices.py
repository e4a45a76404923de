"""Training in time slices, as Play at max pace does: a chunk of steps is cut to
fit the time left, and the iteration on screen stays at hand while training goes
past it. Neither changes a bit of the history."""

import numpy as np
import pytest

from nncore import Run, two_d
from nncore.options import TrainingOptions

SIZES = [3, 8, 8, 8, 1]


def make_run():
    X, Y = two_d("spiral", 200)
    return Run(X, Y, SIZES, ["tanh", "tanh", "tanh", "sigmoid"], learning_rate=0.03,
               seed=4, options=TrainingOptions(bias=True))


class StepClock:
    """Simulated time: each step trained costs ``per_step`` seconds."""

    def __init__(self, run, per_step):
        self.run, self.per_step = run, per_step

    def __call__(self):
        return self.run.newest * self.per_step


def test_a_timed_slice_fits_its_chunks_to_the_time_left():
    run = make_run()
    clock = StepClock(run, 0.001)
    chunk = run.footprint.chunk
    assert chunk > 20 and run.stride > 1
    # No pace known yet: one memory-sized chunk, far past a 10 ms budget.
    assert run.train(10**9, seconds=0.01, clock=clock) == chunk
    assert run.seconds_per_step == pytest.approx(0.001)
    # Known: 10 steps fill the 10 ms, one more step passes the deadline.
    assert run.train(10**9, seconds=0.01, clock=clock) == 11
    assert run.train(10**9, seconds=0.0005, clock=clock) == 1  # always at least one
    # Untimed training is not cut.
    assert run.train(3 * chunk) == 3 * chunk

    plain = make_run()
    plain.train(run.newest)
    assert run.newest == plain.newest
    for k in (0, chunk, chunk + 5, chunk + 11, run.newest):
        np.testing.assert_array_equal(run.row_at(k), plain.row_at(k))
    np.testing.assert_array_equal(run.losses, plain.losses)
    np.testing.assert_array_equal(run.outputs, plain.outputs)


def test_a_held_iteration_is_read_without_a_replay_after_training_goes_past():
    run = make_run()
    run.train(run.stride + 3)
    k = run.newest
    expected = run.row_at(k)
    run.hold(k)
    run.train(2 * run.stride)
    span = run._span
    assert span.first is None  # nothing replayed yet
    np.testing.assert_array_equal(run.row_at(k), expected)
    assert span.first is None  # and still nothing: the held row was read
    np.testing.assert_array_equal(run.row_at(k + 1), make_replayed(k + 1))
    assert span.first == k - k % run.stride  # another iteration does replay


def make_replayed(k):
    run = make_run()
    run.train(k)
    return run.row_at(k)


def test_a_held_row_is_dropped_when_its_iteration_changes():
    run = make_run()
    run.train(run.stride + 3)
    k = run.newest
    run.hold(k)
    run.train(5)
    run.truncate(k)  # back to k, which is the newest again
    run.set_weight(k, 0, 1, 2, 0.25)  # an edit at the held iteration
    run.train(4)
    assert run.weights_at(k)[0][1, 2] == 0.25
    same = make_run()  # the same edit, nothing held
    same.train(k)
    same.set_weight(k, 0, 1, 2, 0.25)
    same.train(4)
    for at in (k, k + 1, k + 4):
        np.testing.assert_array_equal(run.row_at(at), same.row_at(at))
    # Holding an iteration that is not the newest keeps nothing.
    run.hold(k + 1)
    assert run._span.held is None
