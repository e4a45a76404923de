"""The Architecture dock's Training section: how the run trains beyond the tutorial.

It edits an ``nncore.TrainingOptions``: the biases switch (placed by the dock beside
the layers), the optimizer with only its own parameters shown, the batch size, the
reduction, the L1 and L2 penalties and the share of rows held out for testing. Its
defaults are the tutorial's, so the default window trains exactly as before.

Typed numbers are read as the engine reads them (``nncore.number_text``) and commit
on Enter or focus loss, as the seed does. The box does not start runs itself: it
emits the options chosen (``sigOptionsChosen``), or why a typed value cannot be used
(``sigRefused``, naming the field as the form labels it), and the dock decides.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QGroupBox, QLineEdit

from gui.common.number_fields import exact_text
from nncore import OPTIMIZERS, REDUCTIONS, TrainingOptions
from nncore.number_text import parse_whole

ALL_ROWS = "all"  # the batch size field's text for "every training row"

OPTIMIZER_LABELS = {"sgd": "gradient descent (SGD)", "momentum": "momentum",
                    "nesterov": "Nesterov momentum", "rmsprop": "RMSProp", "adam": "Adam"}
# Each optimizer's own parameters; the others' rows are hidden.
OPTIMIZER_PARAMETERS = {"sgd": (), "momentum": ("momentum",), "nesterov": ("momentum",),
                        "rmsprop": ("alpha", "eps"), "adam": ("beta1", "beta2", "eps")}
REDUCTION_LABELS = {"sum": "sum over the batch", "mean": "mean over the batch"}

# The number fields in form order: option name -> (label, tooltip). The label also
# names the field in a refusal ("L2 λ: 'abc' is not a number").
NUMBER_FIELDS = {
    "momentum": ("Momentum μ", "The share of the previous velocity v that each step "
                 "keeps, at least 0 and below 1 (default 0.9)."),
    "alpha": ("Decay α", "How slowly RMSProp's running mean s of g² forgets, at least 0 "
              "and below 1 (default 0.99)."),
    "beta1": ("Decay β₁", "How slowly Adam's running mean m of g forgets, at least 0 and "
              "below 1 (default 0.9)."),
    "beta2": ("Decay β₂", "How slowly Adam's running mean v of g² forgets, at least 0 "
              "and below 1 (default 0.999)."),
    "eps": ("Epsilon ε", "A small positive number added to the root in the step's "
            "denominator so that it never divides by 0 (default 1e-8)."),
    "batch_size": ("Batch size", "Training rows per step, reshuffled every epoch; empty "
                   f"or \"{ALL_ROWS}\" uses every training row (the default)."),
    "l1": ("L1 λ", "Adds λ·Σ|W| to the loss, which pushes weights to exactly 0 "
           "(default 0: off)."),
    "l2": ("L2 λ", "Adds (λ/2)·ΣW² to the loss, which shrinks large weights "
           "(default 0: off)."),
    "test_fraction": ("Test fraction", "The share of rows, picked by the seed, held out "
                      "of training to measure a test loss, at least 0 and below 1 "
                      "(default 0: none)."),
}
BIAS_TIP = ("Give every layer after the input a bias b, added to its weighted sums and "
            "learned like a weight, starting at 0 (default off).")
OPTIMIZER_TIP = ("How the gradient g becomes a step: plain gradient descent (SGD, the "
                 "default), momentum, Nesterov momentum, RMSProp or Adam.")
REDUCTION_TIP = ("Whether the loss adds up the batch's rows (sum, the default, as in the "
                 "tutorial) or averages them (mean).")


class TrainingBox(QGroupBox):
    """The form for ``TrainingOptions``; ``bias_switch`` is the dock's to place.

    Signals: sigOptionsChosen(TrainingOptions), checked and different from the options
    shown; sigRefused(str), why a typed value cannot be used.
    """

    sigOptionsChosen = Signal(object)
    sigRefused = Signal(str)

    def __init__(self, parent=None):
        super().__init__("Training", parent)
        self.shown = TrainingOptions().checked()
        self.bias_switch = QCheckBox("Biases b")
        self.bias_switch.setToolTip(BIAS_TIP)
        self.bias_switch.toggled.connect(self._commit)

        self.form = QFormLayout(self)
        self.optimizer_combo = self._combo(OPTIMIZER_LABELS, OPTIMIZER_TIP)
        self.form.addRow("Optimizer:", self.optimizer_combo)
        self.fields = {}
        for name, (label, tip) in NUMBER_FIELDS.items():
            field = QLineEdit()
            field.setToolTip(tip)
            field.editingFinished.connect(self._commit)
            self.form.addRow(f"{label}:", field)
            self.form.labelForField(field).setToolTip(tip)
            self.fields[name] = field
            if name == "eps":  # the optimizer's rows end here; the batch's begin
                self.reduction_combo = self._combo(REDUCTION_LABELS, REDUCTION_TIP)
                self.form.addRow("Reduction:", self.reduction_combo)
        self.fields["batch_size"].setPlaceholderText(ALL_ROWS)
        self.show_options(self.shown)

    def _combo(self, labels, tip):
        combo = QComboBox()
        for key, label in labels.items():
            combo.addItem(label, key)
        combo.setToolTip(tip)
        combo.currentIndexChanged.connect(self._commit)
        return combo

    # ---- options -> widgets -------------------------------------------------------------

    def show_options(self, options):
        """Show ``options`` (the run's), without emitting."""
        self.shown = options
        with QSignalBlocker(self.bias_switch):
            self.bias_switch.setChecked(options.bias)
        with QSignalBlocker(self.optimizer_combo):
            self.optimizer_combo.setCurrentIndex(OPTIMIZERS.index(options.optimizer))
        with QSignalBlocker(self.reduction_combo):
            self.reduction_combo.setCurrentIndex(REDUCTIONS.index(options.reduction))
        for name, field in self.fields.items():
            field.setText(_number_text(getattr(options, name)))
            field.setCursorPosition(0)
            field.setModified(False)
        self._show_parameters_of(options.optimizer)

    def _show_parameters_of(self, optimizer):
        own = OPTIMIZER_PARAMETERS[optimizer]
        for name in ("momentum", "alpha", "beta1", "beta2", "eps"):
            self.form.setRowVisible(self.fields[name], name in own)

    # ---- widgets -> options -------------------------------------------------------------

    def chosen(self):
        """The options the widgets show, checked by the engine; ValueError naming the
        field as the form labels it."""
        values = {name: field.text() for name, field in self.fields.items()}
        try:
            values["batch_size"] = _batch_size(values["batch_size"])
            options = replace(self.shown, bias=self.bias_switch.isChecked(),
                              optimizer=self.optimizer_combo.currentData(),
                              reduction=self.reduction_combo.currentData(), **values)
            return options.checked()
        except ValueError as exc:
            raise ValueError(_labelled(str(exc))) from None

    def _commit(self, *_):
        """A control changed: emit the options it makes, or why not."""
        try:
            options = self.chosen()
        except ValueError as exc:
            self.sigRefused.emit(str(exc))
            return
        if options == self.shown:
            self.show_options(self.shown)  # "0.90" is 0.9: shown as the run has it
        else:
            self.sigOptionsChosen.emit(options)


def _number_text(value):
    if value is None:
        return ALL_ROWS
    return str(value) if isinstance(value, int) else exact_text(value)


def _batch_size(text):
    """None (every training row) for an empty field or "all"; else a whole number ≥ 1."""
    if text.strip().lower() in ("", ALL_ROWS):
        return None
    return parse_whole(text, "batch_size", 1)


def _labelled(message):
    """The engine's message with the field named as the form labels it."""
    name, colon, rest = message.partition(":")
    if colon and name in NUMBER_FIELDS:
        return f"{NUMBER_FIELDS[name][0]}{colon}{rest}"
    return message
