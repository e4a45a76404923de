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


class UsageError(Exception):
    """Bad input found after argument parsing: printed as ``error: ...``, exit 2."""


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


def training_result(run, k):
    """The ``--json`` keys about how ``run`` trains, at iteration ``k``: ``biases``
    (null, or one list per layer), ``test_rows``, ``test_loss`` and ``test_accuracy``
    (null without held-out rows), ``penalty`` (0 without one), ``epoch``,
    ``optimizer``, ``batch_size`` (rows per step) and ``reduction``."""
    it = run.at(k)
    return {
        "biases": None if it.biases is None else [b.tolist() for b in it.biases],
        "test_rows": run.test_rows.tolist(),
        "test_loss": it.test_loss,
        "test_accuracy": it.test_accuracy,
        "penalty": it.penalty,
        "epoch": it.epoch,
        "optimizer": run.options.optimizer,
        "batch_size": run.plan.schedule.size,
        "reduction": run.options.reduction,
    }


def summary(result, saved=None):
    """The lines ``train`` prints for ``result`` (the dict ``--json`` prints)."""
    sizes = ",".join(map(str, result["layer_sizes"]))
    held_out = len(result["test_rows"])
    n_train = len(result["outputs"]) - held_out
    lines = [f"iteration {result['iteration']}: {result['loss_function']} loss "
             f"{result['loss']:.8g}, accuracy "
             f"{accuracy(result['accuracy'], n_train)} (dataset "
             f"{printable(result['dataset'])}, layers {sizes}, learning rate "
             f"{result['learning_rate']:g})"]
    if held_out and result["test_loss"] is not None:
        lines.append(f"test: loss {result['test_loss']:.8g}, accuracy "
                     f"{accuracy(result['test_accuracy'], held_out)} (held out)")
    if result["penalty"] or result["optimizer"] != "sgd" or result["batch_size"] < n_train:
        lines.append(f"{result['optimizer']}, {count(result['batch_size'], 'row')} a step, "
                     f"epoch {result['epoch']}, reduction {result['reduction']}, penalty "
                     f"{result['penalty']:.8g}")
    if result.get("stopped_by"):
        lines.append(f"stopped at iteration {result['iteration']}: "
                     f"{printable(result['stopped_by'])} became true")
    elif "stopped_by" in result:
        lines.append("no --stop-when condition became true")
    if result["diverged_at"] is not None:
        lines.append(f"diverged at iteration {result['diverged_at']}: stopped at the last "
                     "finite iteration")
    for k, W in enumerate(result["weights"]):
        if len(W) * len(W[0]) > SUMMARY_NUMBERS:  # a big matrix is no use as one line
            lines.append(f"W[{k}]: {len(W)}x{len(W[0])} (use --json for the numbers)")
            continue
        rows = "; ".join(" ".join(f"{v:.8f}" for v in row) for row in W)
        lines.append(f"W[{k}] = [{rows}]")
    for k, b in enumerate(result["biases"] or []):
        if len(b) > SUMMARY_NUMBERS:
            lines.append(f"b[{k}]: {len(b)} (use --json for the numbers)")
        else:
            lines.append(f"b[{k}] = [{' '.join(f'{v:.8f}' for v in b)}]")
    outputs = [v for row in result["outputs"] for v in row]
    shown = " ".join(f"{v:.8f}" for v in outputs[:SUMMARY_NUMBERS])
    more = len(outputs) - SUMMARY_NUMBERS
    lines.append(f"outputs = {shown}" + (f" ... ({more} more; use --json)" if more > 0 else ""))
    if saved:
        lines.append(f"saved {saved}")
    return "\n".join(lines)


def report(path, run, k):
    """The lines ``inspect`` prints for the snapshot at ``path``, replayed to ``k``:
    the training settings follow when they are not the tutorial's."""
    n_samples, n_inputs = run.X.shape
    lines = [
        f"{path}: valid snapshot",
        f"iteration     {k}",
        f"layers        {','.join(map(str, run.layer_sizes))}",
        f"activations   {','.join(run.activations)}",
        f"loss          {run.loss}",
        f"learning rate {schedule(run)}",
        f"loss value    {run.losses[k]:.8g}",
        f"accuracy      {accuracy(run.accuracies[k], len(run.train_rows))}",
        f"dataset       {printable(run.dataset_name)}: {count(n_samples, 'sample')}, "
        f"{count(n_inputs, 'input')}, {count(run.Y.shape[1], 'output')}",
        f"changes       {changes(run)}",
    ]
    if not run.options.is_default:
        lines += settings(run, k)
    return "\n".join(lines)


def settings(run, k):
    """``inspect``'s lines for the training settings of ``run`` at iteration ``k``."""
    o, it, schedule = run.options, run.at(k), run.plan.schedule
    hyper = {"momentum": ["momentum"], "nesterov": ["momentum"], "rmsprop": ["alpha", "eps"],
             "adam": ["beta1", "beta2", "eps"]}.get(o.optimizer, [])
    numbers = ", ".join(f"{name} {getattr(o, name):g}" for name in hyper)
    lines = [f"optimizer     {o.optimizer}" + (f" ({numbers})" if numbers else ""),
             f"reduction     {o.reduction}",
             f"biases        {'yes' if o.bias else 'no'}"]
    if schedule.full:
        lines.append(f"batches       every training row ({count(schedule.size, 'row')})")
    else:
        lines.append(f"batches       {count(schedule.size, 'row')}, {schedule.per_epoch} an "
                     f"epoch; iteration {k} is in epoch {it.epoch}")
    if o.has_penalty:
        lines.append(f"penalty       l1 {o.l1:g}, l2 {o.l2:g}: {it.penalty:.8g} at iteration {k}")
    held_out = len(run.test_rows)
    if held_out:
        lines.append(f"test set      {count(held_out, 'row')} held out (fraction "
                     f"{o.test_fraction:g}): loss {it.test_loss:.8g}, accuracy "
                     f"{accuracy(it.test_accuracy, held_out)}")
    elif o.test_fraction:
        lines.append(f"test set      fraction {o.test_fraction:g} holds out no row of "
                     f"{count(run.X.shape[0], 'sample')}")
    lines.append(f"initial       {o.init} weights from seed {run.seed}")
    return lines


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
    biases = sum(c.kind == "bias" for c in run.changes)
    edits = len(run.changes) - rates - biases
    parts = [count(rates, "learning-rate change")] if rates else []
    parts += [count(edits, "weight edit")] if edits else []
    parts += [count(biases, "bias edit")] if biases else []
    return ", ".join(parts) or "none"
