"""The ``backprop-lab`` command: the desktop window, or headless subcommands.

``train``, ``predict`` and ``inspect`` never import Qt, so they work on a server.
Exit status: 0 on success, 2 on bad usage or bad input, with exactly one line
``error: ...`` on stderr naming the file and the problem (never a traceback).
"""

from __future__ import annotations

import argparse
import json
import os
import sys

NO_DISPLAY = ("error: no display found; use 'backprop-lab train ...' for the command line, "
              "or set QT_QPA_PLATFORM=offscreen")
PROGRESS_THRESHOLD = 100_000  # iterations; shorter runs finish before a bar helps
SUMMARY_NUMBERS = 24  # the human summary lists weights and outputs up to this many


class UsageError(Exception):
    """Bad input found after argument parsing: printed as ``error: ...``, exit 2."""


def build_parser():
    from nncore import __version__

    parser = argparse.ArgumentParser(
        prog="backprop-lab",
        description="Watch a small neural network learn. With no command, opens the window.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    train = commands.add_parser("train", help="train a network and print the result")
    train.add_argument("--dataset", help="a built-in name (tutorial, trask, xor, and, or) or "
                       "a .csv file whose last columns are targets (default: tutorial)")
    train.add_argument("--layers", help="layer sizes, e.g. 3,4,1 (default: inputs,1)")
    train.add_argument("--activation", help="one name for every layer, or one per layer "
                       "(sigmoid, tanh, relu, linear; default: sigmoid)")
    train.add_argument("--loss", choices=("sse", "bce"), help="default: sse")
    train.add_argument("--seed", type=int, help="weight initialisation seed (default: 1)")
    train.add_argument("--lr", help="learning rate (default: 1)")
    train.add_argument("--iterations", type=int, default=1000,
                       help="updates to apply (with --resume: more updates; default: 1000)")
    train.add_argument("--save", metavar="SNAP.json", help="save a snapshot at the end")
    train.add_argument("--resume", metavar="SNAP.json",
                       help="continue the run saved in a snapshot")
    train.add_argument("--json", action="store_true", help="print one JSON object")

    predict = commands.add_parser("predict", help="run a saved network on one input")
    predict.add_argument("snapshot", metavar="SNAP.json")
    predict.add_argument("inputs", nargs="+", metavar="INPUTS",
                         help="comma- or space-separated numbers, e.g. 1,0,0 "
                         "(put -- before a negative first number)")

    inspect = commands.add_parser("inspect", help="check a snapshot and summarise it")
    inspect.add_argument("snapshot", metavar="SNAP.json")

    shot = commands.add_parser("screenshot", help="save a picture of the window (offscreen)")
    shot.add_argument("out", metavar="OUT.png")
    shot.add_argument("--iteration", type=int, default=0, help="default: 0")
    shot.add_argument("--size", default="1400x900", help="WIDTHxHEIGHT in pixels")
    return parser


def main(argv=None):
    """Entry point of the ``backprop-lab`` console script; returns the exit status."""
    if not (sys.argv[1:] if argv is None else argv):
        # Nothing to parse: the window, without building the parser (a few ms of start).
        args = argparse.Namespace(command=None)
    else:
        args = build_parser().parse_args(argv)
    from nncore import LoadError

    try:
        if args.command is None:
            return launch_window(argv)
        if args.command == "screenshot":
            return screenshot(args)
        return {"train": train, "predict": predict, "inspect": inspect}[args.command](args)
    except (LoadError, UsageError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # e.g. the screenshot's folder is missing
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130


# ---- train ---------------------------------------------------------------------------


def train(args):
    from nncore import Run, check_learning_rate, load_snapshot, save_snapshot
    from nncore.snapshot import MAX_ITERATION

    if not 0 <= args.iterations <= MAX_ITERATION:
        raise UsageError(f"--iterations must be from 0 to {MAX_ITERATION}, "
                         f"got {args.iterations}")
    if args.resume:
        given = [f"--{name}" for name in ("dataset", "layers", "activation", "loss", "seed")
                 if getattr(args, name) is not None]
        if given:
            raise UsageError(f"{', '.join(given)} cannot be combined with --resume: the "
                             "snapshot fixes the dataset and the network")
        run, _ = load_snapshot(args.resume)
        name = run.dataset_name
        if args.lr is not None:
            rate = check_learning_rate(args.lr)
            if rate != run.learning_rate:
                run.set_learning_rate(run.newest, rate)
    else:
        name, X, Y, sizes, activations = _network(args)
        rate = check_learning_rate(args.lr if args.lr is not None else 1.0)
        run = Run(X, Y, sizes, activations, args.loss or "sse", rate,
                  1 if args.seed is None else args.seed)
        run.dataset_name = name
    if run.newest + args.iterations > MAX_ITERATION:
        raise UsageError(f"--iterations: {run.newest} + {args.iterations} would pass the "
                         f"{MAX_ITERATION} iterations a snapshot may hold")
    _train(run, args.iterations, show_progress=not args.json)
    if args.save:
        save_snapshot(args.save, run, run.newest, dataset_name=name)
    k = run.newest
    result = {
        "iteration": k,
        "dataset": name,
        "layer_sizes": run.layer_sizes,
        "activations": run.activations,
        "learning_rate": run.learning_rate,
        "weights": [W.tolist() for W in run.weights_at(k)],
        "outputs": run.outputs[k].tolist(),
        "loss": float(run.losses[k]),
        "loss_function": run.loss,
        "accuracy": float(run.accuracies[k]),
        "diverged_at": run.diverged_at,
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(_summary(result, saved=args.save))
    return 0


def _network(args):
    """(dataset name, X, Y, layer sizes, activations) from the train options."""
    from nncore.datasets import BUILTIN, builtin, load_csv, target_range
    from nncore.snapshot import MAX_UNITS

    sizes = _ints(args.layers, "--layers") if args.layers else None
    if sizes and not all(1 <= n <= MAX_UNITS for n in sizes):
        raise UsageError(f"--layers: each size must be from 1 to {MAX_UNITS}, "
                         f"got {args.layers}")
    names = args.activation.split(",") if args.activation else ["sigmoid"]
    dataset = args.dataset or "tutorial"
    if dataset in BUILTIN:
        X, Y = builtin(dataset)
    elif dataset.lower().endswith(".csv") or os.path.exists(dataset):
        n_out = sizes[-1] if sizes else 1
        X, Y = load_csv(dataset, n_out, target_range(names[-1]))
        dataset = os.path.basename(dataset)
    else:
        raise UsageError(f"--dataset: {dataset!r} is neither a built-in dataset "
                         f"({', '.join(BUILTIN)}) nor a .csv file")
    sizes = sizes or [X.shape[1], Y.shape[1]]
    if sizes[0] != X.shape[1] or sizes[-1] != Y.shape[1]:
        raise UsageError(f"--layers {args.layers}: dataset {dataset!r} has {X.shape[1]} "
                         f"inputs and {Y.shape[1]} output(s)")
    if len(names) == 1:
        names = names * (len(sizes) - 1)
    return dataset, X, Y, sizes, names


def _train(run, n, show_progress):
    """Train ``n`` updates, with a progress bar on a terminal for long runs."""
    if not (show_progress and n >= PROGRESS_THRESHOLD and sys.stderr.isatty()):
        run.train(n)
        return
    from tqdm import tqdm

    chunk = max(1000, n // 200)
    with tqdm(total=n, unit="it", file=sys.stderr, leave=False) as bar:
        done = 0
        while done < n and run.diverged_at is None:
            step = run.train(min(chunk, n - done))
            bar.update(step)
            done += step
            if step == 0:
                break


def printable(text):
    """``text`` safe to print: a snapshot's dataset name could hide terminal escape
    sequences or invalid Unicode; those characters are shown escaped, as repr does."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))


def _summary(result, saved=None):
    lines = [f"iteration {result['iteration']}: {result['loss_function']} loss "
             f"{result['loss']:.8g}, accuracy {result['accuracy']:.0%}"
             f" (dataset {printable(result['dataset'])}, layers "
             f"{','.join(map(str, result['layer_sizes']))}, learning rate "
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


# ---- predict and inspect --------------------------------------------------------------------


def predict(args):
    import numpy as np

    from nncore import forward, load_snapshot

    run, k = load_snapshot(args.snapshot)
    text = ",".join(args.inputs)
    values = [v for v in text.replace(" ", ",").split(",") if v]
    try:
        x = np.array([float(v) for v in values], dtype=float)
    except ValueError:
        raise UsageError(f"inputs: {text!r} is not a list of numbers") from None
    if not np.isfinite(x).all():
        raise UsageError(f"inputs: {text!r} holds a non-finite number")
    if x.size != run.layer_sizes[0]:
        raise UsageError(f"inputs: the network in {args.snapshot} takes "
                         f"{run.layer_sizes[0]} numbers, got {x.size}")
    with np.errstate(all="ignore"):
        yhat = forward(x.reshape(1, -1), run.weights_at(k), run.activations)[-1][0]
    print(" ".join(repr(float(v)) for v in yhat))
    return 0


def inspect(args):
    from nncore import load_snapshot

    run, k = load_snapshot(args.snapshot)
    print(f"{args.snapshot}: valid snapshot")
    print(f"iteration     {k}")
    print(f"layers        {','.join(map(str, run.layer_sizes))}")
    print(f"activations   {','.join(run.activations)}")
    print(f"loss          {run.loss}")
    print(f"learning rate {run.initial_learning_rate:g} at iteration 0, "
          f"{run.learning_rate_at(k):g} at iteration {k}")
    print(f"loss value    {run.losses[k]:.8g}")
    print(f"accuracy      {run.accuracies[k]:.0%}")
    print(f"dataset       {printable(run.dataset_name)}: {run.X.shape[0]} samples, "
          f"{run.X.shape[1]} inputs, {run.Y.shape[1]} output(s)")
    print(f"changes       {len(run.changes)}")
    return 0


# ---- the window -----------------------------------------------------------------------------


def launch_window(argv):
    if not any(os.environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY",
                                                 "QT_QPA_PLATFORM")):
        raise UsageError(NO_DISPLAY.removeprefix("error: "))
    run_app = _from_app("run_app")
    return run_app(argv)


def screenshot(args):
    # gui.app owns the size rule and imports Qt only when drawing, so a bad size is
    # refused here before Qt is loaded.
    app_screenshot, parse_size = _from_app("screenshot"), _from_app("parse_size")
    try:
        width, height = parse_size(args.size)
    except ValueError as exc:
        raise UsageError(f"--size: {exc}") from None
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    return app_screenshot(args.out, args.iteration, f"{width}x{height}")


def _from_app(name):
    import importlib

    try:
        app = importlib.import_module("gui.app")
    except ModuleNotFoundError as exc:
        if exc.name != "gui.app":
            raise
        raise UsageError("the desktop window is not available yet") from None
    return getattr(app, name)


def _ints(text, option):
    try:
        return [int(v) for v in text.split(",")]
    except ValueError:
        raise UsageError(f"{option}: expected whole numbers separated by commas, "
                         f"got {text!r}") from None


if __name__ == "__main__":
    sys.exit(main())
