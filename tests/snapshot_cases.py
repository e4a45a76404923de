"""Hostile snapshot files (RELIABILITY 1-8), shared by the loader tests and the CLI tests.

Each case is ``(id, write, expected)``: ``write(path)`` creates the file and
``expected`` lists text the one-line error must contain (besides the file name).
"""

from __future__ import annotations

import copy
import json
import os

import numpy as np

from nncore import Run, builtin, snapshot_dict
from nncore.snapshot import snapshot_bytes


def valid_run(iterations=40):
    """The tutorial net with a weight edit and a learning-rate change in its history."""
    X, Y = builtin("tutorial")
    run = Run(X, Y, [3, 1])
    run.train(10)
    run.set_weight(10, 0, 1, 0, 0.25)
    run.train(10)
    run.set_learning_rate(20, 0.5)
    run.train(iterations - 20)
    return run


def valid_doc():
    return snapshot_dict(valid_run(), dataset_name="tutorial")


def _edited(edit):
    """A writer for the valid document after ``edit(doc)`` (which may return a new doc)."""
    def write(path):
        doc = copy.deepcopy(valid_doc())
        doc = edit(doc) or doc
        with open(path, "wb") as f:
            f.write(snapshot_bytes(doc) if isinstance(doc, dict) else doc)
    return write


def _raw(data):
    def write(path):
        with open(path, "wb") as f:
            f.write(data(valid_doc()) if callable(data) else data)
    return write


def _text_replace(old, new):
    """The valid file with one piece of its text replaced (for tokens json cannot emit)."""
    def data(doc):
        text = snapshot_bytes(doc).decode()
        assert old in text
        return text.replace(old, new, 1).encode()
    return _raw(data)


def _set(*keys, value):
    def edit(doc):
        target = doc
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value
    return _edited(edit)


def _drop(key):
    return _edited(lambda doc: doc.pop(key) and None)


def _sparse(size):
    def write(path):
        with open(path, "wb") as f:
            f.truncate(size)
    return write


def _weights_text(doc):
    return json.dumps(doc["weights"])


REQUIRED = ["format", "schema_version", "app_version", "created", "iteration", "layer_sizes",
            "loss", "learning_rate", "dataset", "initial_weights", "weights"]

