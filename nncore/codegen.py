"""A run as a plain numpy script: the training loop a learner can read and run.

``training_script(run, k)`` writes a self-contained Python script that imports
numpy and nothing else and reproduces ``run`` up to iteration ``k``: the dataset
(inline), the architecture, the initial weights (drawn from the seed as
:func:`nncore.initial_weights.init_weights` draws them, ``np.random.seed(seed)``
then ``2 * np.random.random((n_in, n_out)) - 1`` layer by layer; written out
literally when the run did not start from that draw, e.g. a file without a seed),
every training option and the changes made by hand, each at its iteration. The last
line it prints is JSON ``{"iteration", "weights", "biases"}``, floats printed with
``repr`` so that they read back as the same numbers.

The loop body is Andrew Trask's, which the tutorial adapts: ``l0 = X``,
``l1 = nonlin(np.dot(l0, syn0))``, ``l1_error = y - l1``,
``l1_delta = l1_error * nonlin(l1, True)``, ``syn0 += np.dot(l0.T, l1_delta)``. Its
errors and deltas are the engine's with the sign flipped (they point downhill), and
IEEE negation is exact, so each number is the engine's to the bit (the optimizers'
lines are :mod:`nncore.optimizers`' in the same order). Other configurations get
the same names: ``l2``, ``syn1``, ``b0`` for biases, ``syn0_grad`` when the
gradient is needed on its own (a penalty, an optimizer with state).

``Script.phase_lines`` maps each :class:`~nncore.phases.Phase` of the loop to the
line numbers (1-based) that compute it; ``Script.variable_lines`` says on which
line each variable of the loop is assigned.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field

import numpy as np

from .code_text import (
    FUNCTIONS,
    JSON_TEXT,
    SOFTMAX,
    STATE,
    change_line,
    hyperparameters,
    nested,
    number,
    optimizer_lines,
    optimizer_text,
    state_text,
    wrapped,
)
from .initial_weights import MAX_SEED, init_weights
from .phases import Phase
from .replay import finish

_DRAWN = weakref.WeakKeyDictionary()  # run -> is_drawn_from_seed(run)
SLICE_CELLS = 2**12  # dataset numbers written between two yields (a few ms; see docs)
COLUMN_ROWS = 20  # a one-column dataset up to this long is written as one row, .T


@dataclass
class Script:
    """The script's ``text``; ``phase_lines[phase]``: the 1-based numbers of the
    lines of the loop that compute ``phase``; ``variable_lines[name]``: the line
    that assigns the loop variable ``name``; ``iteration``: the iteration the script
    trains to; ``loop_line``: the line of the loop's ``for``."""
    text: str = ""
    iteration: int = 0
    phase_lines: dict = field(default_factory=dict)
    variable_lines: dict = field(default_factory=dict)
    loop_line: int = 0  # the line ``for i in range(ITERATIONS):``

    def phases_at(self, line):
        """The phases that line ``line`` computes, in the order of the iteration."""
        return [p for p, lines in self.phase_lines.items() if line in lines]


def training_script(run, k=None, data_rows=None, dataset_name=None):
    """The script that trains ``run`` to iteration ``k`` (default: the newest).
    ``data_rows``: write at most that many rows of the dataset (the rest elided, for
    showing the code; the script then no longer runs as the run did);
    ``dataset_name``: the name its docstring gives the data (default: the run's)."""
    return finish(training_script_steps(run, k, data_rows, dataset_name))


def training_script_steps(run, k=None, data_rows=None, dataset_name=None,
                          cells=SLICE_CELLS):
    """:func:`training_script` as a generator that yields ``(rows written, rows)``
    while it writes the dataset (a big one takes seconds) and returns the Script."""
    k = run.newest if k is None else int(k)
    writer = _Writer(run, k, data_rows, cells)
    # The name goes into the docstring: quotes, backslashes and line breaks would end
    # it or make escapes, so they become "?".
    writer.dataset_name = "".join(c if c.isprintable() and c not in '\\"' else "?"
                                  for c in str(dataset_name or run.dataset_name))
    return (yield from writer.script())


def is_drawn_from_seed(run):
    """True when the run's W_0 is the seed's draw (so the script draws it too).
    Remembered for each run: W_0 never changes, and a wide network's draw is slow."""
    if run not in _DRAWN:
        _DRAWN[run] = _drawn_from_seed(run)
    return _DRAWN[run]


