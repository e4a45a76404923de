"""One iteration of a run, read from every side: what the window's views and the
inspector show, and what a learner checks by hand.

``run.at(k)`` gives an :class:`Iteration`; its ``step()`` is the update from k to
k + 1 worked out plainly (:class:`Step`): the batch, the gradient, the penalty's
part, the optimizer's state before and after and the intermediate numbers, and
what is subtracted. Its numbers are the training's own, bit for bit (tested).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .network import backward, bias_gradients
from .optimizers import optimizer_step, total_gradient


class Iteration:
    """Iteration ``k`` of ``run`` (0 <= k <= run.newest). Reading a field may replay
    steps from the checkpoint before k (a few, at most ``run.stride``)."""

    def __init__(self, run, k):
        self.run, self.k = run, k
        self._row = None

    @property
    def row(self):
        """``[theta | optimizer state]`` at k (see ``Run.row_at``); read once."""
        if self._row is None:
            self._row = self.run.row_at(self.k)
        return self._row

    @property
    def theta(self):
        """The weights, then the biases, as one flat vector."""
        return self.row[:self.run.n_theta]

    @property
    def weights(self):
        """W_k as a list of matrices, ``W[l]`` of shape (n_l, n_{l+1})."""
        return self.run.unflatten(self.row[:self.run.n_params])

    @property
    def biases(self):
        """b_k as a list of vectors, ``b[l]`` of length n_{l+1}; None without biases."""
        if not self.run.options.bias:
            return None
        return unflatten_biases(self.row[self.run.n_params:self.run.n_theta],
                                self.run.layer_sizes)

    @property
    def optimizer_state(self):
        """The optimizer's state at k, ``{name: (weight matrices, bias vectors or
        None)}``: ``v`` for momentum and Nesterov, ``s`` for RMSProp, ``m`` and ``v``
        for Adam, nothing for SGD. All start at 0."""
        return {name: self._split(flat) for name, flat in self.state_flat.items()}

    @property
    def state_flat(self):
        """The optimizer's state at k as flat vectors laid out like theta."""
        run, n = self.run, self.run.n_theta
        return {name: self.row[n * (i + 1):n * (i + 2)]
                for i, name in enumerate(run.options.state_names)}

    def _split(self, flat):
        run = self.run
        biases = (unflatten_biases(flat[run.n_params:], run.layer_sizes)
                  if run.options.bias else None)
        return run.unflatten(flat[:run.n_params]), biases

    @property
    def epoch(self):
        """The epoch of iteration k: k // batches per epoch (k with full batches)."""
        return self.run.plan.schedule.epoch(self.k)

    @property
    def batch_rows(self):
        """The dataset rows of iteration k's batch (indices into ``run.X``), in the
        order the batch takes them."""
        run = self.run
        return run.train_rows[run.plan.schedule.positions(self.k)]

    @property
    def loss(self):
        """The data loss on the training rows (the penalty is apart)."""
        return float(self.run.losses[self.k])

    @property
    def accuracy(self):
        return float(self.run.accuracies[self.k])

    @property
    def test_loss(self):
        """The loss on the held-out rows, or None without them."""
        losses = self.run.test_losses
        return None if losses is None else float(losses[self.k])

    @property
    def test_accuracy(self):
        accuracies = self.run.test_accuracies
        return None if accuracies is None else float(accuracies[self.k])

    @property
    def penalty(self):
        """lambda2/2 sum W^2 + lambda1 sum |W| at W_k (0 without a penalty)."""
        penalties = self.run.penalties
        return 0.0 if penalties is None else float(penalties[self.k])

    def step(self):
        """The update from k to k + 1 (also at the newest iteration: the step that
        training would make next), worked out plainly."""
        run, k = self.run, self.k
        options, rows = run.options, self.batch_rows
        weights, biases = self.weights, self.biases
        X, Y = run.X[rows], run.Y[rows]
        grads, _, deltas = backward(X, Y, weights, run.activations, run.loss, biases,
                                    options.reduction)
        data = [g.ravel() for g in grads]
        if biases is not None:
            data += bias_gradients(deltas)
        data = np.concatenate(data)
        g = total_gradient(options, data, self.theta, run.n_params)
        lr = run.learning_rate_at(k)
        theta, state, parts = optimizer_step(options, self.theta, g, self.state_flat,
                                             k + 1, lr)
        return Step(self, rows, lr, k + 1, data, g, dict(self.state_flat), state,
                    parts, theta)


@dataclass(frozen=True)
class Step:
    """The update from iteration k to k + 1, every number flat and laid out like
    theta (weights, then biases).

    ``gradient`` is the data loss's on the batch (with the reduction); ``g`` adds
    the penalty's gradient (weights only); ``state_before`` and ``state_after`` are
    the optimizer's vectors; ``parts`` holds ``step`` (theta_next = theta - step)
    and, for Adam, ``m_hat`` and ``v_hat``; ``theta_next`` is theta at k + 1.
    """
    iteration: Iteration
    batch_rows: np.ndarray
    learning_rate: float
    t: int
    gradient: np.ndarray
    g: np.ndarray
    state_before: dict
    state_after: dict
    parts: dict
    theta_next: np.ndarray

    @property
    def gradient_weights(self):
        """g's weight part as matrices: dE/dW with the penalty's gradient."""
        run = self.iteration.run
        return [W.copy() for W in run.unflatten(self.g[:run.n_params])]

    @property
    def penalty_gradient(self):
        """g - gradient: the penalty's part of g (0 for biases)."""
        return self.g - self.gradient


def unflatten_biases(flat, layer_sizes):
    """The bias vectors of the flat ``flat`` (views): one per layer after the input."""
    out, offset = [], 0
    for size in layer_sizes[1:]:
        out.append(flat[offset:offset + size])
        offset += size
    return out

