"""Snapshots: round trip, exact resume, every hostile file refused, atomic saves, exports."""

import errno
import io
import json
import os
import time
import zipfile
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
import snapshot_cases
from safetensors.numpy import load_file
from safetensors.numpy import save as safetensors_save

import nncore.files
from nncore import (
    LoadError,
    Run,
    SaveError,
    builtin,
    export_weights,
    load_csv,
    load_npz_weights,
    load_parameters,
    load_snapshot,
    load_weights,
    save_csv,
    save_snapshot,
    three_class,
)
from nncore.options import TrainingOptions
from nncore.snapshot import snapshot_dict

# ---- what a snapshot holds ----------------------------------------------------------


def test_snapshot_fields_round_trip(tmp_path):
    run = snapshot_cases.valid_run()
    path = tmp_path / "snap.json"
    save_snapshot(path, run, dataset_name="tutorial")
    doc = json.loads(path.read_text())
    assert doc["format"] == "backprop-lab/snapshot" and doc["schema_version"] == 1
    assert doc["app_version"] == "0.1.0"
    created = datetime.fromisoformat(doc["created"])
    assert created.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - created) < timedelta(minutes=1)
    assert doc["iteration"] == 40 and doc["layer_sizes"] == [3, 1]
    assert doc["activation"] == "sigmoid" and doc["activations"] == ["sigmoid"]
    assert doc["loss"] == "sse" and doc["learning_rate"] == 1.0 and doc["seed"] == 1
    assert doc["dataset"]["name"] == "tutorial"
    assert doc["dataset"]["inputs"] == builtin("tutorial")[0].tolist()
    assert doc["changes"] == [
        {"iteration": 10, "kind": "weight", "value": 0.25, "layer": 0, "row": 1, "col": 0},
        {"iteration": 20, "kind": "learning_rate", "value": 0.5, "layer": 0, "row": 0, "col": 0}]
    assert doc["loss_value"] == run.losses[40] and doc["accuracy"] == run.accuracies[40]

    loaded, k = load_snapshot(path)
    assert k == 40 and loaded.newest == 40 and loaded.dataset_name == "tutorial"
    assert loaded.changes == run.changes
    assert loaded.learning_rate == 0.5 and loaded.initial_learning_rate == 1.0
    assert np.array_equal(loaded.params_at(40), run.params_at(40))
    assert np.array_equal(loaded.losses, run.losses)


def test_tutorial_snapshot_holds_the_tutorial_numbers(tmp_path):
    X, Y = builtin("tutorial")
    run = Run(X, Y, [3, 1])
    run.train(1000)
    save_snapshot(tmp_path / "t.json", run)
    doc = json.loads((tmp_path / "t.json").read_text())
    np.testing.assert_allclose(np.ravel(doc["initial_weights"]),
                               [-0.16595599, 0.44064899, -0.99977125], atol=1e-8)
    np.testing.assert_allclose(np.ravel(doc["weights"]),
                               [7.26283009, -0.21614618, -3.41703015], atol=1e-8)


def _resume_case(name):
    if name == "tutorial":
        X, Y = builtin("tutorial")
        return Run(X, Y, [3, 1])
    if name == "xor-hidden":
        X, Y = builtin("xor")
        return Run(X, Y, [3, 4, 1], ["tanh", "sigmoid"], learning_rate=0.5, seed=3)
    if name == "checkpointed":  # 320 weights: every 32nd iteration kept, the rest replayed
        X, Y = builtin("and")
        return Run(X, Y, [3, 16, 16, 1], ["relu", "tanh", "sigmoid"], "bce", 0.1, seed=5)
    X, Y = three_class(30, seed=2)
    options = {  # schema 2: each optimizer, with options enough to touch every path
        "adam-everything": dict(optimizer="adam", bias=True, reduction="mean", batch_size=7,
                                l1=0.001, l2=0.01, test_fraction=0.2),
        "momentum-batches": dict(optimizer="momentum", batch_size=4, bias=True),
        "nesterov-held-out": dict(optimizer="nesterov", test_fraction=0.3, momentum=0.5),
        "rmsprop-penalty": dict(optimizer="rmsprop", l2=0.05, reduction="mean"),
        "sgd-bias": dict(bias=True),
    }[name]
    return Run(X, Y, [3, 8, 8, 3], ["tanh", "relu", "softmax"], "ce", 0.05, seed=7,
               options=TrainingOptions(**options))


