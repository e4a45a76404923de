"""Datasets as ``(X, Y)`` float arrays: X is (n_samples, n_inputs), Y is (n_samples, n_out).

Built-in sets keep the tutorial's trick of a constant last input column of ones,
which plays the role of a bias. CSV files are read strictly: any cell that is not a
finite decimal number is refused with its real line (1-based, counting the header
and blank lines), column and text.
"""

from __future__ import annotations

import itertools
import os
import re

import numpy as np

from . import number_text
from .errors import LoadError, quoted
from .files import MIB, atomic_write, decode_utf8, read_capped
from .network import output_range

CSV_SIZE_CAP = 10 * MIB
CSV_ROW_CAP = 100_000
CSV_COLUMN_CAP = 1_000

_FOUR_ROWS = [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]]

BUILTIN = {
    "tutorial": "the tutorial's 4 samples: y = x1 (x3 is a constant 1)",
    "trask": "the same 4 samples in binary order: y = x1",
    "xor": "y = x1 XOR x2: a single neuron cannot learn it",
    "and": "y = x1 AND x2",
    "or": "y = x1 OR x2",
}

THREE_BIT_RULES = {
    "x1": lambda a, b, c: a,
    "x2": lambda a, b, c: b,
    "x3": lambda a, b, c: c,
    "not x1": lambda a, b, c: 1 - a,
    "x1 and x2": lambda a, b, c: a & b,
    "x1 or x2": lambda a, b, c: a | b,
    "x1 xor x2": lambda a, b, c: a ^ b,
    "majority": lambda a, b, c: int(a + b + c >= 2),
    "parity": lambda a, b, c: a ^ b ^ c,
}

TWO_D_KINDS = ("circle", "xor", "gaussian", "spiral")
THREE_CLASS_KINDS = ("spiral", "blobs")  # for a softmax output with the ce loss


def builtin(name):
    """A fresh copy of built-in dataset ``name`` (see ``BUILTIN``)."""
    if name == "tutorial":
        X, y = [[0, 0, 1], [1, 1, 1], [1, 0, 1], [0, 1, 1]], [0, 1, 1, 0]
    elif name == "trask":
        X, y = _FOUR_ROWS, [row[0] for row in _FOUR_ROWS]
    elif name in ("xor", "and", "or"):
        rule = {"xor": lambda a, b: a ^ b, "and": lambda a, b: a & b,
                "or": lambda a, b: a | b}[name]
        X, y = _FOUR_ROWS, [rule(a, b) for a, b, _ in _FOUR_ROWS]
    else:
        raise ValueError(f"dataset: unknown name {name!r}; choose from {', '.join(BUILTIN)}")
    return np.array(X, dtype=float), np.array(y, dtype=float).reshape(-1, 1)


def three_bit(rule):
    """All 8 inputs (x1, x2, x3) in binary order, with y given by ``rule``
    (one of ``THREE_BIT_RULES``, e.g. ``"x1 xor x2"``, ``"majority"``, ``"parity"``)."""
    if rule not in THREE_BIT_RULES:
        raise ValueError(f"rule: unknown rule {rule!r}; choose from "
                         f"{', '.join(THREE_BIT_RULES)}")
    rows = list(itertools.product((0, 1), repeat=3))
    y = [THREE_BIT_RULES[rule](*row) for row in rows]
    return np.array(rows, dtype=float), np.array(y, dtype=float).reshape(-1, 1)