CASES = [
    # 1. shapes and chaining
    ("weights-shape", _set("weights", 0, value=[[0.1], [0.2]]),
     ["field 'weights[0]'", "expected 3 rows, got 2"]),
    ("initial-weights-shape", _set("initial_weights", 0, value=[[0.1, 0.2]] * 3),
     ["field 'initial_weights[0][0]'", "expected 1 numbers, got 2"]),
    ("layers-do-not-chain", _edited(lambda d: d.update(
        layer_sizes=[3, 2, 1], activations=["sigmoid"] * 2,
        initial_weights=[[[0.1, 0.2]] * 3, [[0.1]] * 3])),
     ["field 'initial_weights[1]'", "expected 2 rows, got 3"]),
    ("too-few-matrices", _set("activations", value=["sigmoid"] * 2),
     ["field 'activations'", "need 1 (one per layer), got 2"]),
    ("layer-size-zero", _set("layer_sizes", value=[3, 0]),
     ["field 'layer_sizes[1]'", "from 1 to"]),
    # 2. non-finite numbers, including JSON's non-standard tokens
    ("nan-token-weight", _text_replace('"weights": [[[', '"weights": [[[NaN, '),
     ["field 'weights[0][0][0]'", "nan is not a finite number"]),
    ("infinity-learning-rate", _text_replace('"learning_rate": 1.0', '"learning_rate": Infinity'),
     ["field 'learning_rate'", "inf is not a finite number"]),
    ("minus-infinity-dataset", _text_replace('"inputs": [[0.0', '"inputs": [[-Infinity'),
     ["field 'dataset.inputs[0][0]'", "-inf is not a finite number"]),
    ("1e400-weight", _text_replace('"weights": [[[', '"weights": [[[1e400, '),
     ["field 'weights[0][0][0]'", "inf is not a finite number"]),
    ("nan-change-value", _text_replace('"value": 0.25', '"value": NaN'),
     ["field 'changes[0].value'", "not a finite number"]),
    # 3. wrong types
    ("string-weight", _set("weights", 0, 0, 0, value="0.5"),
     ["field 'weights[0][0][0]'", "expected a number, got text"]),
    ("bool-learning-rate", _set("learning_rate", value=True),
     ["field 'learning_rate'", "got true/false"]),
    ("bool-weight", _set("weights", 0, 0, 0, value=False),
     ["field 'weights[0][0][0]'", "got true/false"]),
    ("null-iteration", _set("iteration", value=None), ["field 'iteration'", "got null"]),
    ("ragged-dataset", _set("dataset", "inputs", 1, value=[1.0, 1.0]),
     ["field 'dataset.inputs[1]'", "expected 3 numbers, got 2"]),
    ("string-layer-sizes", _set("layer_sizes", value=["3", "1"]),
     ["field 'layer_sizes[0]'", "got text"]),
    ("5000-digit-integer", _text_replace('"iteration": 40', '"iteration": ' + "9" * 5000),
     ["invalid JSON", "4300 digits"]),
    ("400-digit-weight", _set("weights", 0, 0, 0, value=10 ** 400),
     ["field 'weights[0]'", "too large"]),
    ("float-iteration", _set("iteration", value=40.0), ["field 'iteration'", "whole number"]),
    ("dataset-not-object", _set("dataset", value=[1, 2]),
     ["field 'dataset'", "expected an object"]),
    # 4. keys, format and version
    *[(f"missing-{key}", _drop(key), [f"field '{key}'", "missing"]) for key in REQUIRED],
    ("missing-activation", _edited(lambda d: d.pop("activation") and d.pop("activations") and None),
     ["field 'activation'", "missing"]),
    ("unknown-format", _set("format", value="keras/h5"), ["field 'format'", "unknown format"]),
    ("schema-version-string", _set("schema_version", value="1"),
     ["field 'schema_version'", "got text"]),
    ("schema-version-newer", _set("schema_version", value=2),
     ["field 'schema_version'", "saved by a newer version"]),
    ("unknown-activation", _set("activations", value=["softmax"]),
     ["field 'activations[0]'", "unknown value 'softmax'"]),
    # 5. not a snapshot at all
    ("empty", _raw(b""), ["file is empty"]),
    ("8-bytes", _raw(b'{"format'), ["invalid JSON", "line 1"]),
    ("half", _raw(lambda doc: snapshot_bytes(doc)[:len(snapshot_bytes(doc)) // 2]),
     ["invalid JSON"]),
    ("random-bytes", _raw(np.random.default_rng(7).bytes(3000)), ["not UTF-8"]),
    ("png", _raw(b"\x89PNG\r\n\x1a\n" + bytes(200)), ["PNG image"]),
    ("utf-16", _raw(lambda doc: snapshot_bytes(doc).decode().encode("utf-16")), ["UTF-16"]),
    ("utf-16-without-bom", _raw(lambda doc: snapshot_bytes(doc).decode().encode("utf-16-le")),
     ["line 1: contains NUL bytes", "UTF-16"]),
    ("nested-100k-lists", _raw(b"[" * 100_000 + b"]" * 100_000), ["nested too deeply"]),
    ("nested-100k-objects", _raw(b'{"a":' * 100_000 + b"1" + b"}" * 100_000),
     ["nested too deeply"]),
    ("nested-20-in-unknown-key", _set("notes", value=json.loads("[" * 20 + "]" * 20)),
     ["nested more than"]),
    ("top-level-list", _raw(b"[1, 2, 3]"), ["expected a JSON object"]),
    # 6. too big to read
    ("over-size-cap", _sparse(20 * 1024 * 1024 + 1), ["over the 20 MiB limit"]),
    # 7. absurd values
    ("negative-iteration", _set("iteration", value=-1), ["field 'iteration'", "from 0 to"]),
    ("absurd-iteration", _set("iteration", value=10 ** 12), ["field 'iteration'", "from 0 to"]),
    ("learning-rate-abc", _set("learning_rate", value="abc"),
     ["field 'learning_rate'", "got text"]),
    ("learning-rate-negative", _set("learning_rate", value=-1.0),
     ["field 'learning_rate'", "positive"]),
    ("dataset-too-narrow", _set("dataset", "inputs", value=[[0, 1]] * 4),
     ["field 'dataset.inputs[0]'", "expected 3 numbers, got 2"]),
    ("targets-too-few", _set("dataset", "targets", value=[[0]]),
     ["field 'dataset.targets'", "expected 4 rows, got 1"]),
    ("change-after-iteration", _set("changes", 1, "iteration", value=41),
     ["field 'changes[1].iteration'", "from 10 to 40"]),
    ("change-outside-layer", _set("changes", 0, "row", value=3),
     ["field 'changes[0].row'", "from 0 to 2"]),
    ("change-learning-rate-zero", _set("changes", 1, "value", value=0.0),
     ["field 'changes[1].value'", "positive"]),
    # 8. the saved weights are not what the replay gives
    ("tampered-weights", _edited(lambda d: d["weights"][0][0].__setitem__(0, 0.123)),
     ["field 'weights[0]'", "weights do not match replay (file tampered or corrupted)"]),
    ("tampered-initial-weights", _edited(lambda d: d["initial_weights"][0][2].__setitem__(0, 0.5)),
     ["weights do not match replay"]),
    ("tampered-learning-rate", _set("learning_rate", value=0.9), ["weights do not match replay"]),
    ("dropped-change", _edited(lambda d: d["changes"].pop(0) and None),
     ["weights do not match replay"]),
    ("tampered-dataset", _set("dataset", "targets", 0, value=[1.0]),
     ["weights do not match replay"]),
    ("replay-diverges", _edited(lambda d: d.update(activation="linear", activations=["linear"],
                                                   learning_rate=1e300)),
     ["replay diverges at iteration 1, before iteration 40", "tampered or corrupted"]),
]


def case_ids():
    return [case[0] for case in CASES]


def write_case(directory, case_id):
    """Create the file for ``case_id`` in ``directory``; returns its path."""
    write = {case[0]: case[1] for case in CASES}[case_id]
    path = os.path.join(directory, f"{case_id}.json")
    write(path)
    return path


def expected(case_id):
    return {case[0]: case[2] for case in CASES}[case_id]
