"""Hostile snapshot files (RELIABILITY 1-8), shared by the loader tests and the CLI tests.

Each case is ``(id, write, expected)``: ``write(path)`` creates the file and
``expected`` lists text the one-line error must contain (besides the file name).
"""

from __future__ import annotations

import copy
import json
import os

import numpy as np

from nncore import Run, builtin, snapshot_dict, three_class
from nncore.options import TrainingOptions
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


V2_OPTIONS = TrainingOptions(bias=True, reduction="mean", l1=0.001, l2=0.01, batch_size=4,
                             optimizer="adam", test_fraction=0.25, init="xavier")


def valid_v2_run(iterations=40):
    """Schema 2: three classes, softmax and ce, every option, a bias edit and a
    learning-rate change."""
    X, Y = three_class(12, seed=1)
    run = Run(X, Y, [3, 4, 3], ["tanh", "softmax"], "ce", 0.1, seed=1, options=V2_OPTIONS,
              dataset_name="three-spiral")
    run.train(10)
    run.set_bias(10, 0, 1, 0.25)
    run.train(10)
    run.set_learning_rate(20, 0.5)
    run.train(iterations - 20)
    return run


def valid_v2_doc():
    return snapshot_dict(valid_v2_run())


def _edited(edit, base=valid_doc):
    """A writer for the valid document after ``edit(doc)`` (which may return a new doc)."""
    def write(path):
        doc = copy.deepcopy(base())
        doc = edit(doc) or doc
        with open(path, "wb") as f:
            f.write(snapshot_bytes(doc) if isinstance(doc, dict) else doc)
    return write


def _raw(data, base=valid_doc):
    def write(path):
        with open(path, "wb") as f:
            f.write(data(base()) if callable(data) else data)
    return write


def _text_replace(old, new, base=valid_doc):
    """The valid file with one piece of its text replaced (for tokens json cannot emit)."""
    def data(doc):
        text = snapshot_bytes(doc).decode()
        assert old in text
        return text.replace(old, new, 1).encode()
    return _raw(data, base)


def _set(*keys, value, base=valid_doc):
    def edit(doc):
        target = doc
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value
    return _edited(edit, base)


def _drop(key, base=valid_doc):
    return _edited(lambda doc: doc.pop(key) and None, base)


def _v2(*keys, value):
    return _set(*keys, value=value, base=valid_v2_doc)


def _sparse(size):
    def write(path):
        with open(path, "wb") as f:
            f.truncate(size)
    return write


def _weights_text(doc):
    return json.dumps(doc["weights"])


