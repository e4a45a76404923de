"""Weights for other tools: ``.safetensors`` and ``.npz``, tensors ``layers.{k}.weight``
and, for a network with biases, ``layers.{k}.bias``.

``layers.{k}.weight`` has shape (n_k, n_{k+1}) as everywhere in Backprop Lab, i.e.
``y = x @ W + b``; PyTorch's ``nn.Linear.weight`` is the transpose, and its ``bias``
is ``layers.{k}.bias`` (shape (n_{k+1},)) as it is.

Reading never runs code from a file: ``.npz`` members are opened with
``allow_pickle=False`` and each header is checked before its data is read, so a
100-byte member that declares a 7 TiB shape costs nothing.
"""

from __future__ import annotations

import io
import os
import re
import zipfile

import numpy as np

from .errors import BudgetError, LoadError, SaveError
from .files import MIB, atomic_write, read_capped, size_text

WEIGHTS_SIZE_CAP = 256 * MIB
_NAME = re.compile(r"layers\.(\d+)\.weight")
_BIAS = re.compile(r"layers\.(\d+)\.bias")


def export_weights(path, weights, biases=None):
    """Save ``weights`` (a list of 2-D arrays) and ``biases`` (None, or a list of 1-D
    arrays) to a ``.safetensors`` or ``.npz`` file."""
    arrays = {}
    for k, W in enumerate(weights):
        arrays[f"layers.{k}.weight"] = np.ascontiguousarray(W, dtype=np.float64)
        if biases is not None:
            arrays[f"layers.{k}.bias"] = np.ascontiguousarray(biases[k], dtype=np.float64)
    suffix = os.path.splitext(os.fspath(path))[1].lower()
    if suffix == ".safetensors":
        from safetensors.numpy import save  # imported here: keeps `import nncore` fast

        atomic_write(path, save(arrays, metadata={"format": "backprop-lab/weights"}))
    elif suffix == ".npz":
        # np.savez given a name appends ".npz" to it; given a file object it does not.
        atomic_write(path, lambda f: np.savez(f, **arrays))
    else:
        raise SaveError(path, f"unknown weights format {suffix or '(no extension)'!r}; "
                        "use .safetensors or .npz")


def load_weights(path):
    """The list of weight matrices in a ``.safetensors`` or ``.npz`` file."""
    return load_parameters(path)[0]


def load_parameters(path):
    """``(weights, biases)`` in a ``.safetensors`` or ``.npz`` file: the weight
    matrices, and the bias vectors or None when the file has none."""
    suffix = os.path.splitext(os.fspath(path))[1].lower()
    if suffix == ".npz":
        return _ordered(path, _npz_arrays(path))
    if suffix != ".safetensors":
        raise LoadError(path, "unknown weights format; use .safetensors or .npz")
    from safetensors.numpy import load

    data = read_capped(path, WEIGHTS_SIZE_CAP)
    try:
        arrays = load(data)
    except Exception as exc:  # safetensors raises its own SafetensorError
        raise LoadError(path, f"not a valid safetensors file ({exc})") from None
    return _ordered(path, arrays)


def load_npz_weights(path):
    """The list of weight matrices in an ``.npz`` file; pickled members are refused."""
    return _ordered(path, _npz_arrays(path))[0]


def _npz_arrays(path):
    data = read_capped(path, WEIGHTS_SIZE_CAP)
    arrays = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > WEIGHTS_SIZE_CAP:
                raise LoadError(path, f"unpacks to more than {WEIGHTS_SIZE_CAP // MIB} MiB")
            for info in archive.infolist():
                name = info.filename.removesuffix(".npy")
                with archive.open(info) as member:
                    arrays[name] = _read_member(path, name, member, info.file_size)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        if isinstance(exc, LoadError):
            raise
        raise LoadError(path, f"not a valid .npz file ({exc})") from None
    return arrays


def _read_member(path, name, member, stored_size):
    version = np.lib.format.read_magic(member)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(member)
    else:
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(member)
    where = f"array '{name}'"
    if dtype.hasobject:
        raise LoadError(path, "holds Python objects (pickle), which are never loaded", where)
    if dtype.kind not in "fiu":
        raise LoadError(path, f"expected numbers, got dtype {dtype}", where)
    if int(np.prod(shape, dtype=object)) * dtype.itemsize > stored_size:
        raise LoadError(path, f"declares shape {shape}, more data than the file holds", where)
    member.seek(0)
    return np.lib.format.read_array(member, allow_pickle=False)


def _ordered(path, arrays):
    """``(weights, biases)``: ``layers.0.weight``, ``layers.1.weight``, ... as finite
    float 2-D arrays, and ``layers.{k}.bias`` for every k (or for none: then None)
    as finite float vectors.

    As 64-bit floats they may take WEIGHTS_SIZE_CAP, what such a file of 64-bit
    floats takes: numbers stored narrower (uint8, float16) would otherwise grow up
    to eight times on conversion."""
    count = sum(int(np.size(a)) for a in arrays.values())
    if 8 * count > WEIGHTS_SIZE_CAP:
        raise BudgetError(path, f"{count} numbers would take {size_text(8 * count)} as "
                          f"64-bit floats, over the {size_text(WEIGHTS_SIZE_CAP)} limit",
                          "weights")
    bias_names = [n for n in arrays if _BIAS.fullmatch(n)]
    weights = []
    for k in range(len(arrays) - len(bias_names)):
        name = f"layers.{k}.weight"
        if name not in arrays:
            others = sorted(n for n in arrays if not (_NAME.fullmatch(n) or _BIAS.fullmatch(n)))
            raise LoadError(path, f"missing {name!r}" + (
                f" (found {', '.join(others[:3])})" if others else ""))
        W = np.asarray(arrays[name], dtype=float)
        if W.ndim != 2:
            raise LoadError(path, f"expected a 2-D matrix, got shape {W.shape}", f"'{name}'")
        if not np.isfinite(W).all():
            raise LoadError(path, "holds NaN or infinite values", f"'{name}'")
        if k and weights[-1].shape[1] != W.shape[0]:
            raise LoadError(path, f"shape {W.shape} does not follow {weights[-1].shape}",
                            f"'{name}'")
        weights.append(W)
    if not weights:
        raise LoadError(path, "holds no weights")
    if not bias_names:
        return weights, None
    biases = []
    for k, W in enumerate(weights):
        name = f"layers.{k}.bias"
        if name not in arrays:
            raise LoadError(path, f"missing {name!r}: biases are for every layer or none")
        b = np.asarray(arrays[name], dtype=float)
        if b.shape != (W.shape[1],):
            raise LoadError(path, f"expected shape ({W.shape[1]},) to follow "
                            f"'layers.{k}.weight', got {b.shape}", f"'{name}'")
        if not np.isfinite(b).all():
            raise LoadError(path, "holds NaN or infinite values", f"'{name}'")
        biases.append(b)
    if len(biases) != len(bias_names):
        extra = sorted(set(bias_names) - {f"layers.{k}.bias" for k in range(len(weights))})
        raise LoadError(path, f"{extra[0]!r} has no matching weight")
    return weights, biases
