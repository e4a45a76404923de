"""A sweep's results as plain data: one record per run (for JSON) and CSV text.

Numbers that are not finite (a run that diverged at iteration 0) become None in a
record and an empty cell in the CSV: JSON has no NaN, and a spreadsheet reads an
empty cell as missing.
"""

from __future__ import annotations

import math

from .initial_weights import MAX_SEED
from .network import check_learning_rate
from .number_text import read_whole

CSV_COLUMNS = ("seed", "learning_rate", "iterations", "loss", "accuracy", "test_loss",
               "test_accuracy", "diverged_at")


def run_record(sweep, i, parameters=True):
    """Run i of ``sweep``: its seed, rate, final scores and ``diverged_at``, and (with
    ``parameters``) its final weights and biases as nested lists."""
    record = {"seed": int(sweep.seeds[i]), "learning_rate": float(sweep.learning_rates[i]),
              "iterations": int(sweep.last_iteration[i])}
    for name, values in sweep.final.items():
        held_out = sweep.curves[name] is not None
        record[name] = _number(values[i]) if held_out else None
    record["diverged_at"] = sweep.diverged(i)
    if parameters:
        record["weights"] = [W.tolist() for W in sweep.weights(i)]
        biases = sweep.biases(i)
        record["biases"] = None if biases is None else [b.tolist() for b in biases]
    return record


def run_records(sweep, parameters=True):
    """Every run's record, in the sweep's order."""
    return [run_record(sweep, i, parameters) for i in range(sweep.runs)]


def solved_fraction(sweep):
    """The share of runs whose accuracy on the training rows is 1 at their last
    iteration (a diverged run has not solved it)."""
    return float((sweep.solved() & (sweep.diverged_at < 0)).mean())


def csv_text(sweep):
    """One line per run: CSV_COLUMNS, numbers written as Python's repr writes them
    (they read back to the same float)."""
    lines = [",".join(CSV_COLUMNS)]
    for record in run_records(sweep, parameters=False):
        lines.append(",".join("" if record[c] is None else repr(record[c]) for c in CSV_COLUMNS))
    return "\n".join(lines) + "\n"


def parse_seeds(text, limit):
    """``A-B`` (A <= B) or ``a,b,c``: the seeds, each 0..MAX_SEED, at most ``limit`` of
    them (a range's size is checked before any list is made); ValueError starting
    ``seeds:`` otherwise."""
    def whole(part):
        value, why = read_whole(part.strip())
        if why is not None or not 0 <= value <= MAX_SEED:
            raise ValueError(f"seeds: expected whole numbers from 0 to {MAX_SEED}, as A-B "
                             f"or a,b,c; got {text!r}")
        return value

    text = str(text).strip()
    if "-" in text.strip("-") and "," not in text:
        low, high = (whole(part) for part in text.split("-", 1))
        if low > high:
            raise ValueError(f"seeds: the range {text!r} ends before it starts")
        if high - low + 1 > limit:
            raise ValueError(f"seeds: {high - low + 1} seeds is more than a sweep may "
                             f"train ({limit})")
        return list(range(low, high + 1))
    seeds = [whole(part) for part in text.split(",")]
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds: a seed is given twice in {text!r}")
    if len(seeds) > limit:
        raise ValueError(f"seeds: {len(seeds)} seeds is more than a sweep may train ({limit})")
    return seeds


def parse_rates(text):
    """``x,y,z``: positive finite learning rates, ASCII decimals; ValueError starting
    ``learning_rates:`` otherwise."""
    rates = []
    for part in str(text).split(","):
        try:
            rates.append(check_learning_rate(part.strip()))
        except ValueError as exc:
            why = str(exc).partition(": ")[2]
            raise ValueError(f"learning_rates: {part.strip()!r}: {why}") from None
    if len(set(rates)) != len(rates):
        raise ValueError(f"learning_rates: a learning rate is given twice in {text!r}")
    return rates


def _number(value):
    value = float(value)
    return value if math.isfinite(value) else None
