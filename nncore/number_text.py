"""Numbers from text: plain ASCII decimals only, read the same way everywhere.

Python's ``float()`` and ``int()`` also take ``"1_0"`` (as 10), digits of other
scripts (``"٣"`` as 3), ``"nan"``, ``"inf"`` and Unicode spaces around the number.
A field that read its text that way would use a value the learner never typed, so
every number Backprop Lab reads from text (a typed field, a command-line option, a
CSV cell) goes through :func:`read_number` or :func:`read_whole`.

Accepted: an optional sign, digits 0-9 with at most one decimal point, and an
optional exponent (``-0.5``, ``.5``, ``3.``, ``1e-3``, ``2E+4``), with spaces or tabs
around it. The minus sign U+2212 counts as ``-``: the window prints numbers with it,
so a value copied from the window reads back as itself.
"""

from __future__ import annotations

import math
import re

_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_WHOLE = re.compile(r"[+-]?[0-9]+")
_NOT_FINITE = ("nan", "inf", "infinity")
_SPACE = " \t\r\n"
MINUS = "\N{MINUS SIGN}"
MAX_WHOLE_DIGITS = 30  # far past any count or seed; int() of a 5000-digit text is slow

# Why a text is not a number, for messages: "'1_0' is not a number".
BLANK = "is blank"
NOT_A_NUMBER = "is not a number"
NOT_FINITE = "is not a finite number"
TOO_LARGE = "is too large"
TOO_SMALL = "is too small: it would round to 0"
NOT_WHOLE = "is not a whole number"


def _clean(text):
    return str(text).strip(_SPACE).replace(MINUS, "-")


def read_number(text):
    """``(value, None)`` for a finite decimal, or ``(None, why)``: ``why`` is one of
    BLANK, NOT_A_NUMBER, NOT_FINITE, TOO_LARGE (past ±1.8e308) or TOO_SMALL (a
    nonzero number below the smallest float, such as 1e-400)."""
    clean = _clean(text)
    if not clean:
        return None, BLANK
    if not _DECIMAL.fullmatch(clean):
        if clean.lower().lstrip("+-") in _NOT_FINITE:
            return None, NOT_FINITE
        return None, NOT_A_NUMBER
    value = float(clean)
    if not math.isfinite(value):
        return None, TOO_LARGE
    mantissa = re.split("[eE]", clean)[0]
    if value == 0 and mantissa.strip("+-.0"):
        return None, TOO_SMALL
    return value, None


def read_whole(text):
    """``(value, None)`` for a whole number such as ``12`` or ``-3``, or
    ``(None, why)`` as for :func:`read_number` (``"2.0"`` and ``"1e3"`` are NOT_WHOLE)."""
    clean = _clean(text)
    if not _WHOLE.fullmatch(clean):
        value, why = read_number(text)
        return None, why or NOT_WHOLE
    if len(clean.lstrip("+-0")) > MAX_WHOLE_DIGITS:
        return None, TOO_LARGE
    return int(clean), None


def parse_number(text, field, low=None, high=None):
    """``text`` as a finite float in [low, high] (either may be None); otherwise a
    ValueError that names ``field`` and the text, e.g. ``"noise: '1_0' is not a
    number"``."""
    value, why = read_number(text)
    return _checked(text, field, value, why, low, high)


def parse_whole(text, field, low=None, high=None):
    """``text`` as an int in [low, high]; otherwise a ValueError naming ``field``."""
    value, why = read_whole(text)
    return _checked(text, field, value, why, low, high)


def _checked(text, field, value, why, low, high):
    if why is not None:
        hint = ""
        if why == NOT_A_NUMBER and any(c == "_" or not c.isascii() for c in str(text)):
            hint = " (write it with the digits 0-9 only)"
        raise ValueError(f"{field}: {_quoted(text)} {why}{hint}")
    if (low is not None and value < low) or (high is not None and value > high):
        if high is None:
            bounds = f"at least {_shown(low)}"
        elif low is None:
            bounds = f"at most {_shown(high)}"
        else:
            bounds = f"from {_shown(low)} to {_shown(high)}"
        raise ValueError(f"{field}: must be {bounds}, got {_quoted(text)}")
    return value


def _shown(bound):
    return str(bound) if isinstance(bound, int) else f"{bound:g}"


def _quoted(text, limit=40):
    text = str(text)
    return repr(text if len(text) <= limit else text[:limit] + "...")
