"""Weights for other tools: ``.safetensors`` and ``.npz``, tensors ``layers.{k}.weight``.

``layers.{k}.weight`` has shape (n_k, n_{k+1}) as everywhere in Backprop Lab, i.e.
``y = x @ W``; PyTorch's ``nn.Linear.weight`` is the transpose.

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


def export_weights(path, weights):
    """Save ``weights`` (a list of 2-D arrays) to a ``.safetensors`` or ``.npz`` file."""
    arrays = {f"layers.{k}.weight": np.ascontiguousarray(W, dtype=np.float64)
              for k, W in enumerate(weights)}
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
    suffix = os.path.splitext(os.fspath(path))[1].lower()
    if suffix == ".npz":
        return load_npz_weights(path)
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
    return _ordered(path, arrays)


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
    """``layers.0.weight``, ``layers.1.weight``, ... as finite float 2-D arrays.

    As 64-bit floats they may take WEIGHTS_SIZE_CAP, what such a file of 64-bit
    floats takes: numbers stored narrower (uint8, float16) would otherwise grow up
    to eight times on conversion."""
    count = sum(int(np.size(a)) for a in arrays.values())
    if 8 * count > WEIGHTS_SIZE_CAP:
        raise BudgetError(path, f"{count} numbers would take {size_text(8 * count)} as "
                          f"64-bit floats, over the {size_text(WEIGHTS_SIZE_CAP)} limit",
                          "weights")
    weights = []
    for k in range(len(arrays)):
        name = f"layers.{k}.weight"
        if name not in arrays:
            others = sorted(n for n in arrays if not _NAME.fullmatch(n))
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
    return weights
