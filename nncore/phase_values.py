"""The numbers each phase of iteration k shows (see :mod:`nncore.phases`).

``phase_values(run, k)`` works iteration k out on its batch with the engine's own
functions (``network.backward`` at W_k and b_k, ``Iteration.step`` for the
optimizer), so every number is the training's own, bit for bit: the sums and
activations layer by layer, the error at the output, the deltas, the gradients and
the update to W_{k+1}.

Sign conventions: ``error`` is the tutorial's ``l1_error = y - l1``; ``deltas[l]`` is
dE/ds of layer l+1 (with the reduction), the engine's and the inspector's delta. The
tutorial's ``l1_delta`` is ``-deltas[l]`` (:meth:`PhaseValues.tutorial_delta`): it
multiplies ``y - yhat`` where dE/ds multiplies ``yhat - y``, and ``syn0 +=
l0.T.dot(l1_delta)`` is ``W -= dE/dW`` at learning rate 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .iteration import Step, unflatten_biases
from .network import backward, bias_gradients


@dataclass(frozen=True)
class PhaseValues:
    """Iteration ``k`` worked out on its batch. Rows of every array are the batch's
    samples in the order the batch takes them (``batch_rows``, indices into run.X);
    list index l is weight layer l, whose outputs are layer l+1.

    ``sums[l]``: s = a_l · W_l (+ b_l); ``layers``: [a_0 = the batch's inputs, a_1, ...,
    a_L = yhat]; ``error``: y - yhat; ``deltas[l]``: dE/ds of layer l+1;
    ``weight_gradients[l]``: dE/dW_l of the data loss (``step.g`` adds the penalty's
    part); ``bias_gradients[l]``: dE/db_l or None; ``step``: the optimizer's update
    (:class:`~nncore.iteration.Step`); ``weights_next`` and ``biases_next``: W_{k+1}
    and b_{k+1}.
    """
    k: int
    batch_rows: np.ndarray
    weights: list
    biases: list | None
    sums: list
    layers: list
    targets: np.ndarray
    error: np.ndarray
    deltas: list
    weight_gradients: list
    bias_gradients: list | None
    step: Step
    weights_next: list
    biases_next: list | None

    def position(self, row):
        """Where dataset row ``row`` sits in the batch, or None when it is not in it."""
        where = np.flatnonzero(self.batch_rows == row)
        return int(where[0]) if len(where) else None

    def tutorial_delta(self, layer):
        """The tutorial's delta of layer ``layer``+1 (``l1_delta``): -dE/ds."""
        return -self.deltas[layer]

    def weight_steps(self):
        """What the optimizer subtracts from each weight matrix (W_{k+1} = W_k - step):
        the learning rate times dE/dW for SGD, the optimizer's own step otherwise."""
        n = len(self.step.theta_next) - sum(len(b) for b in self.biases or [])
        flat = self.step.parts["step"][:n]
        out, offset = [], 0
        for W in self.weights:
            out.append(flat[offset:offset + W.size].reshape(W.shape))
            offset += W.size
        return out


def phase_values(run, k):
    """Every number of iteration ``k``'s phases (0 <= k <= run.newest; at the newest,
    the update is the step that training would make next)."""
    iteration = run.at(k)
    rows = iteration.batch_rows
    weights, biases = iteration.weights, iteration.biases
    X, Y = run.X[rows], run.Y[rows]
    with np.errstate(all="ignore"):  # a run near divergence shows inf, it does not warn
        grads, layers, deltas = backward(X, Y, weights, run.activations, run.loss, biases,
                                         run.options.reduction)
        sums = []
        for layer, W in enumerate(weights):
            s = np.dot(layers[layer], W)  # as forward() forms it, so the same bits
            if biases is not None:
                s = s + biases[layer]
            sums.append(s)
        step = iteration.step()
    theta = step.theta_next
    weights_next = run.unflatten(theta[:run.n_params])
    biases_next = (unflatten_biases(theta[run.n_params:run.n_theta], run.layer_sizes)
                   if biases is not None else None)
    return PhaseValues(
        k=k, batch_rows=rows, weights=weights, biases=biases, sums=sums, layers=layers,
        targets=Y, error=Y - layers[-1], deltas=deltas, weight_gradients=grads,
        bias_gradients=bias_gradients(deltas) if biases is not None else None,
        step=step, weights_next=weights_next, biases_next=biases_next)
