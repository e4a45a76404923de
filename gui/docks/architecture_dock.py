"""The architecture editor: layers, units, activations, biases, loss, seed and how the
network trains (the Training section, ``training_box.py``).

Every control applies at once and starts a new run at iteration 0 through
``session.new_run``; the network diagram and plots follow from ``sigRunReplaced``.
Applying at once (rather than behind an Apply button) lets a learner see the effect
of one more hidden unit immediately; number fields only commit on Enter, on focus
loss or on their arrows, so typing "12" does not first build a 1-unit layer.

Every field shows the value in force, exactly: a loaded layer wider than the editor
offers shows its real width, a seed too big for a spin box shows in full, and η
shows every digit. A typed value is used exactly or refused: a change the engine or
a field refuses (a ``ValueError``) is shown in red at the top and the controls snap
back to the run that is still in force.
"""

from __future__ import annotations

import random

from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gui.common import palette
from gui.common.number_fields import WholeNumberBox
from gui.docks.rerun_box import RerunBox
from gui.docks.training_box import TrainingBox
from nncore import ACTIVATIONS
from nncore.network import MAX_SEED, OUTPUT_ACTIVATIONS
from nncore.number_text import parse_whole

MAX_HIDDEN_LAYERS = 8
MAX_UNITS = 64  # what the editor offers; a loaded wider layer is shown as it is
NEW_LAYER_UNITS = 4  # Trask's 3-4-1 network: the first hidden layer a learner tries
REROLL_MAX = 99_999  # re-rolled seeds stay short: easy to read out loud and type back
NO_SEED = "none (weights from a file)"

ACTIVATION_LABELS = {"sigmoid": "sigmoid σ", "tanh": "tanh", "relu": "ReLU",
                     "linear": "linear", "softmax": "softmax"}
LOSS_LABELS = {"sse": "squared error  ½Σ(y−ŷ)²", "bce": "binary cross-entropy",
               "ce": "cross-entropy (softmax output)"}
BCE_NEEDS_SIGMOID = ("Binary cross-entropy needs a sigmoid output, whose ŷ lies "
                     "between 0 and 1. Set the output activation to sigmoid first.")
CE_NEEDS_CLASSES = ("Cross-entropy needs a softmax output of two or more units: data "
                    "with one y column per class, such as the three-class sets.")


def _activation_combo(name, choices=ACTIVATIONS):
    """Softmax is among the ``choices`` of the output layer only."""
    combo = QComboBox()
    for key in choices:
        combo.addItem(ACTIVATION_LABELS[key], key)
    combo.setCurrentIndex(choices.index(name))
    combo.setToolTip("The function each unit of this layer applies to its weighted sum s.")
    return combo