RESUME_CASES = ["tutorial", "xor-hidden", "checkpointed", "adam-everything",
                "momentum-batches", "nesterov-held-out", "rmsprop-penalty", "sgd-bias"]


@pytest.mark.parametrize("name", RESUME_CASES)
def test_resume_is_bitwise_exact(tmp_path, name):
    """RELIABILITY 19: N+M iterations equal N, save, load, M more, bit for bit."""
    n, m = 300, 257
    straight, paused = _resume_case(name), _resume_case(name)
    for run in (straight, paused):
        run.train(100)
        run.set_weight(100, 0, 0, 0, 0.75)  # a history with hand edits must replay too
        run.train(50)
        run.set_learning_rate(150, run.learning_rate * 2)
        if run.options.bias:
            run.train(20)
            run.set_bias(170, 1, 2, -0.5)
        run.train(n - run.newest)
    if name == "checkpointed":
        assert straight.stride == 32
    elif name in ("tutorial", "xor-hidden"):
        assert straight.stride == 1
    else:
        assert straight.stride > 1  # checkpoints hold the optimizer state

    save_snapshot(tmp_path / "n.json", paused)
    resumed, k = load_snapshot(tmp_path / "n.json")
    assert k == n and resumed.options == straight.options
    straight.train(m)
    resumed.train(m)
    assert resumed.newest == straight.newest == n + m
    for i in (0, 99, 100, 101, n, n + m - 1, n + m):
        assert np.array_equal(resumed.row_at(i), straight.row_at(i)), i
    assert np.array_equal(resumed.outputs, straight.outputs)
    for name_ in ("losses", "accuracies", "test_losses", "test_accuracies", "penalties"):
        a, b = getattr(resumed, name_), getattr(straight, name_)
        assert (a is None and b is None) or np.array_equal(a, b), name_


def test_schema_2_fields_round_trip(tmp_path):
    run = snapshot_cases.valid_v2_run()
    path = tmp_path / "v2.json"
    save_snapshot(path, run)
    doc = json.loads(path.read_text())
    assert doc["schema_version"] == 2 and doc["loss"] == "ce"
    assert doc["activations"] == ["tanh", "softmax"]
    assert {key: doc[key] for key in ("bias", "reduction", "l1", "l2", "batch_size",
                                      "optimizer", "beta1", "beta2", "eps",
                                      "test_fraction")} == {
        "bias": True, "reduction": "mean", "l1": 0.001, "l2": 0.01, "batch_size": 4,
        "optimizer": "adam", "beta1": 0.9, "beta2": 0.999, "eps": 1e-8,
        "test_fraction": 0.25}
    assert doc["test_rows"] == run.test_rows.tolist() and len(doc["test_rows"]) == 3
    assert doc["initial_biases"] == [[0.0] * 4, [0.0] * 3]
    assert doc["biases"] == [b.tolist() for b in run.at(40).biases]
    assert doc["changes"][0] == {"iteration": 10, "kind": "bias", "value": 0.25, "layer": 0,
                                 "row": 0, "col": 1}
    assert doc["penalty_value"] == run.penalties[40]
    assert doc["test_loss_value"] == run.test_losses[40]
    keys = list(doc)  # the settings follow the seed; biases follow the weights
    assert keys[keys.index("seed") + 1:keys.index("seed") + 15] == [
        "bias", "reduction", "l1", "l2", "batch_size", "optimizer", "momentum", "alpha",
        "beta1", "beta2", "eps", "test_fraction", "init", "test_rows"]
    assert doc["init"] == "xavier"
    assert keys[keys.index("weights") + 1:keys.index("weights") + 3] == [
        "initial_biases", "biases"]

    loaded, k = load_snapshot(path)
    assert k == 40 and loaded.options == run.options and loaded.changes == run.changes
    assert np.array_equal(loaded.row_at(40), run.row_at(40))
    assert np.array_equal(loaded.test_losses, run.test_losses)
    save_snapshot(tmp_path / "again.json", loaded)
    again = json.loads((tmp_path / "again.json").read_text())
    assert {key: v for key, v in again.items() if key != "created"} == {
        key: v for key, v in doc.items() if key != "created"}


