"""The loss over a grid of two weights, every other weight held fixed.

This is what the loss-surface view draws: pick two weights ``a`` and ``b``, set
them to every pair (values_a[c], values_b[r]) of a grid, keep the rest of W_k,
and evaluate the batch loss E at each grid point.

Why it is fast: changing weight (l, i, j) by d changes only column j of layer l's
weighted sums, by d * a_l[:, i]. So the layers before the first picked weight are
computed once; in that layer only the picked units differ between grid points, and
the next layer's sums are the shared ones plus those units' change times their
outgoing weights. From there on all grid points travel together as one stacked batch
``(points, samples, units)``, each layer a single matrix product over ``points *
samples`` rows. There is no Python loop over grid points (only over memory-bounded
chunks of them, for big networks).

Weights are named as in :mod:`nncore.network`: ``weights[l][i, j]`` joins unit i of
layer l to unit j of layer l+1. A weight may also be given by its index in the flat
parameter vector (layer by layer, row-major), as ``Run.params_at`` lays it out.
"""

from __future__ import annotations

import numpy as np

from .network import activate, activate_in_place, batch_loss, flat_index, locate

# Grid points are evaluated in chunks of about this many bytes of activations: small
# enough to stay in cache, which is faster than large chunks (docs/performance.md).
CHUNK_BYTES = 1 << 20


def loss_grid(X, Y, weights, activations, loss, index_a, index_b, values_a, values_b,
              biases=None, reduction="sum"):
    """E over the grid: array of shape ``(len(values_b), len(values_a))``.

    Row r, column c is the batch loss with weight a set to ``values_a[c]``, weight b
    to ``values_b[r]`` and every other weight as in ``weights`` (so rows follow b,
    the vertical axis of a heat map, and columns follow a, the horizontal one).
    ``biases`` (None, or one vector per layer) stay fixed; ``reduction`` is the
    run's (``sum`` or ``mean`` over the rows of X).
    Points where the network overflows come out as inf or nan, never as an error.
    """
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=float)
    weights = [np.asarray(W, dtype=float) for W in weights]
    # No biases: nothing added, so the sums keep the bits they always had.
    biases = [0.0] * len(weights) if biases is None else [np.asarray(b, float) for b in biases]
    sizes = [weights[0].shape[0]] + [W.shape[1] for W in weights]
    picked = [locate(sizes, index_a), locate(sizes, index_b)]
    if picked[0] == picked[1]:
        raise ValueError("weight: pick two different weights")
    grid_a, grid_b = np.meshgrid(np.asarray(values_a, float).ravel(),
                                 np.asarray(values_b, float).ravel())
    # How far each grid point moves each picked weight from its value in `weights`.
    edits = [(layer, row, col, grid.ravel() - weights[layer][row, col])
             for (layer, row, col), grid in zip(picked, (grid_a, grid_b), strict=True)]
    first = min(layer for layer, _, _, _ in edits)
    cols = sorted({col for layer, _, col, _ in edits if layer == first})
    n_samples, points, last = X.shape[0], grid_a.size, len(weights) - 1
    out = np.empty(points)
    with np.errstate(all="ignore"):
        shared = X  # what every grid point has in common: the layers before `first`
        for layer in range(first):
            shared = activate(activations[layer], shared @ weights[layer] + biases[layer])
        # Layer `first`: only the picked columns differ between grid points (all of
        # them for a softmax, whose every unit depends on every sum).
        base_sums = shared @ weights[first] + biases[first]
        base_out = activate(activations[first], base_sums)
        if activations[first] == "softmax":
            cols = list(range(sizes[first + 1]))
        if first < last:
            base_next = base_out @ weights[first + 1] + biases[first + 1]
        chunk = max(1, CHUNK_BYTES // (8 * n_samples * max(sizes[first:])))
        for start in range(0, points, chunk):
            part = slice(start, min(start + chunk, points))
            count = part.stop - part.start
            s = np.repeat(base_sums[None][:, :, cols], count, axis=0)
            for layer, row, col, shift in edits:
                if layer == first:
                    s[:, :, cols.index(col)] += shift[part, None] * shared[:, row]
            changed = activate_in_place(activations[first], s)  # (points, samples, cols)
            if first == last:
                a = np.repeat(base_out[None], count, axis=0)
                a[:, :, cols] = changed
            else:
                # The next layer's sums: the shared ones plus what the changed units add
                # (one or two of them: a broadcast product beats a matrix product here).
                change = changed - base_out[:, cols]
                s = change[:, :, :1] * weights[first + 1][cols[0]]
                if len(cols) == 2:
                    s += change[:, :, 1:] * weights[first + 1][cols[1]]
                s += base_next
                a = None
                for layer in range(first + 1, last + 1):
                    if layer > first + 1:  # one matrix product for all points and samples
                        s = (a.reshape(-1, sizes[layer]) @ weights[layer]).reshape(
                            count, n_samples, sizes[layer + 1]) + biases[layer]
                    for edit_layer, row, col, shift in edits:
                        if edit_layer == layer:
                            if a is not None:
                                feeding = a[:, :, row]
                            elif row in cols:
                                feeding = changed[:, :, cols.index(row)]
                            else:
                                feeding = base_out[:, row]
                            s[:, :, col] += shift[part, None] * feeding
                    a = activate_in_place(activations[layer], s)
            out[part] = batch_loss(a, Y, loss, reduction=reduction)  # one per grid point
    return out.reshape(grid_a.shape)


def descent_path(run, index_a, index_b, k, max_points=2000):
    """The two weights' values along gradient descent from iteration 0 to ``k``.

    Returns ``(iterations, values_a, values_b)``. Uses the run's stored weights (every
    iteration for small networks, every ``run.stride``-th otherwise), thinned to about
    ``max_points`` while keeping the early iterations, where the path bends most; the
    last point is always W_k itself.
    """
    ia = flat_index(run.layer_sizes, *locate(run.layer_sizes, index_a))
    ib = flat_index(run.layer_sizes, *locate(run.layer_sizes, index_b))
    iterations, rows = run.saved_weights()
    count = int(np.searchsorted(iterations, k, side="right"))
    keep = np.arange(count)
    if count > max_points:
        even = np.linspace(0, count - 1, max_points * 3 // 4)
        early = np.geomspace(1, count - 1, max_points // 4)
        keep = np.unique(np.concatenate([[0], even, early]).round().astype(int))
    its = iterations[keep]
    a = rows[keep, ia]
    b = rows[keep, ib]
    if count == 0 or its[-1] != k:
        current = run.params_at(k)
        its = np.append(its, k)
        a = np.append(a, current[ia])
        b = np.append(b, current[ib])
    return its, a, b
