"""The ``backprop-lab`` command: the desktop window, or headless subcommands.

``train``, ``predict``, ``inspect`` and ``export-code`` never import Qt, so they work on a server.
Exit status: 0 on success, 2 on bad usage or bad input, with exactly one line
``error: ...`` on stderr naming the file and the problem (never a traceback). Output
into a pipe that closed early (``| head -1``) ends the command quietly with status
141, as a Unix tool killed by SIGPIPE does. Long work (training, replaying a long
snapshot) shows a progress bar on stderr when stderr is a terminal, and nothing
otherwise.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys

from gui.cli_output import Progress, UsageError, count, report, summary, training_result
from gui.cli_sweep import add_sweep_parser, sweep

NO_DISPLAY = ("error: no display found; use 'backprop-lab train ...' for the command line, "
              "or set QT_QPA_PLATFORM=offscreen")
CLOSED_PIPE_STATUS = 128 + 13  # as a shell reports a process that SIGPIPE ended


def build_parser():
    from nncore import __version__

    parser = argparse.ArgumentParser(
        prog="backprop-lab",
        description="Watch a small neural network learn. With no command, opens the window.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    train = commands.add_parser("train", help="train a network and print the result")
    add_training_flags(train)
    train.add_argument("--seed", type=whole_number,
                       help="weight initialisation seed, 0 to 4294967295 (default: 1)")
    train.add_argument("--lr", help="learning rate (default: 1)")
    train.add_argument("--iterations", type=whole_number, default=1000,
                       help="updates to apply (with --resume: more updates; default: 1000)")
    train.add_argument("--save", metavar="SNAP.json", help="save a snapshot at the end")
    train.add_argument("--resume", metavar="SNAP.json",
                       help="continue the run saved in a snapshot")
    train.add_argument("--stop-when", action="append", metavar="COND", help="stop at the "
                       "first iteration where COND becomes true (repeatable): loss<0.05, "
                       "accuracy>=1, test_loss_rising:50, sign:W0[1,2], saturated, dead, "
                       "diverged")
    train.add_argument("--json", action="store_true", help="print one JSON object")

    predict = commands.add_parser("predict", help="run a saved network on one input")
    predict.add_argument("snapshot", metavar="SNAP.json")
    predict.add_argument("inputs", nargs="+", metavar="INPUTS",
                         help="comma- or space-separated numbers, e.g. 1,0,0 "
                         "(put -- before a negative first number)")

    inspect = commands.add_parser("inspect", help="check a snapshot and summarise it")
    inspect.add_argument("snapshot", metavar="SNAP.json")

    code = commands.add_parser("export-code", help="write a snapshot's run as a numpy script")
    code.add_argument("snapshot", metavar="SNAP.json")
    code.add_argument("-o", "--output", metavar="FILE.py",
                      help="write the script here (default: print it)")
    add_sweep_parser(commands, add_training_flags)

    shot = commands.add_parser("screenshot", help="save a picture of the window (offscreen)")
    shot.add_argument("out", metavar="OUT.png")
    shot.add_argument("--iteration", type=whole_number, default=0, help="default: 0")
    shot.add_argument("--size", default="1400x900", help="WIDTHxHEIGHT in pixels")
    return parser


def add_training_flags(parser):
    """The flags that say what to train and how: ``train``'s and ``sweep``'s."""
    from nncore.network import LOSSES, REDUCTIONS
    from nncore.options import OPTIMIZERS

    parser.add_argument("--dataset", help="a built-in name (tutorial, trask, xor, and, or; "
                        "three-spiral and three-blobs: 300 points of three classes, one-hot) "
                        "or a .csv file whose last columns are targets (default: tutorial)")
    parser.add_argument("--layers", help="layer sizes, e.g. 3,4,1 (default: inputs,1)")
    parser.add_argument("--activation", help="one name for every layer, or one per layer "
                        "(sigmoid, tanh, relu, linear; softmax for the output layer, with "
                        "--loss ce; default: sigmoid, with a softmax output for --loss ce)")
    parser.add_argument("--loss", choices=LOSSES, help="sse (default), bce (sigmoid output) or "
                        "ce (softmax output, one-hot targets)")
    parser.add_argument("--reduction", choices=REDUCTIONS, help="the loss over a batch's rows: "
                        "sum (default) or mean")
    parser.add_argument("--bias", action="store_true", default=None,
                        help="give every layer after the input a bias (starting at 0)")
    parser.add_argument("--l1", metavar="LAMBDA", help="add lambda * sum |W| to the loss")
    parser.add_argument("--l2", metavar="LAMBDA", help="add lambda/2 * sum W^2 to the loss")
    parser.add_argument("--batch-size", type=whole_number, metavar="B",
                        help="rows per step, shuffled each epoch (default: every training row)")
    parser.add_argument("--optimizer", choices=OPTIMIZERS, help="default: sgd")
    parser.add_argument("--momentum", metavar="MU", help="momentum and nesterov (default: 0.9)")
    parser.add_argument("--alpha", help="rmsprop's decay (default: 0.99)")
    parser.add_argument("--beta1", help="adam's first decay (default: 0.9)")
    parser.add_argument("--beta2", help="adam's second decay (default: 0.999)")
    parser.add_argument("--eps", help="rmsprop's and adam's epsilon (default: 1e-8)")
    parser.add_argument("--test-fraction", metavar="P", help="hold out floor(P * rows) rows, "
                        "chosen by the seed, for a test loss (default: 0)")
    parser.add_argument("--init", help="how the seed draws the weights: uniform (the "
                        "tutorial's, on [-1, 1); default), xavier or he")


def main(argv=None):
    """Entry point of the ``backprop-lab`` console script; returns the exit status."""
    try:
        status = _command(argv)
    except SystemExit:  # argparse after --help, --version or a usage error: its text
        _flush_stdout()  # may still be buffered for a reader that has gone
        raise
    except BrokenPipeError:
        _discard_stdout()
        return CLOSED_PIPE_STATUS
    return status if _flush_stdout() else CLOSED_PIPE_STATUS


def _flush_stdout():
    """Flush stdout here, where a closed pipe can be handled, rather than at exit;
    False if the reader has gone (stdout then points at /dev/null)."""
    if sys.stdout is None:  # started with stdout closed (>&-)
        return True
    try:
        sys.stdout.flush()
        return True
    except BrokenPipeError:
        _discard_stdout()
        return False


def _command(argv):
    if not (sys.argv[1:] if argv is None else argv):
        # Nothing to parse: the window, without building the parser (a few ms of start).
        # No garbage collection either until its first frame: start-up makes hundreds
        # of thousands of objects and little garbage, and each collection walks them
        # (about a tenth of start-up). gui.app.start_collecting turns it back on at
        # the first frame; here, however the window ends (or fails to open).
        gc.disable()
        try:
            return _run(argparse.Namespace(command=None), argv)
        finally:
            gc.enable()
    return _run(build_parser().parse_args(argv), argv)


def _run(args, argv):
    from nncore import FileError

    try:
        if args.command is None:
            return launch_window(argv)
        if args.command == "screenshot":
            return screenshot(args)
        return {"train": train, "predict": predict, "inspect": inspect,
                "export-code": export_code, "sweep": sweep}[args.command](args)
    except BrokenPipeError:
        raise  # the reader has gone: nothing to tell it
    except (FileError, UsageError, ValueError) as exc:
        _error(exc)
        return 2
    except OSError as exc:  # e.g. the screenshot's folder is missing
        where = f"{exc.filename}: " if exc.filename else ""
        _error(f"{where}{exc.strerror or exc}")
        return 2
    except KeyboardInterrupt:
        _error("interrupted")
        return 130


def _error(text):
    try:
        print(f"error: {text}", file=sys.stderr)
    except (BrokenPipeError, AttributeError):  # stderr closed too: the status says it
        pass


def _discard_stdout():
    """Point stdout at /dev/null, so that Python's own flush at exit does not print
    "Exception ignored ... BrokenPipeError" for what is still buffered."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (AttributeError, OSError, ValueError):  # no real stdout (tests capture it)
        pass


