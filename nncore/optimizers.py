"""Optimizers: how the gradient g of one step becomes the change of the parameters.

The algorithms as PyTorch documents them, with t = k + 1 at iteration k and every
state vector starting at 0, over weights and biases alike::

    sgd       theta <- theta - lr * g
    momentum  v <- mu * v + g;  theta <- theta - lr * v
    nesterov  v <- mu * v + g;  theta <- theta - lr * (g + mu * v)
    rmsprop   s <- alpha * s + (1 - alpha) * g * g
              theta <- theta - lr * g / (sqrt(s) + eps)
    adam      m <- beta1 * m + (1 - beta1) * g;  v <- beta2 * v + (1 - beta2) * g * g
              mhat = m / (1 - beta1^t);  vhat = v / (1 - beta2^t)
              theta <- theta - lr * mhat / (sqrt(vhat) + eps)

g is the batch gradient of the data loss plus the penalty's gradient
(:func:`~nncore.network.add_penalty_gradient`, on the weights only). Each line is
evaluated left to right, as Python reads it: ``lr * mhat / d`` is ``(lr * mhat) / d``.

:func:`optimizer_step` is the plain version; :func:`update_ops` is the same
arithmetic in the same order, as in-place numpy calls on the Stepper's negated
parameters V = -theta (``theta - x`` is exactly ``-(V + x)``), so both give the same
bits (tested).
"""

from __future__ import annotations

import numpy as np

from .network import add_penalty_gradient


def optimizer_step(options, theta, g, state, t, lr):
    """One update, plainly: ``(theta_next, state_next, parts)``.

    ``theta`` and ``g`` are flat (weights, then biases; g already holds the
    penalty), ``state`` maps each of ``options.state_names`` to a flat vector, ``t``
    is k + 1. ``parts`` holds what a learner may check by hand: the new state, Adam's
    ``mhat`` and ``vhat``, and ``step``, what is subtracted (theta_next = theta - step).
    """
    name = options.optimizer
    if name == "sgd":
        step, new = lr * g, {}
    elif name in ("momentum", "nesterov"):
        v = options.momentum * state["v"] + g
        step = lr * (g + options.momentum * v) if name == "nesterov" else lr * v
        new = {"v": v}
    elif name == "rmsprop":
        s = options.alpha * state["s"] + (1 - options.alpha) * g * g
        step = lr * g / (np.sqrt(s) + options.eps)
        new = {"s": s}
    else:
        m = options.beta1 * state["m"] + (1 - options.beta1) * g
        v = options.beta2 * state["v"] + (1 - options.beta2) * g * g
        m_hat = m / (1 - options.beta1 ** t)
        v_hat = v / (1 - options.beta2 ** t)
        step = lr * m_hat / (np.sqrt(v_hat) + options.eps)
        new = {"m": m, "v": v}
        return theta - step, new, dict(new, m_hat=m_hat, v_hat=v_hat, step=step)
    return theta - step, new, dict(new, step=step)


def total_gradient(options, g_data, theta, n_weights):
    """g: the data gradient plus the penalty's gradient on the weights (the first
    ``n_weights`` entries of the flat ``theta``)."""
    g = np.array(g_data, dtype=float)
    g[:n_weights] = add_penalty_gradient(g[:n_weights], theta[:n_weights], options.l1,
                                         options.l2)
    return g


class Clock:
    """The numbers of the step being made that change from step to step: Adam's bias
    corrections 1 - beta^t, as 0-d arrays that the update's calls read."""

    def __init__(self, options):
        self.options = options
        self.correction1, self.correction2 = np.ones(()), np.ones(())

    def set(self, t):
        if self.options.optimizer == "adam":
            self.correction1[()] = 1 - self.options.beta1 ** t
            self.correction2[()] = 1 - self.options.beta2 ** t


class Scratch:
    """The buffers an update works in, allocated once per Stepper: those its
    optimizer and penalty use (``scratch_size`` numbers; ``runs`` times that, one
    row per run, for a sweep)."""

    def __init__(self, options, n_theta, n_weights, runs=None):
        lead = () if runs is None else (runs,)
        plain = options.optimizer == "sgd"
        self.rate = np.ones(lead + (n_theta,)) if plain else None
        self.step = None if plain else np.zeros(lead + (n_theta,))
        self.other = None if plain else np.zeros(lead + (n_theta,))
        self.weights = np.zeros(lead + (n_weights,)) if options.has_penalty else None