def test_schema_1_files_open_as_before_and_save_as_schema_1(tmp_path):
    path = tmp_path / "v1.json"
    (path).write_bytes(_valid_bytes())
    run, k = load_snapshot(path)
    assert run.options == TrainingOptions() and run.options.is_default
    assert run.at(k).biases is None and run.test_losses is None and run.penalties is None
    save_snapshot(tmp_path / "again.json", run, dataset_name="tutorial")
    again = json.loads((tmp_path / "again.json").read_text())
    first = json.loads(path.read_text())
    assert again["schema_version"] == 1 and list(again) == list(first)
    assert {key: v for key, v in again.items() if key != "created"} == {
        key: v for key, v in first.items() if key != "created"}


def test_snapshot_of_an_earlier_iteration(tmp_path):
    run = snapshot_cases.valid_run(iterations=60)
    save_snapshot(tmp_path / "s.json", run, 15)
    loaded, k = load_snapshot(tmp_path / "s.json")
    assert k == loaded.newest == 15
    assert [c.iteration for c in loaded.changes] == [10]
    assert np.array_equal(loaded.params_at(15), run.params_at(15))


def test_different_machine_rounding_is_not_called_tampering(tmp_path):
    """A last-bit difference (another CPU's BLAS) loads; a real edit does not."""
    doc = snapshot_cases.valid_doc()
    w = doc["weights"][0][0][0]
    doc["weights"][0][0][0] = float(np.nextafter(w, np.inf))
    (tmp_path / "ulp.json").write_text(json.dumps(doc))
    run, _ = load_snapshot(tmp_path / "ulp.json")
    assert run.params_at(40)[0] == w  # the run holds the replayed weights
    doc["weights"][0][0][0] = w * (1 + 1e-6)
    (tmp_path / "edit.json").write_text(json.dumps(doc))
    with pytest.raises(LoadError, match="do not match replay"):
        load_snapshot(tmp_path / "edit.json")


# ---- hostile files: RELIABILITY 1-8 -----------------------------------------------------


@pytest.mark.parametrize("case", snapshot_cases.case_ids())
def test_bad_snapshot_is_refused_with_file_and_field(tmp_path, case):
    path = snapshot_cases.write_case(tmp_path, case)
    with pytest.raises(LoadError) as info:
        load_snapshot(path)
    message = str(info.value)
    assert message.startswith(path + ": ")
    for text in snapshot_cases.expected(case):
        assert text in message
    assert "\n" not in message and len(message) < 400


def test_utf8_bom_is_accepted(tmp_path):
    data = b"\xef\xbb\xbf" + _valid_bytes()
    (tmp_path / "bom.json").write_bytes(data)
    run, k = load_snapshot(tmp_path / "bom.json")
    assert k == 40 and run.layer_sizes == [3, 1]


def _valid_bytes():
    from nncore.snapshot import snapshot_bytes
    return snapshot_bytes(snapshot_cases.valid_doc())


def test_folder_and_missing_file_are_named(tmp_path):
    with pytest.raises(LoadError, match="is a folder, not a file"):
        load_snapshot(tmp_path)
    with pytest.raises(LoadError, match=r"nope\.json: no such file"):
        load_snapshot(tmp_path / "nope.json")


