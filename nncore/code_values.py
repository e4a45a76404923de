"""The values of the training script's loop variables in one phase of one iteration,
as a debugger paused in the loop with ``i = k`` would show them.

They are the engine's numbers (:func:`nncore.network.backward` on iteration k's
batch and :meth:`nncore.iteration.Iteration.step`) in the script's conventions
(:mod:`nncore.codegen`): its errors and deltas point downhill, so they are the
engine's deltas negated; ``syn0_grad`` is dE/dW with the penalty's gradient; after
the update ``syn0`` holds W_{k+1}.
"""

from __future__ import annotations

import numpy as np

from .network import backward


def phase_values(run, k, phase):
    """``[(name, values), ...]`` of the loop variables that ``phase`` computes at
    iteration k; names as :func:`nncore.codegen.training_script` writes them (the
    weighted sum, which the script does not name, as its expression)."""
    it = run.at(k)
    weights, biases = it.weights, it.biases
    X, Y = run.X[it.batch_rows], run.Y[it.batch_rows]
    L = len(weights)
    with np.errstate(all="ignore"):
        _, layers, deltas = backward(X, Y, weights, run.activations, run.loss, biases,
                                     run.options.reduction)
        if phase.kind == "sum":
            layer = phase.layer
            s = np.dot(layers[layer], weights[layer])
            expression = f"np.dot(l{layer}, syn{layer})"
            if biases is not None:
                s, expression = s + biases[layer], expression + f" + b{layer}"
            return [(expression, s)]
        if phase.kind == "activate":
            return [(f"l{phase.layer + 1}", layers[phase.layer + 1])]
        if phase.kind == "error":
            return [(f"l{L}_error", Y - layers[L])]
        if phase.kind == "delta":
            return _delta_values(run, it, phase.layer, weights, deltas)
        return _update_values(run, it)


def _delta_values(run, it, layer, weights, deltas):
    unit, out = layer + 1, []
    if layer < len(weights) - 1:
        out.append((f"l{unit}_error", np.dot(-deltas[unit], weights[unit].T)))
    out.append((f"l{unit}_delta", -deltas[layer]))
    if run.options.optimizer != "sgd" or run.options.has_penalty:
        step = it.step()
        out.append((f"syn{layer}_grad", step.gradient_weights[layer]))
        if run.options.bias:
            out.append((f"b{layer}_grad", _bias_part(run, step.g)[layer]))
    return out


def _update_values(run, it):
    step = it.step()
    theta = step.theta_next
    out = [(f"syn{layer}", W) for layer, W in enumerate(run.unflatten(theta[:run.n_params]))]
    if run.options.bias:
        out += [(f"b{layer}", b) for layer, b in enumerate(_bias_part(run, theta))]
    return out


def _bias_part(run, flat):
    out, offset = [], run.n_params
    for size in run.layer_sizes[1:]:
        out.append(flat[offset:offset + size])
        offset += size
    return out

