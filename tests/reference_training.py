"""An independent reference for training with options: a plain loop written from the
issue's conventions, not from the engine's code.

It shares nothing with ``nncore`` but the initial weights: its own forward pass,
softmax, losses and gradients (checked against finite differences in
test_training_math.py), its own mini-batch rule and its own optimizers, each written
the obvious way, one parameter array at a time.
"""

from __future__ import annotations

import math

import numpy as np


def activate(name, s):
    if name == "sigmoid":
        return 1 / (1 + np.exp(-s))
    if name == "tanh":
        return np.tanh(s)
    if name == "relu":
        return np.maximum(s, 0)
    if name == "softmax":
        e = np.exp(s - s.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    return s


def derivative(name, a):
    return {"sigmoid": lambda: a * (1 - a), "tanh": lambda: 1 - a * a,
            "relu": lambda: (a > 0) * 1.0}.get(name, lambda: np.ones_like(a))()


def layers_of(X, weights, biases, activations):
    out = [X]
    for k, (W, name) in enumerate(zip(weights, activations, strict=True)):
        s = out[-1] @ W + (0 if biases is None else biases[k])
        out.append(activate(name, s))
    return out


def data_loss(yhat, Y, loss, reduction):
    """As the README defines them: bce takes yhat clamped to [1e-15, 1 - 1e-15], ce
    takes log(yhat) of at least the smallest normal float."""
    if loss == "sse":
        total = 0.5 * np.sum((Y - yhat) ** 2)
    elif loss == "bce":
        p = np.clip(yhat, 1e-15, 1 - 1e-15)
        total = -np.sum(Y * np.log(p) + (1 - Y) * np.log(1 - p))
    else:
        total = -np.sum(Y * np.log(np.maximum(yhat, np.finfo(float).tiny)))
    return total / len(Y) if reduction == "mean" else total


def penalty(weights, l1, l2):
    return sum(l2 / 2 * np.sum(W ** 2) + l1 * np.sum(np.abs(W)) for W in weights)


def gradients(X, Y, weights, biases, activations, loss, reduction, l1, l2):
    """(dW list, db list or None) of data loss + penalty, by the chain rule."""
    a = layers_of(X, weights, biases, activations)
    yhat = a[-1]
    delta = yhat - Y if loss in ("bce", "ce") else (yhat - Y) * derivative(activations[-1], yhat)
    if reduction == "mean":
        delta = delta / len(Y)
    dW, db = [None] * len(weights), [None] * len(weights)
    for k in range(len(weights) - 1, -1, -1):
        dW[k] = a[k].T @ delta + l2 * weights[k] + l1 * np.sign(weights[k])
        db[k] = delta.sum(axis=0)
        if k:
            delta = (delta @ weights[k].T) * derivative(activations[k - 1], a[k])
    return dW, (db if biases is not None else None)


def split(n, fraction, seed):
    """(train rows, test rows) as the issue's rule and the README write them."""
    count = math.floor(fraction * n)
    test = np.sort(np.random.default_rng([seed, 0, 1]).permutation(n)[:count]) if count \
        else np.zeros(0, int)
    return np.array([i for i in range(n) if i not in set(test.tolist())]), test


def batch(k, train_rows, batch_size, seed):
    n = len(train_rows)
    if batch_size is None or batch_size >= n:
        return train_rows
    m = -(-n // batch_size)
    e, j = k // m, k % m
    order = np.random.default_rng([seed, e]).permutation(n)
    return train_rows[order[j * batch_size:(j + 1) * batch_size]]


class Optimizer:
    """The issue's formulas, one parameter array at a time."""

    def __init__(self, name, params, momentum=0.9, alpha=0.99, beta1=0.9, beta2=0.999,
                 eps=1e-8):
        self.name, self.mu, self.alpha = name, momentum, alpha
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.a = [np.zeros_like(p) for p in params]  # v, s or m
        self.b = [np.zeros_like(p) for p in params]  # Adam's v
        self.t = 0

    def update(self, params, grads, lr):
        self.t += 1
        out = []
        for i, (p, g) in enumerate(zip(params, grads, strict=True)):
            if self.name == "sgd":
                p = p - lr * g
            elif self.name in ("momentum", "nesterov"):
                self.a[i] = self.mu * self.a[i] + g
                direction = g + self.mu * self.a[i] if self.name == "nesterov" else self.a[i]
                p = p - lr * direction
            elif self.name == "rmsprop":
                self.a[i] = self.alpha * self.a[i] + (1 - self.alpha) * g ** 2
                p = p - lr * g / (np.sqrt(self.a[i]) + self.eps)
            else:
                self.a[i] = self.beta1 * self.a[i] + (1 - self.beta1) * g
                self.b[i] = self.beta2 * self.b[i] + (1 - self.beta2) * g ** 2
                m_hat = self.a[i] / (1 - self.beta1 ** self.t)
                v_hat = self.b[i] / (1 - self.beta2 ** self.t)
                p = p - lr * m_hat / (np.sqrt(v_hat) + self.eps)
            out.append(p)
        return out


def reference_run(X, Y, layer_sizes, activations, loss, options, seed, weights, iterations,
                  lr=1.0):
    """Per iteration k = 0..iterations: (weights, biases, train loss, test loss or
    None, penalty), training with ``options`` (a TrainingOptions, read field by field)."""
    o = options
    train_rows, test_rows = split(len(X), o.test_fraction, seed)
    weights = [np.array(W, dtype=float) for W in weights]
    biases = [np.zeros(n) for n in layer_sizes[1:]] if o.bias else None
    params = weights + (biases or [])
    optimizer = Optimizer(o.optimizer, params, o.momentum, o.alpha, o.beta1, o.beta2, o.eps)
    history = []
    for k in range(iterations + 1):
        weights, biases = params[:len(weights)], (params[len(weights):] if o.bias else None)
        yhat = layers_of(X, weights, biases, activations)[-1]
        train = data_loss(yhat[train_rows], Y[train_rows], loss, o.reduction)
        test = (data_loss(yhat[test_rows], Y[test_rows], loss, o.reduction)
                if len(test_rows) else None)
        history.append(([W.copy() for W in weights],
                        None if biases is None else [b.copy() for b in biases],
                        train, test, penalty(weights, o.l1, o.l2)))
        if k == iterations:
            break
        rows = batch(k, train_rows, o.batch_size, seed)
        dW, db = gradients(X[rows], Y[rows], weights, biases, activations, loss, o.reduction,
                           o.l1, o.l2)
        params = optimizer.update(params, dW + (db or []), lr)
    return history


def central_differences(E, params, i, h=1e-6):
    """dE/d params[i] by central differences, one entry at a time: the check that
    needs no calculus. ``params`` is a list of arrays; ``E(list)`` gives a number."""
    numeric = np.zeros_like(params[i])
    for index in np.ndindex(params[i].shape):
        plus, minus = [q.copy() for q in params], [q.copy() for q in params]
        plus[i][index] += h
        minus[i][index] -= h
        numeric[index] = (E(plus) - E(minus)) / (2 * h)
    return numeric