# ---- train ---------------------------------------------------------------------------


def train(args):
    from nncore import Run, check_learning_rate, save_snapshot
    from nncore.breakpoints import check_conditions
    from nncore.files import save_target
    from nncore.network import MAX_SEED
    from nncore.options import OPTION_NAMES
    from nncore.snapshot import MAX_ITERATION

    if not 0 <= args.iterations <= MAX_ITERATION:
        raise UsageError(f"--iterations must be from 0 to {MAX_ITERATION}, "
                         f"got {args.iterations}")
    if args.seed is not None and not 0 <= args.seed <= MAX_SEED:
        raise UsageError(f"--seed must be from 0 to {MAX_SEED}, got {args.seed}")
    stops = _stop_conditions(args.stop_when)
    if args.save:
        save_target(args.save)  # a FIFO, device or missing folder: said before training
    if args.resume:
        given = [_flag(name) for name in ("dataset", "layers", "activation", "loss", "seed",
                                          *OPTION_NAMES)
                 if getattr(args, name) is not None]
        if given:
            raise UsageError(f"{', '.join(given)} cannot be combined with --resume: the "
                             "snapshot fixes the dataset, the network and how it trains")
        run, _ = _load(args.resume, show_progress=not args.json)
        name = run.dataset_name
        if args.lr is not None:
            rate = check_learning_rate(args.lr)  # text: read as an ASCII decimal
            if rate != run.learning_rate:
                run.set_learning_rate(run.newest, rate)
    else:
        options = _options(args)
        name, X, Y, sizes, activations = _network(args)
        rate = check_learning_rate(1.0 if args.lr is None else args.lr)
        run = Run(X, Y, sizes, activations, args.loss or "sse", rate,
                  1 if args.seed is None else args.seed, dataset_name=name, options=options)
    if run.newest + args.iterations > MAX_ITERATION:
        raise UsageError(f"--iterations: {run.newest} + {args.iterations} would pass the "
                         f"{MAX_ITERATION} iterations a snapshot may hold")
    run.reserve(args.iterations)  # or refuse at once, not after training up to the budget
    try:
        check_conditions(stops, run)
    except ValueError as exc:
        raise UsageError(f"--stop-when {exc}") from None
    with Progress("training", enabled=not args.json) as progress:
        hit = _train(run, args.iterations, progress, stops)
    saved = None
    if args.save:
        save_snapshot(args.save, run, run.newest, dataset_name=name)
        saved = args.save
        if os.path.islink(args.save):
            saved += f" (written to {os.path.realpath(args.save)}, which it links to)"
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
        **training_result(run, k),
    }
    if stops:  # the condition that stopped training, as written, or null
        result["stopped_by"] = hit and hit.condition.text
    if args.json:
        print(json.dumps(result))
    else:
        print(summary(result, saved))
    return 0