V2_REQUIRED = ["bias", "reduction", "l1", "l2", "batch_size", "optimizer", "momentum", "alpha",
               "beta1", "beta2", "eps", "test_fraction", "test_rows", "initial_biases",
               "biases"]
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
    ("schema-version-newer", _set("schema_version", value=3),
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
    # schema 1 knows none of schema 2's additions
    ("v1-ce-loss", _set("loss", value="ce"), ["field 'loss'", "unknown value 'ce'"]),
    ("v1-bias-change", _set("changes", 0, "kind", value="bias"),
     ["field 'changes[0].kind'", "unknown value 'bias'"]),
    # schema 2: its keys, types and ranges
    *[(f"v2-missing-{key}", _drop(key, base=valid_v2_doc), [f"field '{key}'", "missing"])
      for key in V2_REQUIRED],
    ("v2-bias-not-bool", _v2("bias", value=1), ["field 'bias'", "expected true or false"]),
    ("v2-batch-size-0", _v2("batch_size", value=0),
     ["field 'batch_size'", "from 1 to 100000, got 0"]),
    ("v2-batch-size-huge", _v2("batch_size", value=10**30),
     ["field 'batch_size'", "from 1 to 100000, got a 31-digit number"]),
    ("v2-batch-size-float", _v2("batch_size", value=4.0),
     ["field 'batch_size'", "expected a whole number"]),
    ("v2-momentum-1.5", _v2("momentum", value=1.5),
     ["field 'momentum'", "at least 0 and less than 1, got 1.5"]),
    ("v2-beta2-1", _v2("beta2", value=1), ["field 'beta2'", "less than 1"]),
    ("v2-eps-0", _v2("eps", value=0.0), ["field 'eps'", "positive"]),
    ("v2-l2-negative", _v2("l2", value=-0.5), ["field 'l2'", "0 or more"]),
    ("v2-l1-text", _v2("l1", value="0.1"), ["field 'l1'", "expected a number, got text"]),
    ("v2-test-fraction-1", _v2("test_fraction", value=1), ["field 'test_fraction'", "less than 1"]),
    ("v2-optimizer-unknown", _v2("optimizer", value="lbfgs"),
     ["field 'optimizer'", "unknown value 'lbfgs'"]),
    ("v2-reduction-unknown", _v2("reduction", value="max"), ["field 'reduction'", "'max'"]),
    ("v2-init-unknown", _v2("init", value="glorot"),
     ["field 'init'", "unknown value 'glorot'; choose from uniform, xavier, he"]),
    ("v2-init-not-text", _v2("init", value=1), ["field 'init'", "expected text"]),
    ("v2-init-null", _v2("init", value=None), ["field 'init'", "got null"]),
    ("v2-seed-missing", _edited(lambda d: d.pop("seed") and None, valid_v2_doc),
     ["field 'seed'", "drawn from the seed"]),
    ("v2-test-rows-tampered", _v2("test_rows", 0, value=11), ["field 'test_rows'", "tampered"]),
    ("v2-test-rows-not-ints", _v2("test_rows", value=["a"]),
     ["field 'test_rows[0]'", "expected a whole number"]),
    ("v2-biases-shape", _v2("biases", 1, value=[0.0, 0.0]),
     ["field 'biases[1]'", "expected 3 numbers, got 2"]),
    ("v2-initial-biases-nan", _text_replace('"initial_biases": [[', '"initial_biases": [[NaN, ',
                                            base=valid_v2_doc),
     ["field 'initial_biases[0][0]'", "nan is not a finite number"]),
    ("v2-biases-null-with-bias", _v2("biases", value=None), ["field 'biases'", "got null"]),
    ("v2-biases-without-bias", _edited(lambda d: d.update(bias=False, changes=d["changes"][1:]),
                                       valid_v2_doc),
     ["field 'initial_biases'", "has no biases"]),
    ("v2-softmax-hidden", _v2("activations", value=["softmax", "softmax"]),
     ["field 'activations'", "softmax is for the output layer only"]),
    ("v2-ce-without-softmax", _edited(lambda d: d.update(activations=["tanh", "sigmoid"],
                                                         activation="sigmoid"), valid_v2_doc),
     ["field 'loss'", "needs a softmax output layer"]),
    ("v2-ce-not-one-hot", _v2("dataset", "targets", 2, value=[0.5, 0.5, 0.0]),
     ["field 'dataset.targets[2]'", "one-hot"]),
    ("v2-bias-change-row", _v2("changes", 0, "row", value=1),
     ["field 'changes[0].row'", "from 0 to 0"]),
    ("v2-tampered-biases", _edited(lambda d: d["biases"][0].__setitem__(0, 0.123), valid_v2_doc),
     ["field 'biases[0]'", "biases do not match replay (file tampered or corrupted)"]),
    ("v2-tampered-optimizer", _v2("optimizer", value="rmsprop"), ["do not match replay"]),
    ("v2-tampered-batch-size", _v2("batch_size", value=3), ["do not match replay"]),
    ("v2-tampered-beta1", _v2("beta1", value=0.8), ["do not match replay"]),
    ("v2-tampered-l2", _v2("l2", value=0.02), ["do not match replay"]),
    ("v2-tampered-reduction", _v2("reduction", value="sum"), ["do not match replay"]),
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