class ArchitectureDock(QDockWidget):
    """Edits the network of ``session.run``; each edit starts a new run."""

    def __init__(self, session, parent=None):
        super().__init__("Architecture", parent)
        self.setObjectName("architecture_dock")
        self.session = session
        self.hidden_rows = []  # [(name label, units spin, activation combo, remove button)]

        body = QWidget()
        outer = QVBoxLayout(body)
        note = QLabel("Each change here starts training again from iteration 0.")
        note.setWordWrap(True)
        note.setStyleSheet(f"color: {palette.FAINT_INK.name()};")
        outer.addWidget(note)
        # Errors show at the top, where they are seen whichever control caused them.
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #B00020;")
        self.error_label.hide()
        outer.addWidget(self.error_label)
        self.training = TrainingBox()
        self.training.sigOptionsChosen.connect(lambda options: self._new_run(options=options))
        self.training.sigRefused.connect(self._refuse)
        outer.addWidget(self._make_layers_box())
        outer.addWidget(self._make_loss_box())
        outer.addWidget(self.training)
        self.rerun_box = RerunBox(session)
        self.rerun_box.sigRefused.connect(self._say_not_changed)  # the typed η stays
        outer.addWidget(self.rerun_box)
        outer.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(body)
        self.setWidget(scroll)

        session.cursor.sigRunReplaced.connect(self._run_replaced)
        self.sync()

    # ---- building -------------------------------------------------------------------

    def _make_layers_box(self):
        box = QGroupBox("Layers")
        layout = QVBoxLayout(box)
        self.grid = QGridLayout()
        self.grid.setColumnStretch(0, 1)
        for col, text in enumerate(("Layer", "Units", "Activation")):
            header = QLabel(f"<b>{text}</b>")
            self.grid.addWidget(header, 0, col)
        self.input_name, self.output_name = QLabel("Input"), QLabel("Output")
        self.input_units = QLabel()
        self.input_units.setToolTip("One input unit per x column of the data "
                                    "(change it in the Dataset editor).")
        self.output_units = QLabel()
        self.output_units.setToolTip("One output unit per y column of the data "
                                     "(change it in the Dataset editor).")
        self.output_activation = _activation_combo("sigmoid", OUTPUT_ACTIVATIONS)
        self.output_activation.currentIndexChanged.connect(self._output_chosen)
        self._rebuild_rows(0)  # input and output rows from the start, hidden layers or not
        layout.addLayout(self.grid)

        buttons = QHBoxLayout()
        self.add_button = QPushButton("+ Add hidden layer")
        self.add_button.setToolTip(f"Insert a layer of {NEW_LAYER_UNITS} sigmoid units "
                                   "just before the output.")
        self.add_button.clicked.connect(self.add_layer)
        buttons.addWidget(self.add_button)
        buttons.addStretch(1)
        buttons.addWidget(self.training.bias_switch)
        layout.addLayout(buttons)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet(f"color: {palette.FAINT_INK.name()};")
        layout.addWidget(self.summary)
        return box

    def _make_loss_box(self):
        box = QGroupBox("Loss and starting weights")
        form = QFormLayout(box)
        self.loss_combo = QComboBox()
        for key, label in LOSS_LABELS.items():
            self.loss_combo.addItem(label, key)
        self.loss_combo.setToolTip("The error E that training makes smaller: squared "
                                   "error (the default), or a cross-entropy.")
        self.loss_combo.currentIndexChanged.connect(self._loss_chosen)
        form.addRow("Loss E:", self.loss_combo)
        self.loss_hint = QLabel(BCE_NEEDS_SIGMOID)
        self.loss_hint.setWordWrap(True)
        self.loss_hint.setStyleSheet(f"color: {palette.FAINT_INK.name()};")
        form.addRow(self.loss_hint)

        row = QHBoxLayout()
        # A line edit, not a spin box: seeds go up to 2³²−1, past what a QSpinBox holds.
        self.seed_field = QLineEdit()
        self.seed_field.setPlaceholderText(NO_SEED)
        self.seed_field.setToolTip(f"The random seed that draws the initial weights W₀, "
                                   f"0 to {MAX_SEED}: the same seed and layers give the "
                                   "same W₀. Press Enter to apply.")
        self.seed_field.editingFinished.connect(self._seed_typed)
        row.addWidget(self.seed_field, 1)
        self.reroll_button = QPushButton("Re-roll")
        self.reroll_button.setToolTip("Pick a new random seed: new initial weights.")
        self.reroll_button.clicked.connect(self.reroll)
        row.addWidget(self.reroll_button)
        form.addRow("Seed:", row)
        return box

    def _rebuild_rows(self, n_hidden):
        """Lay out input, ``n_hidden`` hidden rows and output in the grid."""
        for widgets in self.hidden_rows:
            for w in widgets:
                self.grid.removeWidget(w)
                w.hide()  # deleteLater waits for the event loop; hide it now
                w.deleteLater()
        self.hidden_rows = []
        for w in (self.output_name, self.output_units, self.output_activation):
            self.grid.removeWidget(w)
        self.grid.addWidget(self.input_name, 1, 0)
        self.grid.addWidget(self.input_units, 1, 1)
        for i in range(n_hidden):
            name = QLabel(f"Hidden {i + 1}")
            units = WholeNumberBox(f"Hidden {i + 1} units", 1, MAX_UNITS)
            units.setToolTip(f"Number of units in hidden layer {i + 1} (1 to {MAX_UNITS}).")
            units.valueChanged.connect(self._apply)
            units.sigRefused.connect(self._refuse)
            combo = _activation_combo("sigmoid")
            combo.currentIndexChanged.connect(self._apply)
            remove = QToolButton()
            remove.setText("✕")
            remove.setToolTip(f"Remove hidden layer {i + 1}")
            remove.clicked.connect(lambda _=False, index=i: self.remove_layer(index))
            row = 2 + i
            self.grid.addWidget(name, row, 0)
            self.grid.addWidget(units, row, 1)
            self.grid.addWidget(combo, row, 2)
            self.grid.addWidget(remove, row, 3)
            self.hidden_rows.append((name, units, combo, remove))
            for w in (name, units, combo, remove):
                w.show()  # now, not at the layout's queued show: sync reads them at once
        row = 2 + n_hidden
        self.grid.addWidget(self.output_name, row, 0)
        self.grid.addWidget(self.output_units, row, 1)
        self.grid.addWidget(self.output_activation, row, 2)

    # ---- model -> widgets ---------------------------------------------------------------

    def _run_replaced(self):
        """A run arrived (from here or elsewhere): a refusal shown before is stale."""
        self.error_label.hide()
        self.sync()

    def sync(self):
        """Show ``session.run``'s architecture (inside signal blockers: no echo)."""
        run = self.session.run
        hidden = run.layer_sizes[1:-1]
        if len(hidden) != len(self.hidden_rows):
            self._rebuild_rows(len(hidden))
        self.input_units.setText(f"{run.layer_sizes[0]}  (x columns)")
        self.output_units.setText(f"{run.layer_sizes[-1]}  (y columns)")
        for (_, units, combo, _), n, name in zip(self.hidden_rows, hidden,
                                                       run.activations, strict=False):
            with QSignalBlocker(combo):
                units.show_value(n)
                combo.setCurrentIndex(ACTIVATIONS.index(name))
        with QSignalBlocker(self.output_activation):
            self.output_activation.setCurrentIndex(
                OUTPUT_ACTIVATIONS.index(run.activations[-1]))
        with QSignalBlocker(self.loss_combo):
            self.loss_combo.setCurrentIndex(list(LOSS_LABELS).index(run.loss))
        self._offer_losses(run)
        self.seed_field.setText(self._seed_text(run.seed))
        self.add_button.setEnabled(len(hidden) < MAX_HIDDEN_LAYERS)
        self.training.show_options(run.options)
        self.summary.setText(self._summary(run))
        self.rerun_box.sync()

    def _offer_losses(self, run):
        """A disabled item says "not now"; the hint under the loss, or the item's
        tooltip for softmax and cross-entropy (a one-output net is the usual case, not
        worth a standing hint), says why."""
        sigmoid_out, classes = run.activations[-1] == "sigmoid", run.layer_sizes[-1] > 1
        self.loss_combo.model().item(1).setEnabled(sigmoid_out)
        # With softmax and cross-entropy chosen, binary cross-entropy is beside the point.
        self.loss_hint.setVisible(not sigmoid_out and run.loss != "ce")
        softmax = self.output_activation.model().item(OUTPUT_ACTIVATIONS.index("softmax"))
        for item in (self.loss_combo.model().item(2), softmax):
            item.setEnabled(classes)
            item.setToolTip("" if classes else CE_NEEDS_CLASSES)

    @staticmethod
    def _summary(run):
        arrows = " → ".join(str(n) for n in run.layer_sizes)
        n_weights, n_biases = run.n_params, run.n_theta - run.n_params
        weights = f"{n_weights} weight{'s' if n_weights != 1 else ''}"
        biases = f"{n_biases} bias{'es' if n_biases != 1 else ''}"
        if run.options.bias:
            return f"Network {arrows}: {weights} and {biases}."
        return f"Network {arrows}: {weights}, no biases (a constant input column plays that role)."

    @staticmethod
    def _seed_text(seed):
        return "" if seed is None else str(int(seed))

    # ---- widgets -> model ---------------------------------------------------------------

    def _architecture(self):
        """(layer_sizes, activations) as the widgets show them."""
        run = self.session.run
        sizes = [run.layer_sizes[0]] + [units.value() for _, units, _, _ in self.hidden_rows]
        sizes.append(run.layer_sizes[-1])
        activations = [combo.currentData() for _, _, combo, _ in self.hidden_rows]
        activations.append(self.output_activation.currentData())
        return sizes, activations

    def _new_run(self, **changes):
        """Start a new run; on a refusal show why and snap back to the current run."""
        # Keep the η the learner is using now (set in the transport bar), not the
        # one the run started with.
        changes.setdefault("learning_rate",
                           self.session.run.learning_rate_at(self.session.iteration))
        if changes.get("seed", self.session.cursor.config.seed) is None:
            # New weights need a seed; a run loaded without one gets a fresh one, shown
            # in the seed box, so the new run can be repeated.
            changes["seed"] = random.randint(0, REROLL_MAX)
            picked = changes["seed"]
        else:
            picked = None
        try:
            self.session.new_run(**changes)
        except ValueError as exc:
            self._refuse(exc)
            return False
        self.error_label.hide()
        if picked is not None:
            self.session.sigMessage.emit(f"New weights need a seed: picked {picked} at "
                                         "random (see the Seed field).")
        return True

    def _output_chosen(self, *_):
        self._pair_softmax_with_ce(self.output_activation.currentData() == "softmax")

    def _loss_chosen(self, *_):
        self._pair_softmax_with_ce(self.loss_combo.currentData() == "ce")

    def _pair_softmax_with_ce(self, softmax):
        """A softmax output and the cross-entropy loss need each other: choosing one
        (or leaving it) brings the other along (or back to the defaults) before applying."""
        if softmax != (self.loss_combo.currentData() == "ce"):
            with QSignalBlocker(self.loss_combo):
                self.loss_combo.setCurrentIndex(self.loss_combo.findData(
                    "ce" if softmax else "sse"))
        if softmax != (self.output_activation.currentData() == "softmax"):
            with QSignalBlocker(self.output_activation):
                self.output_activation.setCurrentIndex(self.output_activation.findData(
                    "softmax" if softmax else "sigmoid"))
        self._apply()

    def _refuse(self, why):
        """Say why a change was not made; show the run still in force."""
        self._say_not_changed(why)
        self.sync()

    def _say_not_changed(self, why):
        self.error_label.setText(f"Not changed: {why}")
        self.error_label.show()

    def _apply(self, *_):
        sizes, activations = self._architecture()
        try:
            seed = self._chosen_seed()
        except ValueError as exc:
            self._refuse(exc)
            return False
        return self._new_run(layer_sizes=sizes, activations=activations,
                             loss=self.loss_combo.currentData(), seed=seed)

    def _chosen_seed(self):
        """The seed field's value (the run's own seed while it shows that, none
        included); ValueError for a text that is not a seed."""
        text, run_seed = self.seed_field.text().strip(), self.session.run.seed
        if text == self._seed_text(run_seed):
            return run_seed
        return parse_whole(self.seed_field.text(), "seed", 0, MAX_SEED)

    def _seed_typed(self):
        """Enter or focus loss in the seed field: apply a new seed, or say why not."""
        run_seed = self.session.run.seed
        try:
            same = self._chosen_seed() == run_seed
        except ValueError:
            same = False  # _apply says why
        if same:
            self.seed_field.setText(self._seed_text(run_seed))  # "007" is seed 7: no change
        else:
            self._apply()

    def add_layer(self):
        """Insert a hidden layer of NEW_LAYER_UNITS sigmoid units before the output."""
        sizes, activations = self._architecture()
        if len(sizes) - 2 >= MAX_HIDDEN_LAYERS:
            return False
        return self._new_run(layer_sizes=sizes[:-1] + [NEW_LAYER_UNITS, sizes[-1]],
                             activations=activations[:-1] + ["sigmoid", activations[-1]])

    def remove_layer(self, index):
        """Remove hidden layer ``index`` (0 = the one after the input)."""
        sizes, activations = self._architecture()
        del sizes[index + 1]
        del activations[index]
        return self._new_run(layer_sizes=sizes, activations=activations)

    def reroll(self):
        """A new random seed, different from the current one."""
        seed = self.session.run.seed
        while seed == self.session.run.seed:
            seed = random.randint(0, REROLL_MAX)
        return self._new_run(seed=seed)