def _drawn_from_seed(run):
    seed = run.seed
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not (
            0 <= seed <= MAX_SEED):
        return False
    drawn = np.concatenate([W.ravel() for W in init_weights(run.layer_sizes, int(seed))])
    return np.array_equal(drawn, run.initial_params)


class _Writer:
    def __init__(self, run, k, data_rows, cells):
        self.run, self.k, self.data_rows = run, k, data_rows
        self.cells, self.rows_written = cells, 0
        self.options = options = run.options
        self.n_layers = len(run.layer_sizes) - 1
        self.sigmoid_name = ("nonlin" if all(a == "sigmoid" for a in run.activations)
                             else "sigmoid")
        self.changes = [c for c in run.changes if c.iteration <= k]
        rate_changes = any(c.kind == "learning_rate" for c in self.changes)
        self.plain = options.optimizer == "sgd" and not options.has_penalty
        self.uses_rate = run.initial_learning_rate != 1.0 or rate_changes or not self.plain
        schedule = run.plan.schedule
        self.batches = not schedule.full
        self.held_out = len(run.test_rows) > 0
        self.lines, self.out = [], Script(iteration=k)

    # ---- writing lines ----------------------------------------------------------------

    def emit(self, text="", phase=None, assigns=None):
        self.lines.append(text)
        number = len(self.lines)
        if phase is not None:
            self.out.phase_lines.setdefault(phase, ())
            self.out.phase_lines[phase] += (number,)
        if assigns is not None:
            self.out.variable_lines[assigns] = number
        return number

    def script(self):
        self.header()
        self.functions()
        yield from self.data()
        self.settings()
        self.parameters()
        self.loop()
        self.result()
        self.out.text = "\n".join(self.lines) + "\n"
        return self.out

    # ---- the parts of the script ------------------------------------------------------

    def header(self):
        run, options = self.run, self.options
        from . import __version__

        sizes = "-".join(str(n) for n in run.layer_sizes)
        self.emit(f'"""Backprop Lab: the run on "{self.dataset_name}" to iteration {self.k}, '
                  "with numpy alone.")
        self.emit()
        what = [f"Layers {sizes} ({', '.join(run.activations)}), loss {run.loss} "
                f"({options.reduction} over each batch), learning rate "
                f"{number(run.initial_learning_rate)}"]
        if options.bias:
            what.append("biases")
        what.append(optimizer_text(options))
        if self.batches:
            what.append(f"batches of {options.batch_size} rows")
        if options.l2:
            what.append(f"L2 {number(options.l2)}")
        if options.l1:
            what.append(f"L1 {number(options.l1)}")
        if self.held_out:
            what.append(f"{len(run.test_rows)} of {len(run.X)} rows held out")
        if self.changes:
            n = len(self.changes)
            what.append(f"{n} change{'s' if n > 1 else ''} by hand")
        for line in wrapped(", ".join(what) + "."):
            self.emit(line)
        self.emit(f"Written by Backprop Lab {__version__}. The last line it prints is JSON: "
                  "the iteration,")
        self.emit("the weights and the biases (null without biases).")
        self.emit('"""')
        self.emit()
        self.emit("import numpy as np")

    def function_name(self, activation):
        return self.sigmoid_name if activation == "sigmoid" else activation

    def functions(self):
        used = dict.fromkeys(self.run.activations)
        for name in used:
            self.emit()
            self.emit()
            if name == "softmax":
                for line in SOFTMAX:
                    self.emit(line)
                continue
            self.emit(f"def {self.function_name(name)}(x, deriv=False):")
            for line in FUNCTIONS[name]:
                self.emit(line)

    def data(self):
        run = self.run
        self.emit()
        self.emit()
        self.emit("# input dataset: one sample per row")
        yield from self.matrix("X", run.X)
        self.emit("# output dataset")
        yield from self.matrix("y", run.Y)

    def matrix(self, name, values):
        total = 2 * len(values)  # rows of X and y
        if values.shape[1] == 1 and len(values) <= COLUMN_ROWS:  # as the tutorial's y
            self.emit(f"{name} = np.array([{nested(values[:, 0])}], dtype=float).T")
            self.rows_written += len(values)
            yield self.rows_written, total
            return
        shown = (values if self.data_rows is None else values[:self.data_rows]).tolist()
        n_rows = len(values)
        start = f"{name} = np.array(["
        pad = " " * len(start)
        per_slice = max(1, self.cells // values.shape[1])
        for i, row in enumerate(shown):
            text = "[" + ", ".join(number(v) for v in row) + "]"
            last = i == n_rows - 1
            end = "], dtype=float)" if last else ","
            self.emit((start if i == 0 else pad) + text + end)
            if (i + 1) % per_slice == 0:
                yield self.rows_written + i + 1, total
        self.rows_written += len(values)
        yield self.rows_written, total
        if len(shown) < n_rows:
            self.emit(f"{pad}# ... {n_rows - len(shown)} more rows (File > Export > "
                      "Python script writes them all)")
            self.emit(f"{pad}], dtype=float)")

    def settings(self):
        run, options = self.run, self.options
        self.emit()
        self.emit(f"ITERATIONS = {self.k}")
        if self.uses_rate:
            self.emit(f"lr = {number(run.initial_learning_rate)}  # the learning rate")
        for name, value in (("lambda2", options.l2), ("lambda1", options.l1)):
            if value:
                self.emit(f"{name} = {number(value)}  # the L{name[-1]} penalty's strength")
        for name in ("momentum", "alpha", "beta1", "beta2", "eps"):
            if name in hyperparameters(options.optimizer):
                self.emit(f"{'mu' if name == 'momentum' else name} = "
                          f"{number(getattr(options, name))}")
        if self.held_out or self.batches:
            self.emit(f"SEED = {int(run.seed)}")
        if self.held_out:
            self.emit()
            self.emit(f"# held-out rows: the first floor({number(options.test_fraction)} * "
                      "rows) of a permutation drawn")
            self.emit("# from the seed; they never enter a gradient")
            self.emit(f"n_test = int({number(options.test_fraction)} * len(X))")
            self.emit("test_rows = np.sort(np.random.default_rng([SEED, 0, 1])"
                      ".permutation(len(X))[:n_test])")
            self.emit("train_rows = np.setdiff1d(np.arange(len(X)), test_rows)")
            self.emit("X_train, y_train = X[train_rows], y[train_rows]")
        if self.batches:
            source = "X_train" if self.held_out else "X"
            self.emit(f"BATCH_SIZE = {options.batch_size}")
            self.emit(f"batches = -(-len({source}) // BATCH_SIZE)  # per epoch")

    def parameters(self):
        run = self.run
        self.emit()
        L = self.n_layers
        if is_drawn_from_seed(run):
            seed = "SEED" if self.held_out or self.batches else int(run.seed)
            self.emit(f"np.random.seed({seed})")
            self.emit("# the weights: 2 * random - 1, layer by layer from the seeded generator")
            for layer, n in enumerate(run.layer_sizes[1:]):
                self.emit(f"syn{layer} = 2 * np.random.random(({run.layer_sizes[layer]}, "
                          f"{n})) - 1")
        else:
            self.emit("# the weights the run started from")
            for layer, W in enumerate(run.unflatten(run.initial_params)):
                if self.data_rows is not None and W.size > 4 * self.data_rows:
                    self.emit(f"syn{layer} = np.array(...)  # {W.shape[0]}x{W.shape[1]} "
                              "numbers: File > Export > Python script writes them")
                else:
                    self.emit(f"syn{layer} = np.array({nested(W)}, dtype=float)")
        if self.options.bias:
            start = run.initial_row[run.n_params:run.n_theta]
            if not start.any():
                self.emit("# the biases start at 0")
            offset = 0
            for layer, n in enumerate(run.layer_sizes[1:]):
                b = start[offset:offset + n]
                offset += n
                self.emit(f"b{layer} = np.zeros({n})" if not b.any()
                          else f"b{layer} = np.array({nested(b)}, dtype=float)")
        if not self.plain:
            names = [f"syn{i}" for i in range(L)] + (
                [f"b{i}" for i in range(L)] if self.options.bias else [])
            self.emit(f"params = [{', '.join(names)}]")
            for state in STATE.get(self.options.optimizer, ()):
                self.emit(f"{state} = [np.zeros_like(p) for p in params]  # "
                          f"{state_text(self.options.optimizer, state)}, starting at 0")

    def loop(self):
        self.emit()
        self.out.loop_line = self.emit("for i in range(ITERATIONS):")
        by_iteration = {}
        for change in self.changes:
            by_iteration.setdefault(change.iteration, []).append(change)
        for k in sorted(by_iteration):
            if k == self.k:
                continue
            self.emit(f"    if i == {k}:  # changed by hand at iteration {k}")
            for change in by_iteration[k]:
                self.emit("        " + change_line(change))
        self.batch_lines()
        self.forward()
        self.backward()
        self.update()
        if self.k in by_iteration:
            self.emit()
            self.emit(f"# changed by hand at iteration {self.k}, after the last step")
            for change in by_iteration[self.k]:
                self.emit(change_line(change))

    def batch_lines(self):
        source = "X_train" if self.held_out else "X"
        if self.batches:
            self.emit("    epoch, batch = divmod(i, batches)")
            self.emit("    if batch == 0:  # a new epoch: a new order of the rows")
            self.emit(f"        order = np.random.default_rng([SEED, epoch]).permutation("
                      f"len({source}))")
            self.emit("    rows = order[batch * BATCH_SIZE:(batch + 1) * BATCH_SIZE]")
            self.emit(f"    l0 = {source}[rows]")
        else:
            self.emit(f"    l0 = {source}")

    def target(self):
        if self.batches:
            return "y_train[rows]" if self.held_out else "y[rows]"
        return "y_train" if self.held_out else "y"

    def forward(self):
        for layer, name in enumerate(self.run.activations):
            s = f"np.dot(l{layer}, syn{layer})" + (f" + b{layer}" if self.options.bias else "")
            number_ = self.emit(f"    l{layer + 1} = {self.function_name(name)}({s})",
                                Phase("sum", layer), f"l{layer + 1}")
            self.out.phase_lines[Phase("activate", layer)] = (number_,)

    def backward(self):
        L, run = self.n_layers, self.run
        mean = " / len(l0)" if self.options.reduction == "mean" else ""
        self.emit(f"    l{L}_error = {self.target()} - l{L}", Phase("error"), f"l{L}_error")
        for layer in reversed(range(L)):
            unit, phase = layer + 1, Phase("delta", layer)
            name = self.function_name(run.activations[layer])
            if layer < L - 1:
                self.emit(f"    l{unit}_error = l{unit + 1}_delta.dot(syn{unit}.T)", phase,
                          f"l{unit}_error")
            if layer == L - 1 and run.loss in ("bce", "ce"):
                self.emit(f"    l{unit}_delta = l{unit}_error{mean}  # the slope cancels "
                          f"with {run.loss}", phase, f"l{unit}_delta")
            else:
                scale = mean if layer == L - 1 else ""
                self.emit(f"    l{unit}_delta = l{unit}_error * {name}(l{unit}, True){scale}",
                          phase, f"l{unit}_delta")
            if not self.plain:
                penalty = "".join([f" + lambda2 * syn{layer}" if self.options.l2 else "",
                                   f" + lambda1 * np.sign(syn{layer})" if self.options.l1
                                   else ""])
                self.emit(f"    syn{layer}_grad = -np.dot(l{layer}.T, l{unit}_delta){penalty}",
                          phase, f"syn{layer}_grad")
                if self.options.bias:
                    self.emit(f"    b{layer}_grad = -l{unit}_delta.sum(axis=0)", phase,
                              f"b{layer}_grad")

    def update(self):
        L, phase, options = self.n_layers, Phase("update"), self.options
        rate = "lr * " if self.uses_rate else ""
        if self.plain:
            for layer in reversed(range(L)):
                self.emit(f"    syn{layer} += {rate}np.dot(l{layer}.T, l{layer + 1}_delta)",
                          phase, f"syn{layer}")
            if options.bias:
                for layer in reversed(range(L)):
                    self.emit(f"    b{layer} += {rate}l{layer + 1}_delta.sum(axis=0)", phase,
                              f"b{layer}")
            return
        grads = [f"syn{i}_grad" for i in range(L)] + (
            [f"b{i}_grad" for i in range(L)] if options.bias else [])
        self.emit(f"    grads = [{', '.join(grads)}]", phase)
        name = options.optimizer
        state = STATE.get(name, ())
        if name == "adam":
            self.emit("    t = i + 1", phase)
        loop_vars = ", ".join(["p", "g"] + [f"{s}_p" for s in state])
        self.emit(f"    for {loop_vars} in zip(params, grads{''.join(', ' + s for s in state)}):",
                  phase)
        for line in optimizer_lines(name):
            self.emit("        " + line, phase)

    def result(self):
        L = self.n_layers
        weights = ", ".join(f"syn{i}.tolist()" for i in range(L))
        biases = (f"json_text([{', '.join(f'b{i}.tolist()' for i in range(L))}])"
                  if self.options.bias else '"null"')
        self.emit()
        self.emit()
        for line in JSON_TEXT:
            self.emit(line)
        self.emit()
        self.emit()
        self.emit('print(\'{"iteration": %d, "weights": %s, "biases": %s}\' % (')
        self.emit(f"    ITERATIONS, json_text([{weights}]), {biases}))")
