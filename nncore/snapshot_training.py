"""Schema 2 of a snapshot: how the run trains, beyond the tutorial.

A run whose :class:`~nncore.options.TrainingOptions` are all at their defaults (and
whose loss is not ``ce``) is saved as schema 1, exactly as before, so older versions
still open it. Any other run is saved as schema 2, which adds the keys below and
allows the ``ce`` loss, a ``softmax`` output layer and ``bias`` changes; every key
is checked as strictly as schema 1's (type, range, and against the replay). The key
``init`` (``xavier`` or ``he``) is present only when the weights were not drawn the
tutorial's way; a file without it, as every file before it, reads as ``uniform``.
"""

from __future__ import annotations

import numpy as np

from .initial_weights import INITS
from .options import DECAYS, OPTIMIZERS, OPTION_NAMES, TrainingOptions, held_out_rows

SCHEMA_VERSION = 2


def schema_of(run):
    """1 when a run is the tutorial's kind of run, else 2."""
    return 1 if run.options.is_default and run.loss != "ce" else SCHEMA_VERSION


def training_doc(run, k):
    """The schema-2 keys of ``run`` at iteration ``k``, in the order they are written:
    the options and held-out rows (to go after ``seed``), and the biases and scores
    (to go after ``weights``)."""
    o, it = run.options, run.at(k)
    # ``init`` is written only when it is not the tutorial's draw, so files of runs
    # with uniform weights are the same as before it existed
    options = {key: getattr(o, key) for key in OPTION_NAMES
               if key != "init" or o.init != "uniform"}
    options["test_rows"] = run.test_rows.tolist()
    biases = {
        "initial_biases": None if not o.bias else [
            b.tolist() for b in run.at(0).biases],
        "biases": None if not o.bias else [b.tolist() for b in it.biases],
        "penalty_value": it.penalty,
        "test_loss_value": it.test_loss,
        "test_accuracy": it.test_accuracy,
    }
    return options, biases


def read_training(doc, f, sizes, n_samples, seed, max_batch):
    """``(options, initial_biases, biases)`` from a schema-2 document, each field
    checked; ``f`` is the snapshot's :class:`~nncore.json_fields.Fields`."""
    values = {"bias": f.get(doc, "bias", bool),
              "reduction": f.string(doc, "reduction", ("sum", "mean")),
              "optimizer": f.string(doc, "optimizer", OPTIMIZERS),
              # how initial_weights were drawn from the seed; the replay starts from
              # initial_weights themselves, so this is the run's record of its choice
              "init": f.string(doc, "init", INITS) if "init" in doc else "uniform"}
    for key in ("l1", "l2", "eps", "test_fraction", *DECAYS):
        values[key] = f.number(doc, key)
    if doc.get("batch_size", 0) is None:
        values["batch_size"] = None
    else:
        values["batch_size"] = f.integer(doc, "batch_size", 1, max_batch)
    try:
        options = TrainingOptions(**values).checked()
    except ValueError as exc:
        field, _, why = str(exc).partition(": ")
        f.fail(field, why)
    rows = options.rows(n_samples)
    if (rows.n_test or rows.batch < rows.n_train) and seed is None:
        f.fail("seed", "missing: mini-batches and held-out rows are drawn from the seed")
    _check_test_rows(doc, f, n_samples, options, seed)
    if not options.bias:
        for key in ("initial_biases", "biases"):
            if doc.get(key) is not None:
                f.fail(key, "this network has no biases ('bias' is false); expected null")
        return options, None, None
    return options, _biases(doc, "initial_biases", sizes, f), _biases(doc, "biases", sizes, f)


def _check_test_rows(doc, f, n_samples, options, seed):
    raw = f.get(doc, "test_rows", list)
    if len(raw) > n_samples:
        f.fail("test_rows", f"more rows than the dataset's {n_samples}")
    given = [f.integer(raw, i, 0, n_samples - 1, "test_rows") for i in range(len(raw))]
    expected = held_out_rows(n_samples, options.test_fraction, seed).tolist()
    if given != expected:
        f.fail("test_rows", "not the rows that 'seed' and 'test_fraction' hold out (file "
               "tampered or corrupted)")


def _biases(doc, key, sizes, f):
    vectors = f.get(doc, key, list)
    if len(vectors) != len(sizes) - 1:
        f.fail(key, f"expected {len(sizes) - 1} vectors for layer sizes {sizes}, "
               f"got {len(vectors)}")
    return [f.vector(vectors, i, n, key) for i, n in enumerate(sizes[1:])]


def check_one_hot(Y, f):
    """Targets for ``ce``: each row a single 1 and the rest 0."""
    good = np.all((Y == 0) | (Y == 1), axis=1) & (np.sum(Y == 1, axis=1) == 1)
    if not good.all():
        row = int(np.flatnonzero(~good)[0])
        f.fail(f"dataset.targets[{row}]", "targets for the ce loss must be one-hot (a "
               f"single 1, the rest 0), got {Y[row].tolist()}")


def check_replayed_biases(run, k, saved, f, tolerance):
    """The replayed biases at ``k`` must be the saved ones (within ``tolerance``)."""
    for layer, (got, want) in enumerate(zip(run.at(k).biases, saved, strict=True)):
        if not np.array_equal(got, want) and not np.allclose(got, want, rtol=tolerance,
                                                             atol=tolerance):
            f.fail(f"biases[{layer}]", "biases do not match replay (file tampered or "
                   "corrupted)")