def test_single_activation_name_applies_to_every_layer(tmp_path):
    X, Y = builtin("xor")
    run = Run(X, Y, [3, 3, 1])
    run.train(20)
    doc = snapshot_dict(run)
    del doc["activations"]
    (tmp_path / "one.json").write_text(json.dumps(doc))
    loaded, _ = load_snapshot(tmp_path / "one.json")
    assert loaded.activations == ["sigmoid", "sigmoid"]


# ---- atomic saves: RELIABILITY 10-12 ----------------------------------------------------


class _HalfWriter:
    """A file whose write puts half the bytes down, then fails like a full disk."""

    def __init__(self, f):
        self.f = f

    def write(self, data):
        self.f.write(bytes(data)[:len(data) // 2])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def __getattr__(self, name):
        return getattr(self.f, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.f.close()


def _inject(monkeypatch, fault):
    if fault == "write-enospc":
        real_open = open
        monkeypatch.setattr(nncore.files, "open",
                            lambda *a, **k: _HalfWriter(real_open(*a, **k)), raising=False)
    elif fault == "fsync":
        def failing_fsync(fd):
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        monkeypatch.setattr(os, "fsync", failing_fsync)
    elif fault == "replace":
        def failing_replace(src, dst):
            raise OSError(errno.EXDEV, os.strerror(errno.EXDEV))
        monkeypatch.setattr(os, "replace", failing_replace)


def _savers():
    run = snapshot_cases.valid_run()
    return {
        "snapshot": lambda p: save_snapshot(p, run),
        "csv": lambda p: save_csv(p, run.X, run.Y),
        "npz": lambda p: export_weights(p, run.weights_at(40)),
        "safetensors": lambda p: export_weights(p, run.weights_at(40)),
    }


@pytest.mark.parametrize("fault", ["write-enospc", "fsync", "replace"])
@pytest.mark.parametrize("kind", ["snapshot", "csv", "npz", "safetensors"])
def test_failed_save_keeps_the_old_file_and_leaves_no_temp(tmp_path, monkeypatch, fault, kind):
    path = tmp_path / f"out.{ {'snapshot': 'json'}.get(kind, kind) }"
    old = b"the previous file, which must survive\n"
    path.write_bytes(old)
    save = _savers()[kind]
    _inject(monkeypatch, fault)
    with pytest.raises(SaveError) as info:
        save(path)
    assert str(info.value).startswith(str(path) + ": could not save")
    assert "old file is unchanged" in str(info.value)
    monkeypatch.undo()
    assert path.read_bytes() == old
    assert os.listdir(tmp_path) == [path.name]


def test_interrupted_save_cleans_up_and_reraises(tmp_path):
    path = tmp_path / "x.bin"
    path.write_bytes(b"old")

    def interrupted(f):
        f.write(b"partial")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        nncore.files.atomic_write(path, interrupted)
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["x.bin"]


def test_save_to_folder_or_missing_parent_is_clear(tmp_path):
    run = snapshot_cases.valid_run()
    with pytest.raises(SaveError, match="is a folder; choose a file name"):
        save_snapshot(tmp_path, run)
    with pytest.raises(SaveError, match="folder .*missing.* does not exist"):
        save_snapshot(tmp_path / "missing" / "s.json", run)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("kind", ["snapshot", "csv", "npz", "safetensors"])
def test_paths_with_spaces_and_non_ascii(tmp_path, kind):
    folder = tmp_path / "my runs ü 名前"
    folder.mkdir()
    path = folder / f"snäp shot ✓.{ {'snapshot': 'json'}.get(kind, kind) }"
    _savers()[kind](path)
    assert os.listdir(folder) == [path.name]
    assert path.stat().st_mode & 0o777 == 0o666 & ~_umask()
    run = snapshot_cases.valid_run()
    if kind == "snapshot":
        assert load_snapshot(path)[1] == 40
    elif kind == "csv":
        X, Y = load_csv(path, 1)
        assert np.array_equal(X, run.X) and np.array_equal(Y, run.Y)
    else:
        assert np.array_equal(load_weights(path)[0], run.weights_at(40)[0])


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_snapshot_too_big_to_load_is_not_saved(tmp_path, monkeypatch):
    monkeypatch.setattr(nncore.snapshot, "SIZE_CAP", 500)
    with pytest.raises(SaveError, match=r"would be \d+ bytes, over the 500 bytes limit"):
        save_snapshot(tmp_path / "s.json", snapshot_cases.valid_run())
    assert os.listdir(tmp_path) == []


# ---- exports and .npz: RELIABILITY 9 and 12 ---------------------------------------------


def _weights():
    X, Y = builtin("xor")
    run = Run(X, Y, [3, 4, 1])
    run.train(50)
    return run.weights_at(50)


def test_export_safetensors(tmp_path):
    weights = _weights()
    export_weights(tmp_path / "w.safetensors", weights)
    tensors = load_file(str(tmp_path / "w.safetensors"))
    assert sorted(tensors) == ["layers.0.weight", "layers.1.weight"]
    assert np.array_equal(tensors["layers.0.weight"], weights[0])
    assert tensors["layers.1.weight"].shape == (4, 1)


def test_export_npz_writes_exactly_the_named_file(tmp_path):
    weights = _weights()
    export_weights(tmp_path / "w.npz", weights)
    assert os.listdir(tmp_path) == ["w.npz"]  # not w.npz.npz, no temp left
    with np.load(tmp_path / "w.npz", allow_pickle=False) as data:
        assert sorted(data.files) == ["layers.0.weight", "layers.1.weight"]
        assert np.array_equal(data["layers.1.weight"], weights[1])
    loaded = load_npz_weights(tmp_path / "w.npz")
    assert all(np.array_equal(a, b) for a, b in zip(loaded, weights, strict=True))


def test_export_refuses_unknown_format(tmp_path):
    with pytest.raises(SaveError, match="use .safetensors or .npz"):
        export_weights(tmp_path / "w.pt", _weights())
    assert os.listdir(tmp_path) == []


class _Sentinel:
    """Unpickling this creates a folder: proof that code from the file ran."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (os.mkdir, (self.path,))


def _evil_npz(path, sentinel):
    buffer = io.BytesIO()
    np.savez(buffer, **{"layers.0.weight": np.array([_Sentinel(str(sentinel))], dtype=object)})
    path.write_bytes(buffer.getvalue())


def test_npz_pickle_payload_never_runs(tmp_path):
    # Control: the payload is live, i.e. unpickling it really does create its file.
    _evil_npz(tmp_path / "control.npz", tmp_path / "control-ran")
    with np.load(tmp_path / "control.npz", allow_pickle=True) as data:
        data["layers.0.weight"]
    assert (tmp_path / "control-ran").exists()

    sentinel = tmp_path / "pwned"
    _evil_npz(tmp_path / "evil.npz", sentinel)
    with pytest.raises(LoadError, match="holds Python objects"):
        load_npz_weights(tmp_path / "evil.npz")
    with pytest.raises(LoadError):
        load_weights(tmp_path / "evil.npz")
    assert not sentinel.exists()


def _npz(path, members):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name + ".npy", data)


def _npy(array):
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def test_npz_with_a_huge_declared_shape_is_refused_cheaply(tmp_path):
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f8", "fortran_order": False, "shape": (10 ** 6, 10 ** 6)})
    _npz(tmp_path / "huge.npz", {"layers.0.weight": header.getvalue() + bytes(16)})
    start = time.perf_counter()
    with pytest.raises(LoadError, match=r"declares shape \(1000000, 1000000\)"):
        load_npz_weights(tmp_path / "huge.npz")
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize("members, message", [
    ({"layers.0.weight": _npy(np.array([[np.nan], [1.0]]))}, "NaN or infinite"),
    ({"layers.0.weight": _npy(np.ones(3))}, "expected a 2-D matrix"),
    ({"weights": _npy(np.ones((3, 1)))}, "missing 'layers.0.weight' .found weights"),
    ({"layers.0.weight": _npy(np.ones((3, 2))), "layers.1.weight": _npy(np.ones((3, 1)))},
     r"shape \(3, 1\) does not follow \(3, 2\)"),
    ({"layers.0.weight": _npy(np.array([["a"]]))}, "expected numbers"),
])
def test_bad_npz_is_refused(tmp_path, members, message):
    _npz(tmp_path / "bad.npz", members)
    with pytest.raises(LoadError, match=message):
        load_npz_weights(tmp_path / "bad.npz")


def test_not_an_npz_is_refused(tmp_path):
    (tmp_path / "x.npz").write_bytes(b"hello")
    with pytest.raises(LoadError, match="not a valid .npz file"):
        load_npz_weights(tmp_path / "x.npz")


@pytest.mark.parametrize("suffix", [".npz", ".safetensors"])
def test_export_adds_the_biases_and_reads_them_back(tmp_path, suffix):
    run = snapshot_cases.valid_v2_run()
    it = run.at(40)
    path = tmp_path / f"w{suffix}"
    export_weights(path, it.weights, it.biases)
    names = (load_file(str(path)) if suffix == ".safetensors"
             else dict(np.load(path, allow_pickle=False)))
    assert sorted(names) == ["layers.0.bias", "layers.0.weight", "layers.1.bias",
                             "layers.1.weight"]
    assert names["layers.1.bias"].shape == (3,)
    weights, biases = load_parameters(path)
    assert all(np.array_equal(a, b) for a, b in zip(weights, it.weights, strict=True))
    assert all(np.array_equal(a, b) for a, b in zip(biases, it.biases, strict=True))
    assert all(np.array_equal(a, b) for a, b in zip(load_weights(path), it.weights,
                                                    strict=True))
    export_weights(tmp_path / f"plain{suffix}", it.weights)  # no biases: as before
    assert load_parameters(tmp_path / f"plain{suffix}")[1] is None


@pytest.mark.parametrize("members, message", [
    ({"layers.0.weight": _npy(np.ones((3, 2))), "layers.1.weight": _npy(np.ones((2, 1))),
      "layers.0.bias": _npy(np.ones(2))}, "missing 'layers.1.bias': biases are for every"),
    ({"layers.0.weight": _npy(np.ones((3, 2))), "layers.0.bias": _npy(np.ones(3))},
     r"'layers.0.bias': expected shape \(2,\) to follow"),
    ({"layers.0.weight": _npy(np.ones((3, 2))), "layers.0.bias": _npy(np.array([1, np.nan]))},
     "'layers.0.bias': holds NaN"),
    ({"layers.0.weight": _npy(np.ones((3, 2))), "layers.0.bias": _npy(np.ones(2)),
      "layers.1.bias": _npy(np.ones(1))}, "'layers.1.bias' has no matching weight"),
])
def test_bad_biases_are_refused(tmp_path, members, message):
    _npz(tmp_path / "bad.npz", members)
    with pytest.raises(LoadError, match=message):
        load_parameters(tmp_path / "bad.npz")


def test_safetensors_with_nan_or_garbage_is_refused(tmp_path):
    (tmp_path / "nan.safetensors").write_bytes(
        safetensors_save({"layers.0.weight": np.array([[np.inf], [0.0]])}))
    with pytest.raises(LoadError, match="NaN or infinite"):
        load_weights(tmp_path / "nan.safetensors")
    (tmp_path / "junk.safetensors").write_bytes(b"\xff" * 64)
    with pytest.raises(LoadError, match="not a valid safetensors file"):
        load_weights(tmp_path / "junk.safetensors")


def test_a_diverged_run_saves_its_last_finite_iteration(tmp_path):
    X, Y = builtin("tutorial")
    run = Run(X, Y, [3, 1], ["linear"], learning_rate=1e6)
    run.train(100)
    assert run.diverged_at is not None and run.newest < run.diverged_at
    save_snapshot(tmp_path / "d.json", run)
    loaded, k = load_snapshot(tmp_path / "d.json")
    assert k == run.newest and np.array_equal(loaded.params_at(k), run.params_at(k))