THREE_CLASS = {"three-spiral": "spiral", "three-blobs": "blobs"}  # 300 points, one-hot


def _flag(name):
    return "--" + name.replace("_", "-")


def _options(args):
    """The TrainingOptions the flags ask for; numbers are read as ASCII decimals."""
    from nncore.options import OPTION_NAMES, TrainingOptions

    given = {name: getattr(args, name) for name in OPTION_NAMES
             if getattr(args, name) is not None}
    try:
        return TrainingOptions(**given).checked()
    except ValueError as exc:  # "field: why", said with the flag's name
        field, _, why = str(exc).partition(": ")
        raise UsageError(f"{_flag(field)}: {why}") from None


def _network(args):
    """(dataset name, X, Y, layer sizes, activations) from the train options."""
    from nncore.datasets import BUILTIN, builtin, load_csv, target_range, three_class
    from nncore.snapshot import MAX_UNITS

    sizes = _ints(args.layers, "--layers") if args.layers else None
    if sizes and not all(1 <= n <= MAX_UNITS for n in sizes):
        raise UsageError(f"--layers: each size must be from 1 to {MAX_UNITS}, "
                         f"got {args.layers}")
    names = args.activation.split(",") if args.activation else ["sigmoid"]
    dataset = args.dataset or "tutorial"
    if dataset in THREE_CLASS:
        X, Y = three_class(300, kind=THREE_CLASS[dataset])
    elif dataset in BUILTIN:
        X, Y = builtin(dataset)
    elif dataset.lower().endswith(".csv") or os.path.exists(dataset):
        n_out = sizes[-1] if sizes else 1
        X, Y = load_csv(dataset, n_out, target_range(names[-1]))
        dataset = os.path.basename(dataset)
    else:
        raise UsageError(f"--dataset: {dataset!r} is neither a built-in dataset "
                         f"({', '.join([*BUILTIN, *THREE_CLASS])}) nor a .csv file")
    sizes = sizes or [X.shape[1], Y.shape[1]]
    if sizes[0] != X.shape[1] or sizes[-1] != Y.shape[1]:
        raise UsageError(f"--layers {args.layers}: dataset {dataset!r} has "
                         f"{count(X.shape[1], 'input')} and {count(Y.shape[1], 'output')}")
    if len(names) == 1:
        names = names * (len(sizes) - 1)
        if args.loss == "ce" and not args.activation:
            names[-1] = "softmax"  # ce's output layer
    return dataset, X, Y, sizes, names


