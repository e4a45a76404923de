"""Breakpoints: conditions that stop training at the iteration worth explaining.

A condition is written as text, the same on the command line (``train --stop-when``)
and in the window (Training ▸ Stop when…):

* ``loss<0.05``, ``test_loss<0.1``, ``accuracy>=1``, ``test_accuracy>0.9``,
  ``penalty<1``: a recorded score compared with ``<``, ``<=``, ``>`` or ``>=``;
* ``test_loss_rising:N``: overfitting begins. The test loss's lowest value so far
  was N iterations ago (every test loss since is higher): k − argmin(test
  loss[0..k]) = N, argmin taking the first of equal values (Keras' early-stopping
  patience);
* ``sign:W0[1,2]``: weight ``W[0][1, 2]`` changes sign (``sign:b1[0]``: a bias),
  numpy's sign, so reaching or leaving exactly 0 counts;
* ``saturated`` and ``dead``: a unit becomes saturated or dead
  (:mod:`nncore.gradient_flow` defines both);
* ``diverged``: training met a number that is not finite (it stops there anyway;
  the condition names it).

**When a condition stops training.** It is checked at each iteration k after the
one training started from, and stops it at the first k where it *becomes* true:
true at k and not at k − 1 (a sign change, or N iterations of patience, are such
moments already). So a condition that holds where Play starts does not stop it
at once: it must become false and then true again. Among conditions that become
true at the same iteration, the first one listed is named. Divergence stops at
the last finite iteration.

Checking never changes the numbers: it reads the history, so a run stopped at k
is, up to k, bit for bit the run without the breakpoint.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass

import numpy as np

from .gradient_flow import unit_flags
from .network import flat_index
from .number_text import read_number, read_whole

SCORES = ("loss", "test_loss", "accuracy", "test_accuracy", "penalty")
COMPARISONS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
EXAMPLES = "loss<0.05, accuracy>=1, test_loss_rising:50, sign:W0[1,2], saturated, dead"
BLOCK = 4096  # iterations checked at once

_SCORE = re.compile(r"(\w+)\s*(<=|>=|<|>)\s*(.+)")
_SIGN = re.compile(r"sign:\s*([Wb])\s*(\d+)\s*\[\s*(\d+)\s*(?:,\s*(\d+)\s*)?\]")


@dataclass(frozen=True)
class Condition:
    """One breakpoint, parsed. ``text`` is as written (without surrounding spaces);
    ``kind`` is ``score``, ``rising``, ``sign``, ``saturated``, ``dead`` or
    ``diverged``."""
    text: str
    kind: str
    score: str = ""
    op: str = ""
    value: float = 0.0
    param: str = ""  # "W" or "b"
    index: tuple = ()

    def __str__(self):
        return self.text


def parse_condition(text):
    """The :class:`Condition` ``text`` describes; ValueError ``"'text': why"`` else."""
    text = str(text).strip()
    if text in ("saturated", "dead", "diverged"):
        return Condition(text, text)
    if text.startswith("test_loss_rising"):
        _, colon, count = text.partition(":")
        n, why = read_whole(count)
        if not colon or why is not None or n < 1:
            _fail(text, "needs a whole number of iterations of 1 or more, as in "
                  "test_loss_rising:50")
        return Condition(text, "rising", value=n)
    if text.startswith("sign"):
        match = _SIGN.fullmatch(text)
        if not match:
            _fail(text, "names a weight as sign:W0[1,2] (layer 0, row 1, column 2) or a "
                  "bias as sign:b0[2]")
        param, layer, a, b = match.groups()
        if (param == "W") != (b is not None):
            _fail(text, "a weight takes [row,column], a bias [unit]")
        index = (int(layer), int(a)) + ((int(b),) if b is not None else ())
        return Condition(text, "sign", param=param, index=index)
    match = _SCORE.fullmatch(text)
    if not match:
        _fail(text, f"is not a condition; write one such as {EXAMPLES}")
    score, op, number = match.groups()
    if score not in SCORES:
        _fail(text, f"unknown score {score!r}; compare one of {', '.join(SCORES)}")
    value, why = read_number(number)
    if why is not None:
        _fail(text, f"{number.strip()!r} {why}")
    return Condition(text, "score", score=score, op=op, value=value)


def _fail(text, why):
    raise ValueError(f"{text!r} {why}" if why.startswith("is ") else f"{text!r}: {why}")


def check_conditions(conditions, run):
    """ValueError ``"'text': why"`` for a condition this run cannot have: a test
    score without held-out rows, a penalty without L1/L2, a weight or bias that
    does not exist."""
    for c in conditions:
        if c.kind == "rising" or c.score.startswith("test_"):
            if not len(run.test_rows):
                _fail(c.text, "this run holds out no rows, so it has no test loss (set a "
                      "test fraction)")
        if c.score == "penalty" and not run.options.has_penalty:
            _fail(c.text, "this run has no L1/L2 penalty")
        if c.kind == "sign":
            _check_index(c, run)


def _check_index(c, run):
    sizes, layer = run.layer_sizes, c.index[0]
    if layer >= len(sizes) - 1:
        _fail(c.text, f"this network has layers 0 to {len(sizes) - 2}")
    if c.param == "b":
        if not run.options.bias:
            _fail(c.text, "this network has no biases")
        if c.index[1] >= sizes[layer + 1]:
            _fail(c.text, f"layer {layer} has biases 0 to {sizes[layer + 1] - 1}")
    elif c.index[1] >= sizes[layer] or c.index[2] >= sizes[layer + 1]:
        _fail(c.text, f"W{layer} is {sizes[layer]}x{sizes[layer + 1]} (rows and columns "
              "count from 0)")


@dataclass(frozen=True)
class Hit:
    """Training stopped at ``iteration`` because ``condition`` became true there."""
    iteration: int
    condition: Condition

    @property
    def message(self):
        return f"Stopped at iteration {self.iteration}: {self.condition.text}"


def first_hit(conditions, run, after, upto=None):
    """The first :class:`Hit` among iterations after+1..upto (default: the newest),
    or None. Reads the history only (no training)."""
    upto = run.newest if upto is None else min(upto, run.newest)
    found = [c for c in conditions if c.kind != "diverged"]
    for first in range(after, upto, BLOCK):
        end = min(first + BLOCK, upto)
        masks = [_becomes_true(c, run, first, end) for c in found]
        if masks:
            hits = np.logical_or.reduce(masks)
            if hits.any():
                i = int(np.argmax(hits))
                which = next(c for c, m in zip(found, masks, strict=True) if m[i])
                return Hit(first + 1 + i, which)
    diverged = next((c for c in conditions if c.kind == "diverged"), None)
    if diverged and run.diverged_at is not None and upto == run.newest and upto > after:
        return Hit(upto, diverged)
    return None


def _becomes_true(c, run, first, end):
    """For k = first+1..end: whether ``c`` becomes true at k (bool array)."""
    if c.kind == "score":
        values = _scores(run, c.score)[first:end + 1]
        truth = COMPARISONS[c.op](values, c.value)
        return truth[1:] & ~truth[:-1]
    if c.kind == "rising":
        losses = run.test_losses[:end + 1]
        best = np.minimum.accumulate(losses)
        # the first index of the lowest value so far: a new best is strictly lower
        new_best = np.concatenate([[True], losses[1:] < best[:-1]])
        last_best = np.maximum.accumulate(np.where(new_best, np.arange(end + 1), 0))
        ks = np.arange(first + 1, end + 1)
        return ks - last_best[first + 1:] == int(c.value)
    if c.kind == "sign":
        signs = np.sign(_theta_values(run, first, end + 1, _theta_index(c, run)))
        return signs[1:] != signs[:-1]
    saturated, dead, _ = unit_flags(run, np.arange(first, end + 1))
    units = saturated if c.kind == "saturated" else dead
    return (units[1:] & ~units[:-1]).any(axis=1)


def _theta_values(run, first, end, index):
    """theta[index] at iterations first..end-1, one number each (no whole rows)."""
    if run.stride == 1:  # every row is kept; the newest is read as row_at gives it
        stored = run.history.checkpoints[first:min(end, run.newest), index]
        rest = [run.row_at(k)[index] for k in range(max(first, run.newest), end)]
        return np.concatenate([stored, rest])
    return np.array([run.row_at(k)[index] for k in range(first, end)])


def _scores(run, name):
    return {"loss": run.losses, "test_loss": run.test_losses, "accuracy": run.accuracies,
            "test_accuracy": run.test_accuracies, "penalty": run.penalties}[name]


def _theta_index(c, run):
    if c.param == "W":
        return flat_index(run.layer_sizes, *c.index)
    layer, unit = c.index
    return run.n_params + sum(run.layer_sizes[1:layer + 1]) + unit


def train_until(run, n, conditions=(), progress=None, chunk=None):
    """Train up to ``n`` updates, stopping at the first breakpoint; returns the
    :class:`Hit` or None. Training goes on in chunks (``progress(done, n)`` after
    each) and each chunk is checked; on a hit the run is cut back to its iteration,
    which the replay behind the history gives bit for bit (a divergence is kept
    as it is: the run already ends at the last finite iteration)."""
    chunk = chunk or max(1000, n // 200)
    done, checked = 0, run.newest
    while done < n:
        step = run.train(min(chunk, n - done))
        done += step
        if conditions:
            hit = first_hit(conditions, run, checked)
            checked = run.newest
            if hit is not None:
                if hit.condition.kind != "diverged":
                    run.truncate(hit.iteration)
                return hit
        if step == 0:  # diverged
            break
        if progress is not None:
            progress(done, n)
    return None


def applicable(conditions, run):
    """The conditions that ``run`` can have (see :func:`check_conditions`); the
    others, set for an earlier run, wait for a run that has them."""
    kept = []
    for c in conditions:
        try:
            check_conditions([c], run)
        except ValueError:
            continue
        kept.append(c)
    return kept


def parse_lines(text):
    """The conditions of ``text``, one a line (blank lines are skipped); ValueError
    ``"line n: 'text': why"`` for the first bad one."""
    conditions = []
    for number, line in enumerate(str(text).splitlines(), 1):
        if line.strip():
            try:
                conditions.append(parse_condition(line))
            except ValueError as exc:
                raise ValueError(f"line {number}: {exc}") from None
    return conditions
