"""What the ``backprop-lab`` command prints for people: the training summary, the
``inspect`` report, and progress bars on a terminal.

Every line is plain text on one line: counts agree with their nouns ("1 output",
"2 outputs"), a percentage never rounds up to 100% while a sample is still wrong,
and text from a file is shown escaped (see ``printable``).
"""

from __future__ import annotations

import os
import sys

PROGRESS_THRESHOLD = 100_000  # iterations; shorter work finishes before a bar helps
SUMMARY_NUMBERS = 24  # the training summary lists weights and outputs up to this many
SCHEDULE_CHANGES = 6  # `inspect` lists the learning-rate changes up to this many


class Progress:
    """A tqdm bar on stderr for long work, or nothing: a ``progress(done, total)``
    callback that draws only when stderr is a terminal and ``total`` is at least
    PROGRESS_THRESHOLD iterations. On leaving the ``with`` block the bar's line is
    cleared, so the output that follows starts on a clean line."""

    def __init__(self, what, enabled=True):
        self.what = what
        isatty = getattr(sys.stderr, "isatty", None)
        self.enabled = bool(enabled and isatty is not None and isatty())
        self.bar = None
        self.shown = 0

    def __call__(self, done, total):
        if self.bar is None:
            if not self.enabled or total < PROGRESS_THRESHOLD:
                return
            from tqdm import tqdm  # imported here: most commands never draw a bar

            try:
                known = os.get_terminal_size(sys.stderr.fileno()).columns > 0
            except (AttributeError, OSError, ValueError):
                known = False
            # A terminal of unknown width (0 columns) would get an empty bar.
            self.bar = tqdm(total=total, desc=self.what, unit="it", file=sys.stderr,
                            leave=False, dynamic_ncols=known, ncols=None if known else 80)
        self.bar.update(done - self.shown)
        self.shown = done

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.close()


def printable(text):
    """``text`` safe to print: a snapshot's dataset name could hide terminal escape
    sequences or invalid Unicode; those characters are shown escaped, as repr does."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))


def count(n, noun):
    """``1 output``, ``2 outputs``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def accuracy(fraction, n_samples):
    """``75% (3 of 4 samples)``; the percentage is rounded down, so it never says
    100% while a sample is still wrong."""
    correct = round(fraction * n_samples)
    return f"{correct * 100 // n_samples}% ({correct} of {count(n_samples, 'sample')})"


def summary(result, saved=None):
    """The lines ``train`` prints for ``result`` (the dict ``--json`` prints)."""
    sizes = ",".join(map(str, result["layer_sizes"]))
    lines = [f"iteration {result['iteration']}: {result['loss_function']} loss "
             f"{result['loss']:.8g}, accuracy "
             f"{accuracy(result['accuracy'], len(result['outputs']))} (dataset "
             f"{printable(result['dataset'])}, layers {sizes}, learning rate "
             f"{result['learning_rate']:g})"]
    if result["diverged_at"] is not None:
        lines.append(f"diverged at iteration {result['diverged_at']}: stopped at the last "
                     "finite iteration")
    for k, W in enumerate(result["weights"]):
        if len(W) * len(W[0]) > SUMMARY_NUMBERS:  # a big matrix is no use as one line
            lines.append(f"W[{k}]: {len(W)}x{len(W[0])} (use --json for the numbers)")
            continue
        rows = "; ".join(" ".join(f"{v:.8f}" for v in row) for row in W)
        lines.append(f"W[{k}] = [{rows}]")
    outputs = [v for row in result["outputs"] for v in row]
    shown = " ".join(f"{v:.8f}" for v in outputs[:SUMMARY_NUMBERS])
    more = len(outputs) - SUMMARY_NUMBERS
    lines.append(f"outputs = {shown}" + (f" ... ({more} more; use --json)" if more > 0 else ""))
    if saved:
        lines.append(f"saved {saved}")
    return "\n".join(lines)


def report(path, run, k):
    """The lines ``inspect`` prints for the snapshot at ``path``, replayed to ``k``."""
    n_samples, n_inputs = run.X.shape
    return "\n".join([
        f"{path}: valid snapshot",
        f"iteration     {k}",
        f"layers        {','.join(map(str, run.layer_sizes))}",
        f"activations   {','.join(run.activations)}",
        f"loss          {run.loss}",
        f"learning rate {schedule(run)}",
        f"loss value    {run.losses[k]:.8g}",
        f"accuracy      {accuracy(run.accuracies[k], n_samples)}",
        f"dataset       {printable(run.dataset_name)}: {count(n_samples, 'sample')}, "
        f"{count(n_inputs, 'input')}, {count(run.Y.shape[1], 'output')}",
        f"changes       {changes(run)}",
    ])


def schedule(run):
    """``1``, or ``1, then 0.5 from iteration 1010, then 2 from iteration 3000``."""
    rates = [f"{run.initial_learning_rate:g}"]
    rates += [f"then {c.value:g} from iteration {c.iteration}" for c in run.changes
              if c.kind == "learning_rate"]
    more = len(rates) - 1 - SCHEDULE_CHANGES
    if more > 0:
        rates = rates[:1 + SCHEDULE_CHANGES] + [f"... ({count(more, 'more change')})"]
    return ", ".join(rates)


def changes(run):
    """``none``, or ``1 learning-rate change, 2 weight edits``."""
    rates = sum(c.kind == "learning_rate" for c in run.changes)
    edits = len(run.changes) - rates
    parts = [count(rates, "learning-rate change")] if rates else []
    parts += [count(edits, "weight edit")] if edits else []
    return ", ".join(parts) or "none"