def _train(run, n, progress, stops=()):
    """Train ``n`` updates, telling ``progress`` every 1/200 of the way; stop at the
    first of ``stops`` to become true (returning its Hit, else None)."""
    from nncore.breakpoints import train_until

    return train_until(run, n, stops, progress)


def _stop_conditions(texts):
    """The parsed ``--stop-when`` conditions; exit 2 naming the text for bad ones."""
    from nncore.breakpoints import parse_condition

    try:
        return [parse_condition(text) for text in texts or ()]
    except ValueError as exc:
        raise UsageError(f"--stop-when {exc}") from None


def _load(path, show_progress=True):
    """``load_snapshot(path)``, with a bar while a long history is replayed."""
    from nncore import load_snapshot

    with Progress("replaying", enabled=show_progress) as progress:
        return load_snapshot(path, progress)


# ---- predict and inspect --------------------------------------------------------------------


def predict(args):
    import numpy as np

    from nncore import forward
    from nncore.number_text import parse_number

    run, k = _load(args.snapshot)
    text = ",".join(args.inputs)
    values = [v for v in text.replace(" ", ",").split(",") if v]
    try:
        x = np.array([parse_number(v, "inputs") for v in values], dtype=float)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if x.size != run.layer_sizes[0]:
        raise UsageError(f"inputs: the network in {args.snapshot} takes "
                         f"{count(run.layer_sizes[0], 'number')}, got {x.size}")
    with np.errstate(all="ignore"):
        shown = run.at(k)
        yhat = forward(x.reshape(1, -1), shown.weights, run.activations,
                       biases=shown.biases if run.options.bias else None)[-1][0]
    print(" ".join(repr(float(v)) for v in yhat))
    return 0


def inspect(args):
    run, k = _load(args.snapshot)
    print(report(args.snapshot, run, k))
    return 0


def export_code(args):
    """The snapshot's run to its iteration as a script that needs only numpy."""
    from nncore.codegen import training_script
    from nncore.files import atomic_write, save_target

    if args.output:
        save_target(args.output)  # a folder or a FIFO is refused before the replay
    run, k = _load(args.snapshot)
    text = training_script(run, k).text
    if args.output:
        atomic_write(args.output, text.encode("utf-8"))
    else:
        sys.stdout.write(text)
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


# Numbers on the command line are read by nncore.number_text, as everywhere else:
# Python's int() and float() also take "1_0" and other scripts' digits.


def _ints(text, option):
    from nncore.number_text import read_whole

    values = [read_whole(v) for v in text.split(",")]
    if any(why is not None for _, why in values):
        raise UsageError(f"{option}: expected whole numbers separated by commas, "
                         f"got {text!r}")
    return [value for value, _ in values]


def whole_number(text):
    """An argparse type: an ASCII whole number (``int()`` alone also takes ``1_0``)."""
    from nncore.number_text import read_whole

    value, why = read_whole(text)
    if why is not None:
        raise argparse.ArgumentTypeError(f"invalid whole number: {text!r} {why}")
    return value


if __name__ == "__main__":
    sys.exit(main())
