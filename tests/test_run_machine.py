"""Random use of a run with random training options: a hypothesis state machine.

Rules train, edit the past (learning rate, weight, bias), truncate, jump to any
iteration, and save and load snapshots; after every rule the invariants check the
newest iteration against a plain forward pass, and a jump against a fresh replay of
the same changes, bit for bit. ``BACKPROP_LAB_LONG=1`` runs many more steps.
"""

import os
import shutil
import tempfile

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from nncore import Run, forward, load_snapshot, save_snapshot, three_class
from nncore.network import loss_value
from nncore.options import OPTIMIZERS, TrainingOptions

LONG = os.environ.get("BACKPROP_LAB_LONG") == "1"
SETTINGS = settings(max_examples=300 if LONG else 40, stateful_step_count=50 if LONG else 25,
                    deadline=None, suppress_health_check=list(HealthCheck))

X, Y = three_class(12, seed=3)
NETS = [  # (layer sizes, activations, loss, targets): the last keeps checkpoints
    ([3, 4, 3], ["tanh", "softmax"], "ce", Y),
    ([3, 5, 1], ["relu", "sigmoid"], "bce", Y[:, :1]),
    ([3, 3, 1], ["linear", "linear"], "sse", Y[:, :1]),  # diverges at a big rate
    ([3, 16, 16, 3], ["tanh", "sigmoid", "softmax"], "ce", Y),
]
OPTIONS = st.builds(
    TrainingOptions, bias=st.booleans(), reduction=st.sampled_from(["sum", "mean"]),
    l1=st.sampled_from([0.0, 0.01]), l2=st.sampled_from([0.0, 0.05]),
    batch_size=st.sampled_from([None, 1, 3, 5]), optimizer=st.sampled_from(OPTIMIZERS),
    test_fraction=st.sampled_from([0.0, 0.25]),
    init=st.sampled_from(["uniform", "xavier", "he"]))
RATES = st.sampled_from([0.001, 0.05, 0.5, 1e6])


class RunMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.folder = tempfile.mkdtemp(prefix="backprop-lab-run-machine-")
        self.saves = 0

    def teardown(self):
        shutil.rmtree(self.folder, ignore_errors=True)

    @initialize(net=st.integers(0, len(NETS) - 1), options=OPTIONS, rate=RATES)
    def build(self, net, options, rate):
        sizes, activations, loss, targets = NETS[net]
        self.spec = dict(X=X, Y=targets, layer_sizes=sizes, activations=activations,
                         loss=loss, learning_rate=rate, seed=7, options=options)
        self.run = Run(**self.spec)

    def fresh(self, k):
        """A new run replaying this one's changes up to k."""
        fresh = Run(**self.spec)
        fresh.replay([c for c in self.run.changes if c.iteration <= k], k)
        return fresh

    # ---- rules ---------------------------------------------------------------------------

    @rule(n=st.integers(1, 70))
    def train(self, n):
        before = self.run.newest
        done = self.run.train(n)
        assert self.run.newest == before + done
        assert done == n or self.run.diverged_at is not None

    @rule(share=st.floats(0, 1))
    def truncate(self, share):
        k = int(share * self.run.newest)
        row = self.run.row_at(k)
        self.run.truncate(k)
        assert self.run.newest == k and np.array_equal(self.run.row_at(k), row)

    @rule(share=st.floats(0, 1), rate=RATES)
    def change_rate(self, share, rate):
        k = int(share * self.run.newest)
        row = self.run.row_at(k)
        self.run.set_learning_rate(k, rate)
        # the optimizer state at k is kept, as the replay gives it
        assert np.array_equal(self.run.row_at(k), row) and self.run.learning_rate == rate

    @rule(share=st.floats(0, 1), index=st.integers(0, 10**6), value=st.floats(-3, 3))
    def edit_weight(self, share, index, value):
        run, k = self.run, int(share * self.run.newest)
        layer = index % (len(run.layer_sizes) - 1)
        row, col = index % run.layer_sizes[layer], index % run.layer_sizes[layer + 1]
        run.set_weight(k, layer, row, col, value)
        assert run.at(k).weights[layer][row, col] == value and run.newest == k

    @precondition(lambda self: self.run.options.bias)
    @rule(share=st.floats(0, 1), index=st.integers(0, 10**6), value=st.floats(-3, 3))
    def edit_bias(self, share, index, value):
        run, k = self.run, int(share * self.run.newest)
        layer = index % (len(run.layer_sizes) - 1)
        unit = index % run.layer_sizes[layer + 1]
        run.set_bias(k, layer, unit, value)
        assert run.at(k).biases[layer][unit] == value and run.newest == k

    @rule(share=st.floats(0, 1))
    def jump(self, share):
        """Any iteration, read from the history, is what a fresh replay gives."""
        run, k = self.run, int(share * self.run.newest)
        fresh = self.fresh(k)
        assert np.array_equal(run.row_at(k), fresh.row_at(k))
        assert np.array_equal(run.outputs[k], fresh.outputs[k])
        for name in ("losses", "accuracies", "test_losses", "test_accuracies", "penalties"):
            ours, theirs = getattr(run, name), getattr(fresh, name)
            assert (ours is None) == (theirs is None), name
            assert ours is None or ours[k] == theirs[k], name

    @rule(share=st.floats(0, 1))
    def save_and_load(self, share):
        run, k = self.run, int(share * self.run.newest)
        self.saves += 1
        path = os.path.join(self.folder, f"s{self.saves}.json")
        save_snapshot(path, run, k)
        loaded, at = load_snapshot(path)
        assert at == k and loaded.options == run.options
        assert np.array_equal(loaded.row_at(k), run.row_at(k))
        assert np.array_equal(loaded.losses, run.losses[:k + 1])
        assert loaded.changes == [c for c in run.changes if c.iteration <= k]

    # ---- invariants ------------------------------------------------------------------

    @invariant()
    def the_newest_iteration_is_consistent(self):
        run = getattr(self, "run", None)
        if run is None:
            return
        it = run.at(run.newest)
        assert np.isfinite(it.row).all()
        with np.errstate(all="ignore"):
            yhat = forward(run.X, it.weights, run.activations, biases=it.biases)[-1]
        np.testing.assert_allclose(run.outputs[run.newest], yhat, rtol=1e-9, atol=1e-12)
        rows = run.train_rows
        expected = loss_value(yhat[rows], run.Y[rows], run.loss, run.options.reduction)
        if np.isfinite(expected):
            assert it.loss == np.float64(expected) or abs(it.loss - expected) <= 1e-9 * abs(
                expected)
        assert (it.test_loss is None) == (len(run.test_rows) == 0)
        assert it.epoch == run.newest // run.plan.schedule.per_epoch


TestRunMachine = RunMachine.TestCase
TestRunMachine.settings = SETTINGS
