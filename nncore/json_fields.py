"""Typed reading of a parsed JSON document: every problem a ``LoadError`` naming the
file and the field (``weights[0][2][1]``, ``dataset.inputs``), on one line."""

from __future__ import annotations

import json
import math

import numpy as np

from .errors import LoadError, quoted


def parse_json(path, text, nesting_prefix=""):
    """The document in JSON ``text`` read from ``path``; ``LoadError`` naming the line
    and column of bad JSON. NaN and Infinity tokens become floats here, and 1e400 inf:
    the caller refuses them with the field they sit in. ``nesting_prefix`` leads the
    message for a document nested too deeply for Python's parser."""
    try:
        return json.loads(text, parse_constant=float)
    except json.JSONDecodeError as exc:
        raise LoadError(path, f"invalid JSON ({exc.msg})",
                        f"line {exc.lineno}, column {exc.colno}") from None
    except RecursionError:
        raise LoadError(path, f"{nesting_prefix}JSON nested too deeply") from None
    except ValueError as exc:  # e.g. an integer with more than 4300 digits
        raise LoadError(path, f"invalid JSON: {exc}".split(";")[0]) from None


class Fields:
    """Typed getters that raise ``LoadError`` naming the file and the field."""

    def __init__(self, path):
        self.path = path

    def fail(self, field, problem, error=LoadError):
        raise error(self.path, problem, None if field is None else f"field '{field}'")

    def get(self, obj, key, kind, where=None):
        name = field_name(where, key)
        try:
            value = obj[key]
        except (KeyError, IndexError):
            self.fail(name, "missing")
        if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
            self.fail(name, f"expected {_KINDS[kind]}, got {kind_of(value)}")
        return value

    def integer(self, obj, key, low, high, where=None):
        value = self.get(obj, key, int, where)
        if value < low or (high is not None and value > high):
            shown = str(value) if len(str(value)) < 30 else f"a {len(str(value))}-digit number"
            limit = f"from {low} to {high}" if high is not None else f"{low} or more"
            self.fail(field_name(where, key), f"must be {limit}, got {shown}")
        return value

    def number(self, obj, key, where=None):
        value = self.get(obj, key, (int, float), where)
        try:
            value = float(value)
        except OverflowError:
            self.fail(field_name(where, key), "number too large")
        if not math.isfinite(value):
            self.fail(field_name(where, key), f"{value} is not a finite number")
        return value

    def string(self, obj, key, choices=None, where=None):
        value = self.get(obj, key, str, where)
        if choices is not None and value not in choices:
            self.fail(field_name(where, key), f"unknown value {quoted(value)}; "
                      f"choose from {', '.join(choices)}")
        if len(value) > 1000:
            self.fail(field_name(where, key), f"text of {len(value)} characters is too long")
        return value

    def matrix(self, obj, key, n_rows, n_cols, where=None):
        """A list of equal-length lists of numbers, as a float array of known shape."""
        name = field_name(where, key)
        rows = self.get(obj, key, list, where)
        if n_rows is not None and len(rows) != n_rows:
            self.fail(name, f"expected {n_rows} rows, got {len(rows)}")
        for i, row in enumerate(rows):
            if not isinstance(row, list):
                self.fail(f"{name}[{i}]", f"expected a list of numbers, got {kind_of(row)}")
            if len(row) != n_cols:
                self.fail(f"{name}[{i}]", f"expected {n_cols} numbers, got {len(row)} "
                          f"(expected shape ({len(rows)}, {n_cols}))")
            if _NUMBER_TYPES.issuperset(map(type, row)):
                continue  # the common case, checked at C speed; else find the culprit
            for j, value in enumerate(row):
                if type(value) is not float and type(value) is not int:
                    self.fail(f"{name}[{i}][{j}]", f"expected a number, got {kind_of(value)}")
        try:
            array = np.array(rows, dtype=float).reshape(len(rows), n_cols)
        except OverflowError:
            self.fail(name, "a number is too large")
        if not np.isfinite(array).all():
            i, j = np.argwhere(~np.isfinite(array))[0]
            self.fail(f"{name}[{i}][{j}]", "number too large")
        return array

    def vector(self, obj, key, n, where=None):
        """A list of ``n`` numbers, as a float array."""
        name = field_name(where, key)
        values = self.get(obj, key, list, where)
        if len(values) != n:
            self.fail(name, f"expected {n} numbers, got {len(values)}")
        for j, value in enumerate(values):
            if type(value) is not float and type(value) is not int:
                self.fail(f"{name}[{j}]", f"expected a number, got {kind_of(value)}")
        try:
            array = np.array(values, dtype=float)
        except OverflowError:
            self.fail(name, "a number is too large")
        if not np.isfinite(array).all():
            self.fail(f"{name}[{int(np.argmin(np.isfinite(array)))}]", "number too large")
        return array


_NUMBER_TYPES = frozenset((int, float))
_KINDS = {int: "a whole number", list: "a list", dict: "an object", str: "text",
          (int, float): "a number", bool: "true or false"}


def kind_of(value):
    if isinstance(value, bool):
        return "true/false"
    return {int: "a whole number", float: "a number", str: "text", list: "a list",
            dict: "an object", type(None): "null"}.get(type(value), type(value).__name__)


def field_name(where, key):
    if where is None:
        return str(key)
    return f"{where}[{key}]" if isinstance(key, int) else f"{where}.{key}"


def scan(doc, f, max_nesting):
    """Refuse non-finite numbers anywhere, and nesting deeper than ``max_nesting``,
    without recursion."""
    stack = [(doc, None, 0)]
    while stack:
        obj, where, depth = stack.pop()
        if depth > max_nesting:
            f.fail(where, f"nested more than {max_nesting} levels deep")
        if isinstance(obj, list) and finite_numbers(obj):
            continue
        items = obj.items() if isinstance(obj, dict) else enumerate(obj)
        for key, value in items:
            if isinstance(value, dict | list):
                stack.append((value, field_name(where, key), depth + 1))
            elif type(value) is float and not math.isfinite(value):
                f.fail(field_name(where, key), f"{value} is not a finite number")


def finite_numbers(items):
    """True when ``items`` holds finite numbers only: a weight row, checked at C
    speed (False for text, null, nested lists or an integer too big for a float)."""
    try:
        return all(map(math.isfinite, items))
    except (TypeError, OverflowError):
        return False