def two_d(kind, n_points=200, noise=0.0, seed=0):
    """TensorFlow Playground-style points: inputs ``[x1, x2, 1]`` with x1, x2 roughly in
    [-1, 1], and 0/1 targets. ``noise`` in [0, 1] jitters the points (as a fraction of
    the field's half-width, or widens the clusters for ``gaussian``)."""
    if kind not in TWO_D_KINDS:
        raise ValueError(f"kind: unknown kind {kind!r}; choose from {', '.join(TWO_D_KINDS)}")
    if isinstance(n_points, bool) or int(n_points) != n_points or not 2 <= n_points <= 100_000:
        raise ValueError(f"n_points: need a whole number from 2 to 100000, got {n_points!r}")
    if not 0.0 <= noise <= 1.0:
        raise ValueError(f"noise: need a number from 0 to 1, got {noise!r}")
    n = int(n_points)
    rng = np.random.default_rng(seed)
    if kind == "circle":
        # Inside half the radius is class 1; a ring from 0.7 to 1 is class 0. The
        # label is decided after the jitter, as in the Playground.
        inner = np.arange(n) < n // 2
        radius = np.where(inner, rng.uniform(0, 0.5, n), rng.uniform(0.7, 1.0, n))
        angle = rng.uniform(0, 2 * np.pi, n)
        pts = np.column_stack([radius * np.sin(angle), radius * np.cos(angle)])
        pts += noise * rng.uniform(-1, 1, (n, 2))
        y = (np.hypot(pts[:, 0], pts[:, 1]) < 0.5).astype(float)
    elif kind == "xor":
        pts = rng.uniform(-1, 1, (n, 2))
        pts += np.where(pts > 0, 0.06, -0.06)  # a small gap keeps points off the axes
        y = (pts[:, 0] * pts[:, 1] >= 0).astype(float)
        pts += noise * rng.uniform(-1, 1, (n, 2))
    elif kind == "gaussian":
        y = (np.arange(n) < n // 2).astype(float)
        spread = 0.1 + 0.7 * noise
        centre = np.where(y[:, None] == 1, 0.4, -0.4)
        pts = centre + spread * rng.standard_normal((n, 2))
    else:  # spiral: two interleaved arms, the second turned by half a circle
        half = n // 2
        i = np.concatenate([np.arange(half), np.arange(n - half)])
        count = np.where(np.arange(n) < half, half, n - half)
        y = (np.arange(n) < half).astype(float)
        r = i / count
        t = 1.75 * 2 * np.pi * i / count + np.where(y == 1, 0.0, np.pi)
        pts = np.column_stack([r * np.sin(t), r * np.cos(t)])
        pts += noise * 0.2 * rng.uniform(-1, 1, (n, 2))
    X = np.column_stack([pts, np.ones(n)])
    return X, y.reshape(-1, 1)


def three_class(n_points=300, noise=0.0, seed=0, kind="spiral"):
    """Three classes of 2-D points: inputs ``[x1, x2, 1]`` as :func:`two_d`'s, and
    one-hot targets (column c is 1 for class c). ``spiral``: three interleaved arms,
    each a third of a turn from the next, which a hidden layer must learn to bend
    around; ``blobs``: three Gaussian clusters at the corners of a triangle, which a
    network without hidden layers separates. ``noise`` in [0, 1] jitters the points
    (widens the blobs). Class c holds points c, c + 3, c + 6, ... so every class
    has n_points / 3 of them, give or take one."""
    if kind not in THREE_CLASS_KINDS:
        raise ValueError(f"kind: unknown kind {kind!r}; choose from "
                         f"{', '.join(THREE_CLASS_KINDS)}")
    if isinstance(n_points, bool) or int(n_points) != n_points or not 3 <= n_points <= 100_000:
        raise ValueError(f"n_points: need a whole number from 3 to 100000, got {n_points!r}")
    if not 0.0 <= noise <= 1.0:
        raise ValueError(f"noise: need a number from 0 to 1, got {noise!r}")
    n = int(n_points)
    rng = np.random.default_rng(seed)
    label = np.arange(n) % 3
    if kind == "spiral":
        r = (np.arange(n) // 3 + 1) / ((n + 2) // 3)  # out from the centre along each arm
        t = 1.5 * np.pi * r + 2 * np.pi / 3 * label
        pts = np.column_stack([r * np.sin(t), r * np.cos(t)])
        pts += noise * 0.2 * rng.uniform(-1, 1, (n, 2))
    else:
        angle = np.pi / 2 + 2 * np.pi / 3 * label
        centre = 0.5 * np.column_stack([np.cos(angle), np.sin(angle)])
        pts = centre + (0.1 + 0.4 * noise) * rng.standard_normal((n, 2))
    return np.column_stack([pts, np.ones(n)]), np.eye(3)[label]


def target_range(activation):
    """The (low, high) range a target must lie in for an output layer with
    ``activation``: what that activation can produce (bounds may be infinite)."""
    return output_range(activation)


_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# read_number's reasons, as a CSV message words them ("line 3, column 2: blank cell").
_CELL_WHY = {number_text.BLANK: "blank cell", number_text.NOT_A_NUMBER: "not a number",
             number_text.NOT_FINITE: "not a finite number",
             number_text.TOO_LARGE: "number too large",
             number_text.TOO_SMALL: "number too small (it would round to 0)"}


def _number(cell):
    """``cell`` as a finite float, or None and why not (a plain ASCII decimal only:
    float() alone would also take "nan", "inf", "1_0" and "١")."""
    text = cell.strip(" \t")
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1]
    value, why = number_text.read_number(text)
    return value, None if why is None else _CELL_WHY[why]


def load_csv(path, n_out=1, output_range=None):
    """``(X, Y)`` from a comma-separated file whose last ``n_out`` columns are targets.

    The first line is a header when none of its cells is a number (a mix of numbers
    and words is treated as a bad data row, so a typo is never silently dropped as a
    header). ``output_range=(low, high)``, e.g. from :func:`target_range`, refuses
    targets the output layer cannot produce. Raises ``LoadError`` naming the file,
    line, column and text.
    """
    if isinstance(n_out, bool) or int(n_out) != n_out or n_out < 1:
        raise ValueError(f"n_out: need a positive whole number, got {n_out!r}")
    n_out = int(n_out)
    text = decode_utf8(path, read_capped(path, CSV_SIZE_CAP))
    rows, width, width_line, header = [], None, None, None
    for number, line in enumerate(_LINE_BREAK.split(text), start=1):
        if not line.strip():
            continue
        cells = line.split(",")
        if width is None:
            width, width_line = len(cells), number
            if width > CSV_COLUMN_CAP:
                raise LoadError(path, f"{width} columns, over the {CSV_COLUMN_CAP} limit",
                                f"line {number}")
            if width <= n_out:
                raise LoadError(path, f"{width} column(s): need at least one input column "
                                f"and {n_out} target column(s)", f"line {number}")
            if all(_number(c)[1] == "not a number" for c in cells):
                header = [c.strip().strip('"') for c in cells]
                continue
        elif len(cells) != width:
            raise LoadError(path, f"{len(cells)} cells, expected {width} like line "
                            f"{width_line}: {quoted(line)}", f"line {number}")
        if len(rows) == CSV_ROW_CAP:
            raise LoadError(path, f"more than {CSV_ROW_CAP} data rows", f"line {number}")
        row = []
        for column, cell in enumerate(cells, start=1):
            value, why = _number(cell)
            if why is not None:
                hint = " (a header row must have no numbers)" if number == width_line else ""
                raise LoadError(path, f"{why}: {quoted(cell)}{hint}",
                                f"line {number}, column {column}")
            if output_range is not None and column > width - n_out and not (
                    output_range[0] <= value <= output_range[1]):
                raise LoadError(path, f"target {quoted(cell.strip())} is outside the output's "
                                f"range [{output_range[0]:g}, {output_range[1]:g}]",
                                f"line {number}, column {column}")
            row.append(value)
        rows.append(row)
    if not rows:
        raise LoadError(path, "has a header but no data rows" if header else "has no data rows")
    data = np.array(rows, dtype=float)
    return data[:, :-n_out].copy(), data[:, -n_out:].copy()


def save_csv(path, X, Y, header=True):
    """Write ``X`` and ``Y`` side by side, atomically; floats are written exactly (repr)."""
    X, Y = np.asarray(X, dtype=float), np.asarray(Y, dtype=float)
    if X.ndim != 2 or Y.ndim != 2 or X.shape[0] != Y.shape[0]:
        raise ValueError(f"dataset: inputs {X.shape} and targets {Y.shape} do not pair up")
    if not (np.isfinite(X).all() and np.isfinite(Y).all()):
        raise ValueError("dataset: NaN or infinite values cannot be saved")
    lines = []
    if header:
        names = [f"x{i + 1}" for i in range(X.shape[1])]
        names += ["y"] if Y.shape[1] == 1 else [f"y{j + 1}" for j in range(Y.shape[1])]
        lines.append(",".join(names))
    for x, y in zip(X.tolist(), Y.tolist(), strict=True):
        lines.append(",".join(_cell(v) for v in x + y))
    atomic_write(path, ("\n".join(lines) + "\n").encode("utf-8"))
    return os.fspath(path)


def _cell(value):
    """Whole numbers as ``1``, everything else as its exact repr."""
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