def scratch_size(options, n_theta, n_weights):
    """Numbers in a :class:`Scratch` for these options."""
    plain = options.optimizer == "sgd"
    return (n_theta if plain else 2 * n_theta) + (n_weights if options.has_penalty else 0)


def update_ops(options, raw, grad, n_weights, lr, clock, scratch):
    """The calls of one update: penalty into ``grad``, then the optimizer on ``raw``
    (``[V | state]``, V = -theta, the state in ``options.state_names`` order).

    A sweep passes one row per run (``raw`` and ``grad`` 2-D, the last axis as
    above) and ``lr`` as an array of one rate per run, shape (runs, 1): the same
    calls on every row at once, so each row gets the bits a single run gets."""
    n_theta = grad.shape[-1]
    V, state = raw[..., :n_theta], raw[..., n_theta:]
    ops = []
    if options.l2:  # g + l2 W = g - l2 V
        Vw, gw, tmp = V[..., :n_weights], grad[..., :n_weights], scratch.weights
        ops += [(np.multiply, (Vw, _const(options.l2), tmp)), (np.subtract, (gw, tmp, gw))]
    if options.l1:  # g + l1 sign(W) = g - l1 sign(V)
        Vw, gw, tmp = V[..., :n_weights], grad[..., :n_weights], scratch.weights
        ops += [(np.sign, (Vw, tmp)), (np.multiply, (tmp, _const(options.l1), tmp)),
                (np.subtract, (gw, tmp, gw))]
    name, step, other = options.optimizer, scratch.step, scratch.other
    per_run = isinstance(lr, np.ndarray)
    rate = lr if per_run else _const(lr)
    if name == "sgd":
        if per_run:  # 1.0 * g is exactly g, so rows at rate 1 match the skipped multiply
            ops.append((np.multiply, (grad, rate, grad)))
        elif lr != 1.0:  # lr * g is exactly g when lr is 1; skip the multiply
            scratch.rate.fill(lr)
            ops.append((np.multiply, (grad, scratch.rate, grad)))
        return ops + [(np.add, (V, grad, V))]
    if name in ("momentum", "nesterov"):
        v, mu = state[..., :n_theta], _const(options.momentum)
        ops += [(np.multiply, (mu, v, v)), (np.add, (v, grad, v))]
        if name == "nesterov":  # lr * (g + mu v)
            ops += [(np.multiply, (mu, v, step)), (np.add, (grad, step, step)),
                    (np.multiply, (rate, step, step))]
        else:
            ops.append((np.multiply, (rate, v, step)))
    elif name == "rmsprop":
        s = state[..., :n_theta]
        ops += [(np.multiply, (_const(options.alpha), s, s)),
                (np.multiply, (_const(1 - options.alpha), grad, step)),
                (np.multiply, (step, grad, step)), (np.add, (s, step, s)),
                (np.sqrt, (s, other)), (np.add, (other, _const(options.eps), other)),
                (np.multiply, (rate, grad, step)), (np.divide, (step, other, step))]
    else:  # adam
        m, v = state[..., :n_theta], state[..., n_theta:]
        ops += [(np.multiply, (_const(options.beta1), m, m)),
                (np.multiply, (_const(1 - options.beta1), grad, step)),
                (np.add, (m, step, m)),
                (np.multiply, (_const(options.beta2), v, v)),
                (np.multiply, (_const(1 - options.beta2), grad, step)),
                (np.multiply, (step, grad, step)), (np.add, (v, step, v)),
                (np.divide, (v, clock.correction2, other)), (np.sqrt, (other, other)),
                (np.add, (other, _const(options.eps), other)),
                (np.divide, (m, clock.correction1, step)), (np.multiply, (rate, step, step)),
                (np.divide, (step, other, step))]
    return ops + [(np.add, (V, step, V))]


def _const(value):
    """A float as a 0-d array: numpy converts a Python float on every call."""
    return np.array(float(value))
