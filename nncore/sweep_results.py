"""A sweep's results as plain data: one record per run (for JSON) and CSV text.

Numbers that are not finite (a run that diverged at iteration 0) become None in a
record and an empty cell in the CSV: JSON has no NaN, and a spreadsheet reads an
empty cell as missing.
"""

from __future__ import annotations

import math

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


def _number(value):
    value = float(value)
    return value if math.isfinite(value) else None
