"""Snapshots: one run at one iteration, as a JSON file anyone can read and trust.

A snapshot stores the dataset, the architecture, the initial weights and every
change made by hand, which is everything needed to replay the run; plus the weights
at ``iteration`` so a reader can check the replay. Floats are written with ``repr``,
which round-trips exactly, so on the machine that saved it a replay reproduces the
saved weights bit for bit.

Loading trusts nothing: the size is capped before reading, every field is checked
for type, range, finiteness and shape, the run is rebuilt by replaying from
``initial_weights``, and the replayed weights must match the saved ones. Any problem
raises ``LoadError`` naming the file and the field; nothing is returned half-built.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np

from .errors import BudgetError, LoadError, SaveError, quoted
from .files import MIB, atomic_write, decode_utf8, read_capped, size_text
from .history import Change
from .json_fields import Fields, kind_of, parse_json, scan
from .memory import MEMORY_CAP, Footprint
from .network import (
    ACTIVATIONS,
    LOSSES,
    OUTPUT_ACTIVATIONS,
    check_architecture,
    check_learning_rate,
    n_weights,
)
from .options import TrainingOptions
from .replay import finish
from .run import Run
from .snapshot_training import (
    check_one_hot,
    check_replayed_biases,
    read_training,
    schema_of,
    training_doc,
)

FORMAT = "backprop-lab/snapshot"
SCHEMA_VERSION = 2  # the newest this version reads; 1 for tutorial-style runs (see schema_of)
SCHEMA_1_LOSSES = ("sse", "bce")  # schema 2 adds ce, with a softmax output layer
SIZE_CAP = 20 * MIB
MAX_ITERATION = 10_000_000
MAX_UNITS = 10_000          # per layer
MAX_SAMPLES = 100_000
MAX_CHANGES = 100_000
MAX_NESTING = 16            # a valid snapshot nests 4 deep
HISTORY_BYTES_CAP = MEMORY_CAP  # what replaying may allocate (see nncore.memory)
# What replaying may cost, in sample-weight updates (one multiply-add per sample and
# weight per iteration; numpy's per-call overhead makes every step cost at least
# MIN_STEP_WORK of them). The cap is minutes of replay (docs/performance.md), so a 100 KB
# file cannot declare days of replay, while what a learner trains in the window (a
# replay is quicker than the training was) or 10^7 iterations of a small
# net still load.
REPLAY_WORK_CAP = 10**10
MIN_STEP_WORK = 256
# Replays on another CPU may round the last bit differently (BLAS kernels, SIMD exp);
# such drift is far below this, while any meaningful edit to a weight is far above it.
REPLAY_RTOL = 1e-9


def snapshot_dict(run, k=None, dataset_name=None):
    """The snapshot of ``run`` at iteration ``k`` (default: the newest) as a dict."""
    from . import __version__

    k = run.newest if k is None else int(k)
    weights = run.weights_at(k)
    name = dataset_name or run.dataset_name
    doc = {
        "format": FORMAT,
        "schema_version": schema_of(run),
        "app_version": __version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "iteration": k,
        "layer_sizes": list(run.layer_sizes),
        "activation": run.activations[-1],
        "activations": list(run.activations),
        "loss": run.loss,
        "learning_rate": run.initial_learning_rate,
        "seed": run.seed,
        "loss_value": float(run.losses[k]),
        "accuracy": float(run.accuracies[k]),
        "dataset": {"name": str(name), "inputs": run.X.tolist(), "targets": run.Y.tolist()},
        "initial_weights": [W.tolist() for W in run.unflatten(run.initial_params)],
        "weights": [W.tolist() for W in weights],
        "changes": [{"iteration": c.iteration, "kind": c.kind, "value": c.value,
                     "layer": c.layer, "row": c.row, "col": c.col}
                    for c in run.changes if c.iteration <= k],
    }
    if doc["schema_version"] == 1:
        return doc
    options, biases = training_doc(run, k)
    keys = list(doc)
    seed_at, weights_at = keys.index("seed") + 1, keys.index("weights") + 1
    items = list(doc.items())
    return dict(items[:seed_at] + list(options.items()) + items[seed_at:weights_at]
                + list(biases.items()) + items[weights_at:])


def snapshot_bytes(doc):
    """The file text: one top-level key per line, values compact."""
    lines = [f"  {json.dumps(key)}: {json.dumps(value, allow_nan=False)}"
             for key, value in doc.items()]
    return ("{\n" + ",\n".join(lines) + "\n}\n").encode("utf-8")


def save_snapshot(path, run, k=None, dataset_name=None):
    """Write the snapshot of ``run`` at ``k`` to ``path`` atomically."""
    # Every number takes at least two bytes ("0,"): a run whose numbers alone are
    # over the cap is refused before its text is built.
    least = 2 * (2 * run.n_theta + run.X.size + run.Y.size)
    if least > SIZE_CAP:
        raise SaveError(path, f"the snapshot would be at least {size_text(least)}, over "
                        f"the {size_text(SIZE_CAP)} limit for loading")
    try:
        data = snapshot_bytes(snapshot_dict(run, k, dataset_name))
    except (ValueError, IndexError) as exc:
        raise SaveError(path, f"cannot save: {exc}") from exc
    if len(data) > SIZE_CAP:
        raise SaveError(path, f"the snapshot would be {size_text(len(data))}, over the "
                        f"{size_text(SIZE_CAP)} limit for loading; use a smaller dataset")
    k = run.newest if k is None else int(k)
    # A file that could never be opened again is not saved.
    if k > MAX_ITERATION:
        raise SaveError(path, f"cannot save: {k} iterations, over the {MAX_ITERATION} "
                        "a snapshot may hold")
    memory = Footprint(run.layer_sizes, run.X.shape[0], run.options).problem(
        k, f"replaying {k} iterations")
    problem = memory[1] if memory else _work_problem(k, run.X.shape[0], run.layer_sizes)
    if problem:
        raise SaveError(path, f"cannot save: {problem}")
    atomic_write(path, data)


def load_snapshot(path, progress=None):
    """``(run, k)`` rebuilt from the snapshot at ``path``; ``run.newest == k``.

    Raises ``LoadError`` (a ``BudgetError`` when replaying would need more memory
    than a run may take), naming the file and the field. ``progress(done, k)`` is
    told how far the replay has come (see ``Run.replay``).
    """
    return finish(load_snapshot_steps(path), progress)


def load_snapshot_steps(path):
    """:func:`load_snapshot` as a generator that yields ``(done, k)`` between slices
    of the replay and returns ``(run, k)``; closing it early abandons the run."""
    text = decode_utf8(path, read_capped(path, SIZE_CAP))
    if not text.strip():
        raise LoadError(path, "file is empty")
    doc = parse_json(path, text, "invalid snapshot: ")
    return (yield from snapshot_steps(doc, path))


def snapshot_run(doc, path=None, progress=None):
    """``(run, k)`` from an already parsed snapshot ``doc``; see :func:`load_snapshot`."""
    return finish(snapshot_steps(doc, path), progress)


def snapshot_steps(doc, path=None):
    """:func:`snapshot_run` as a generator (see :func:`load_snapshot_steps`)."""
    f = Fields(path)
    if not isinstance(doc, dict):
        f.fail(None, f"expected a JSON object, got {kind_of(doc)}; not a Backprop Lab snapshot")
    scan(doc, f, MAX_NESTING)
    if "format" not in doc:
        f.fail("format", "missing; not a Backprop Lab snapshot")
    if doc["format"] != FORMAT:
        f.fail("format", f"unknown format {quoted(doc['format'])}; expected {FORMAT!r}")
    version = f.integer(doc, "schema_version", 0, None)
    if version > SCHEMA_VERSION:
        f.fail("schema_version", f"saved by a newer version of Backprop Lab (schema {version}; "
               f"this version reads schema {SCHEMA_VERSION}); please update")
    if version < 1:
        f.fail("schema_version", f"unknown schema version {version}")
    f.string(doc, "app_version")
    created = f.string(doc, "created")
    try:
        datetime.fromisoformat(created)
    except ValueError:
        f.fail("created", f"not an ISO 8601 time: {quoted(created)}")

    k = f.integer(doc, "iteration", 0, MAX_ITERATION)
    sizes_raw = f.get(doc, "layer_sizes", list)
    if not 2 <= len(sizes_raw) <= 32:
        f.fail("layer_sizes", f"need 2 to 32 layer sizes, got {len(sizes_raw)}")
    sizes = [f.integer(sizes_raw, i, 1, MAX_UNITS, "layer_sizes") for i in range(len(sizes_raw))]
    activations = _activations(doc, f, len(sizes) - 1, version)
    loss = f.string(doc, "loss", SCHEMA_1_LOSSES if version == 1 else LOSSES)
    try:
        check_architecture(sizes, activations, loss)
    except ValueError as exc:  # "field: why"
        f.fail(*str(exc).split(": ", 1))
    rate = f.number(doc, "learning_rate")
    if rate <= 0:
        f.fail("learning_rate", f"must be positive, got {rate!r}")
    seed = doc.get("seed")
    if seed is not None:
        seed = f.integer(doc, "seed", 0, 2**32 - 1)
    for key in ("loss_value", "accuracy", "penalty_value", "test_loss_value",
                "test_accuracy"):  # informational: recomputed by the replay
        if doc.get(key) is not None:
            f.number(doc, key)

    dataset = f.get(doc, "dataset", dict)
    name = f.string(dataset, "name", where="dataset") if "name" in dataset else "custom"
    X = f.matrix(dataset, "inputs", None, sizes[0], "dataset")
    if not 1 <= X.shape[0] <= MAX_SAMPLES:
        f.fail("dataset.inputs", f"need 1 to {MAX_SAMPLES} samples, got {X.shape[0]}")
    Y = f.matrix(dataset, "targets", X.shape[0], sizes[-1], "dataset")
    if loss == "ce":
        check_one_hot(Y, f)
    initial = _weights(doc, "initial_weights", sizes, f)
    weights = _weights(doc, "weights", sizes, f)
    options, initial_biases, biases = (read_training(doc, f, sizes, X.shape[0], seed, MAX_SAMPLES)
                                       if version >= 2 else (TrainingOptions(), None, None))
    changes = _changes(doc, k, sizes, f, options.bias)
    problem = Footprint(sizes, X.shape[0], options).problem(k, f"replaying {k} iterations")
    if problem:  # checked before any memory is allocated (see nncore.memory)
        f.fail(*problem, error=BudgetError)
    problem = _work_problem(k, X.shape[0], sizes)
    if problem:
        f.fail("iteration", problem)

    try:
        run = Run(X, Y, sizes, activations, loss, rate, seed, initial, dataset_name=name,
                  options=options, initial_biases=initial_biases)
    except ValueError as exc:
        f.fail(None, f"cannot build the run: {exc}")
    try:
        reached = yield from run.replay_steps(changes, k)
    except ValueError as exc:
        if run.diverged_at is None:
            f.fail("changes", f"cannot replay: {exc}")
        reached = False
    if not reached:
        f.fail(None, f"replay diverges at iteration {run.diverged_at}, before iteration {k}; "
               "file tampered or corrupted")
    replayed = run.weights_at(k)
    for layer, (got, saved) in enumerate(zip(replayed, weights, strict=True)):
        if not np.array_equal(got, saved) and not np.allclose(got, saved, rtol=REPLAY_RTOL,
                                                               atol=REPLAY_RTOL):
            f.fail(f"weights[{layer}]",
                   "weights do not match replay (file tampered or corrupted)")
    if biases is not None:
        check_replayed_biases(run, k, biases, f, REPLAY_RTOL)
    return run, k


def _activations(doc, f, n_layers, version):
    """One activation per weight matrix, from ``activations`` or the single
    ``activation`` (schema 2 also knows softmax, which check_architecture keeps to
    the output layer)."""
    known = ACTIVATIONS if version == 1 else OUTPUT_ACTIVATIONS
    if "activations" in doc:
        names = f.get(doc, "activations", list)
        if len(names) != n_layers:
            f.fail("activations", f"need {n_layers} (one per layer), got {len(names)}")
        names = [f.string(names, i, known, "activations") for i in range(n_layers)]
        if "activation" in doc and f.string(doc, "activation", known) != names[-1]:
            f.fail("activation", "does not match the last of 'activations'")
        return names
    return [f.string(doc, "activation", known)] * n_layers


def _weights(doc, key, sizes, f):
    matrices = f.get(doc, key, list)
    if len(matrices) != len(sizes) - 1:
        f.fail(key, f"expected {len(sizes) - 1} matrices for layer sizes {sizes}, "
               f"got {len(matrices)}")
    return [f.matrix(matrices, i, n_in, n_out, key)
            for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True))]


def _changes(doc, k, sizes, f, bias):
    raw = f.get(doc, "changes", list) if "changes" in doc else []
    if len(raw) > MAX_CHANGES:
        f.fail("changes", f"more than {MAX_CHANGES} changes")
    changes, previous = [], 0
    for i, item in enumerate(raw):
        where = f"changes[{i}]"
        f.get(raw, i, dict, "changes")
        it = f.integer(item, "iteration", previous, k, where)
        kind = f.string(item, "kind", ("learning_rate", "weight", "bias") if bias else
                        ("learning_rate", "weight"), where)
        value = f.number(item, "value", where)
        if kind == "learning_rate":
            try:
                check_learning_rate(value)
            except ValueError as exc:
                f.fail(f"{where}.value", str(exc))
            for key in ("layer", "row", "col"):  # meaningless here; 0 keeps files canonical
                if key in item:
                    f.integer(item, key, 0, 0, where)
            changes.append(Change(it, kind, value))
        else:
            layer = f.integer(item, "layer", 0, len(sizes) - 2, where)
            row = f.integer(item, "row", 0, 0 if kind == "bias" else sizes[layer] - 1, where)
            col = f.integer(item, "col", 0, sizes[layer + 1] - 1, where)
            changes.append(Change(it, kind, value, layer, row, col))
        previous = it
    return changes


def _work_problem(k, n_samples, sizes):
    """Why replaying ``k`` iterations would take too long, or None."""
    n_params = n_weights(sizes)
    work = k * max(n_samples * n_params, MIN_STEP_WORK)
    if work > REPLAY_WORK_CAP:
        return (f"replaying {k} iterations of {n_params} weights on {n_samples} samples "
                f"is {work:.2g} weight updates, over the {REPLAY_WORK_CAP:.0e} limit "
                "(it would take too long)")
    return None
