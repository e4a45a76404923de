"""``backprop-lab sweep``: train one network for many seeds and learning rates at
once (:mod:`nncore.sweep`) and print what they reached.

The grid is every seed with every learning rate, seeds outer: run order is seed
A with each rate, then seed A+1 with each rate, and so on. ``--json`` prints
``{"runs": [...], "solved": ..., ...}`` in that order; ``--csv FILE`` writes one line
per run. Like ``train``, bad input exits 2 with one line naming the flag.
"""

from __future__ import annotations

import json
import os

from gui.cli_output import Progress, UsageError

SWEEP_DEFAULT_ITERATIONS = 1000


def add_sweep_parser(commands, add_training_flags):
    from gui.cli import whole_number

    sweep = commands.add_parser(
        "sweep", help="train many seeds and learning rates at once and compare them")
    add_training_flags(sweep)
    sweep.add_argument("--seeds", default="1", metavar="A-B|a,b,c",
                       help="the seeds: a range such as 0-999, or a list such as 1,5,9 "
                       "(default: 1)")
    sweep.add_argument("--lrs", default="1", metavar="x,y,z",
                       help="the learning rates, e.g. 0.1,0.3,1 (default: 1)")
    sweep.add_argument("--iterations", type=whole_number, default=SWEEP_DEFAULT_ITERATIONS,
                       help=f"updates per run (default: {SWEEP_DEFAULT_ITERATIONS})")
    sweep.add_argument("--json", action="store_true",
                       help="print one JSON object: every run's seed, rate, scores, weights")
    sweep.add_argument("--csv", metavar="FILE", help="write one line per run to FILE")
    sweep.add_argument("--exact", action="store_true",
                       help="every run bit for bit as `train` gives it (slower; by default "
                       "within 1e-12 relative but for runs unstable to rounding, see the "
                       "README's Sweeps; rmsprop and adam are always exact)")


def sweep(args):
    from gui.cli import _network, _options
    from nncore import BudgetError, atomic_write
    from nncore.files import save_target
    from nncore.snapshot import MAX_ITERATION
    from nncore.sweep import MAX_RUNS, Sweep
    from nncore.sweep_results import csv_text, run_records, solved_fraction

    if not 0 <= args.iterations <= MAX_ITERATION:
        raise UsageError(f"--iterations must be from 0 to {MAX_ITERATION}, "
                         f"got {args.iterations}")
    seeds, rates = parse_seeds(args.seeds), parse_rates(args.lrs)
    if len(seeds) * len(rates) > MAX_RUNS:
        flag = "--seeds and --lrs" if len(rates) > 1 else "--seeds"
        raise UsageError(f"{flag}: {len(seeds)} x {len(rates)} runs is more than a sweep "
                         f"may train ({MAX_RUNS})")
    if args.csv:
        save_target(args.csv)  # a folder or a missing folder: said before training
    options = _options(args)
    name, X, Y, sizes, activations = _network(args)
    try:
        swept = Sweep.grid(X, Y, sizes, activations, args.loss or "sse", seeds, rates,
                           iterations=args.iterations, options=options,
                           exact=True if args.exact else None)
    except BudgetError as exc:  # too many runs for the memory a sweep may take
        flag = "--seeds and --lrs" if len(rates) > 1 else "--seeds"
        raise UsageError(f"{flag}: {exc.problem}") from None
    with Progress("sweeping", enabled=not args.json) as progress:
        swept.train(lambda done, total: progress(done * swept.runs, total * swept.runs))
    if args.csv:
        atomic_write(args.csv, csv_text(swept).encode())
    solved = solved_fraction(swept)
    if args.json:
        print(json.dumps({"dataset": name, "layer_sizes": sizes, "activations": activations,
                          "iterations": args.iterations, "solved": solved,
                          "runs": run_records(swept)}))
    else:
        print(sweep_summary(swept, name, solved, args.csv))
    return 0


def parse_seeds(text):
    """The seeds of ``--seeds``; UsageError naming the flag."""
    from nncore.sweep import MAX_RUNS
    from nncore.sweep_results import parse_seeds as parse

    try:
        return parse(text, MAX_RUNS)
    except ValueError as exc:
        raise UsageError(f"--seeds: {str(exc).partition(': ')[2]}") from None


def parse_rates(text):
    """The learning rates of ``--lrs``; UsageError naming the flag."""
    from nncore.sweep_results import parse_rates as parse

    try:
        return parse(text)
    except ValueError as exc:
        raise UsageError(f"--lrs: {str(exc).partition(': ')[2]}") from None


def sweep_summary(swept, name, solved, csv_path=None):
    """A few lines for people: the grid, the share solved in words, divergences, the
    best run."""
    import numpy as np

    from gui.cli_output import count

    runs, diverged = swept.runs, int((swept.diverged_at >= 0).sum())
    n_solved = round(solved * runs)
    lines = [f"{count(runs, 'run')} on {name} ({count(len(set(swept.seeds.tolist())), 'seed')} "
             f"x {count(len(set(swept.learning_rates.tolist())), 'learning rate')}), "
             f"{count(swept.iterations, 'iteration')} each",
             f"solved (accuracy 100%): {n_solved} of {runs} runs ({_percent(n_solved, runs)})",
             f"diverged: {diverged} of {runs}"]
    losses = swept.final["loss"]
    finite = np.isfinite(losses) & (swept.diverged_at < 0)
    if finite.any():
        best = int(np.flatnonzero(finite)[np.argmin(losses[finite])])
        lines.append(f"final loss: median {np.median(losses[finite]):.6g}, best "
                     f"{losses[best]:.6g} (seed {swept.seeds[best]}, learning rate "
                     f"{swept.learning_rates[best]:g})")
    if csv_path:
        lines.append(f"wrote {os.path.basename(csv_path)}")
    return "\n".join(lines)


def _percent(part, whole):
    """A share in percent that never says 100% while a run is unsolved, nor 0% once
    one is solved."""
    share = 100 * part / whole
    text = f"{share:.1f}%"
    if part < whole and text == "100.0%":
        return ">99.9%"
    if part > 0 and text == "0.0%":
        return "<0.1%"
    return text
