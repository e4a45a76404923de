"""The Architecture dock's Biases switch and Training section, driven as a learner does:
each control reaches ``session.run.options`` as a new run at iteration 0, a bad typed
value is refused with the field named, and the controls show the run's own options."""

import json

import numpy as np
import pytest
from benchmarks.baselines import TUTORIAL_X, TUTORIAL_Y, quiet, tutorial_net
from PySide6.QtCore import Qt

from gui.docks.architecture_dock import ArchitectureDock
from gui.docks.training_box import NUMBER_FIELDS, OPTIMIZER_PARAMETERS
from nncore import OPTIMIZERS, Run, TrainingOptions, save_snapshot
from nncore.datasets import builtin, three_class

DEFAULTS = TrainingOptions().checked()
OPTIMIZER_FIELDS = ("momentum", "alpha", "beta1", "beta2", "eps")


@pytest.fixture
def dock(make_view):
    dock = make_view(ArchitectureDock)
    dock.session.run.train(20)
    dock.session.cursor.seek(20)
    return dock


def type_into(qtbot, field, text):
    """Replace a field's text as a learner would, then press Enter."""
    field.setFocus()
    field.selectAll()
    field.insert(text)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def choose(combo, key):
    combo.setCurrentIndex(combo.findData(key))


def shown_fields(dock):
    """The number fields a learner sees, by option name, with their form labels."""
    box = dock.training
    return {name: box.form.labelForField(field).text()
            for name, field in box.fields.items() if field.isVisibleTo(dock)}


def test_the_default_controls_are_the_tutorials(dock):
    box = dock.training
    assert dock.session.run.options == DEFAULTS
    assert not box.bias_switch.isChecked()
    assert box.optimizer_combo.currentData() == "sgd"
    assert box.reduction_combo.currentData() == "sum"
    assert {name: field.text() for name, field in box.fields.items()} == {
        "momentum": "0.9", "alpha": "0.99", "beta1": "0.9", "beta2": "0.999",
        "eps": "1e-08", "batch_size": "all", "l1": "0", "l2": "0", "test_fraction": "0"}
    assert shown_fields(dock) == {"batch_size": "Batch size:", "l1": "L1 λ:", "l2": "L2 λ:",
                                  "test_fraction": "Test fraction:"}
    assert "no biases" in dock.summary.text()


def test_every_control_has_a_tooltip_with_its_default(dock):
    box = dock.training
    for control in (box.bias_switch, box.optimizer_combo, box.reduction_combo,
                    *box.fields.values()):
        tip = control.toolTip()
        assert tip.count(".") >= 1 and "default" in tip, tip


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_each_optimizer_shows_only_its_own_parameters(dock, optimizer):
    session = dock.session
    choose(dock.training.optimizer_combo, "adam" if optimizer == "sgd" else "sgd")
    session.run.train(5)
    session.cursor.seek(5)
    choose(dock.training.optimizer_combo, optimizer)
    assert session.run.options == TrainingOptions(optimizer=optimizer).checked()
    assert session.iteration == 0 and session.run.newest == 0
    own = set(OPTIMIZER_PARAMETERS[optimizer])
    assert {n for n in shown_fields(dock) if n in OPTIMIZER_FIELDS} == own
    for name in OPTIMIZER_FIELDS:  # the label goes with its field
        label = dock.training.form.labelForField(dock.training.fields[name])
        assert label.isVisibleTo(dock) == (name in own)


def test_typed_options_reach_the_run_exactly(dock, qtbot):
    session, box = dock.session, dock.training
    qtbot.mouseClick(box.bias_switch, Qt.MouseButton.LeftButton)
    choose(box.optimizer_combo, "adam")
    type_into(qtbot, box.fields["beta1"], "0.8")
    type_into(qtbot, box.fields["beta2"], "0.99")
    type_into(qtbot, box.fields["eps"], "1e-6")
    choose(box.reduction_combo, "mean")
    type_into(qtbot, box.fields["batch_size"], "3")
    type_into(qtbot, box.fields["l1"], "0.001")
    type_into(qtbot, box.fields["l2"], "1e-2")
    type_into(qtbot, box.fields["test_fraction"], "0.25")
    want = TrainingOptions(bias=True, optimizer="adam", beta1=0.8, beta2=0.99, eps=1e-6,
                           reduction="mean", batch_size=3, l1=0.001, l2=0.01,
                           test_fraction=0.25).checked()
    assert session.run.options == want
    assert session.iteration == 0 and session.run.newest == 0
    assert not dock.error_label.isVisibleTo(dock)
    assert box.fields["l2"].text() == "0.01" and box.fields["batch_size"].text() == "3"
    assert "3 weights and 1 bias." in dock.summary.text()
    assert [b.tolist() for b in session.run.at(0).biases] == [[0.0]]


def test_momentum_and_rmsprop_parameters_reach_the_run(dock, qtbot):
    box = dock.training
    choose(box.optimizer_combo, "nesterov")
    type_into(qtbot, box.fields["momentum"], "0.5")
    assert dock.session.run.options == TrainingOptions(optimizer="nesterov",
                                                       momentum=0.5).checked()
    choose(box.optimizer_combo, "rmsprop")
    type_into(qtbot, box.fields["alpha"], ".9")
    assert dock.session.run.options == TrainingOptions(optimizer="rmsprop", momentum=0.5,
                                                       alpha=0.9).checked()
    assert box.fields["momentum"].text() == "0.5"  # kept, hidden, for the next switch


@pytest.mark.parametrize("optimizer, name, text, why", [
    ("momentum", "momentum", "1.5", "Momentum μ: must be at least 0 and less than 1, got '1.5'"),
    ("rmsprop", "alpha", "1_0", "Decay α: '1_0' is not a number"),
    ("rmsprop", "eps", "0", "Epsilon ε: must be a positive number, got '0'"),
    ("adam", "beta1", "-0.1", "Decay β₁: must be at least 0 and less than 1, got '-0.1'"),
    ("adam", "beta2", "nan", "Decay β₂: 'nan' is not a finite number"),
    ("sgd", "batch_size", "0", "Batch size: must be at least 1, got '0'"),
    ("sgd", "batch_size", "2.5", "Batch size: '2.5' is not a whole number"),
    ("sgd", "l1", "-1", "L1 λ: must be 0 or more, got '-1'"),
    ("sgd", "l2", "\u0663", "L2 λ: '\u0663' is not a number"),
    ("sgd", "l2", "1e400", "L2 λ: '1e400' is too large"),
    ("sgd", "test_fraction", "1", "Test fraction: must be at least 0 and less than 1"),
])
def test_a_bad_value_is_refused_naming_the_field(dock, qtbot, optimizer, name, text, why):
    session, box = dock.session, dock.training
    choose(box.optimizer_combo, optimizer)
    session.run.train(5)
    session.cursor.seek(5)
    run, options = session.run, session.run.options
    shown = box.fields[name].text()
    type_into(qtbot, box.fields[name], text)
    assert session.run is run and session.iteration == 5 and run.options == options
    assert dock.error_label.isVisibleTo(dock)
    assert dock.error_label.text().startswith(f"Not changed: {why}")
    assert box.fields[name].text() == shown  # the value in force, not the typed one
    type_into(qtbot, box.fields["l1"], "0.5")  # the next good change clears the message
    assert session.run.options.l1 == 0.5 and not dock.error_label.isVisibleTo(dock)


def test_the_same_value_typed_otherwise_starts_nothing(dock, qtbot):
    session, box = dock.session, dock.training
    run = session.run
    type_into(qtbot, box.fields["test_fraction"], "0.000")
    type_into(qtbot, box.fields["batch_size"], " ALL ")
    type_into(qtbot, box.fields["batch_size"], "")
    assert session.run is run and session.iteration == 20
    assert box.fields["test_fraction"].text() == "0"
    assert box.fields["batch_size"].text() == "all"


def test_an_architecture_change_keeps_the_options(dock, qtbot):
    box = dock.training
    choose(box.optimizer_combo, "momentum")
    type_into(qtbot, box.fields["batch_size"], "2")
    dock.add_layer()
    assert dock.session.run.layer_sizes == [3, 4, 1]
    assert dock.session.run.options == TrainingOptions(optimizer="momentum",
                                                       batch_size=2).checked()
    assert box.optimizer_combo.currentData() == "momentum"


def test_the_controls_follow_a_run_from_elsewhere(dock):
    options = TrainingOptions(bias=True, optimizer="rmsprop", alpha=0.9, batch_size=2,
                              reduction="mean", l2=0.125, test_fraction=0.25)
    dock.session.new_run(options=options)  # e.g. a snapshot's replay
    box = dock.training
    assert box.bias_switch.isChecked() and box.optimizer_combo.currentData() == "rmsprop"
    assert box.reduction_combo.currentData() == "mean"
    assert [box.fields[n].text() for n in ("alpha", "batch_size", "l2", "test_fraction")] == [
        "0.9", "2", "0.125", "0.25"]
    assert set(shown_fields(dock)) == {"alpha", "eps", "batch_size", "l1", "l2",
                                       "test_fraction"}


def test_a_schema_2_snapshot_shows_its_options_and_a_change_keeps_the_rest(
        window, tmp_path, warned, qtbot):
    X, Y = builtin("xor")
    options = TrainingOptions(bias=True, optimizer="adam", beta1=0.8, eps=1e-7, batch_size=3,
                              l1=0.002, test_fraction=0.25)
    run = Run(X, Y, [3, 4, 1], ["tanh", "sigmoid"], "sse", 0.5, seed=8, options=options)
    run.train(30)
    path = tmp_path / "adam run.json"
    save_snapshot(str(path), run, 30, "xor")
    assert json.loads(path.read_text())["schema_version"] == 2
    assert window.files.open_snapshot(str(path)) is True and warned == []
    session, dock = window.session, window.docks["ArchitectureDock"]
    box = dock.training
    assert session.run.options == options.checked() and session.iteration == 30
    assert box.bias_switch.isChecked() and box.optimizer_combo.currentData() == "adam"
    assert [box.fields[n].text() for n in ("beta1", "beta2", "eps", "batch_size", "l1",
                                           "l2", "test_fraction")] == [
        "0.8", "0.999", "1e-07", "3", "0.002", "0", "0.25"]
    assert set(shown_fields(dock)) == {"beta1", "beta2", "eps", "batch_size", "l1", "l2",
                                       "test_fraction"}
    assert "16 weights and 5 biases" in dock.summary.text()
    type_into(qtbot, box.fields["l2"], "0.01")
    assert session.run.options == TrainingOptions(**{**options.__dict__, "l2": 0.01}).checked()
    assert session.iteration == 0 and session.run.seed == 8


def test_the_default_window_trains_the_tutorial_bit_for_bit(window, train):
    session, box = window.session, window.docks["ArchitectureDock"].training
    box.bias_switch.click()  # on and off again: back to the tutorial's run
    box.bias_switch.click()
    assert session.run.options == TrainingOptions() and session.run.options.is_default
    train(session, 1000)
    nn = tutorial_net()
    with quiet():
        nn.train(TUTORIAL_X, TUTORIAL_Y)  # the tutorial's own loop, 1000 iterations
    assert np.array_equal(session.run.params_at(1000), nn.weights.ravel())
    assert window.transport.epoch_label.isHidden()  # every step is a whole epoch


def test_three_classes_with_softmax_cross_entropy_adam_and_mini_batches(dock, qtbot, train):
    """The three-class data can be trained with softmax + ce and these options from the
    dock: choosing softmax brings cross-entropy along (each needs the other)."""
    session, box = dock.session, dock.training
    X, Y = three_class(kind="blobs")
    assert not dock.loss_combo.model().item(2).isEnabled()  # one output: no softmax yet
    session.new_run(X=X, Y=Y, dataset_name="three blobs", layer_sizes=[3, 3],
                    activations=None)
    assert dock.loss_combo.model().item(2).isEnabled()
    choose(dock.output_activation, "softmax")
    assert (session.run.activations, session.run.loss) == (["softmax"], "ce")
    assert dock.loss_combo.currentData() == "ce" and not dock.error_label.isVisibleTo(dock)
    assert not dock.loss_hint.isVisibleTo(dock)  # the note on bce is beside the point
    choose(box.optimizer_combo, "adam")
    type_into(qtbot, box.fields["batch_size"], "30")
    type_into(qtbot, box.fields["test_fraction"], "0.2")
    qtbot.mouseClick(box.bias_switch, Qt.MouseButton.LeftButton)
    assert session.run.options == TrainingOptions(bias=True, optimizer="adam", batch_size=30,
                                                  test_fraction=0.2).checked()
    assert session.run.loss == "ce" and session.run.layer_sizes == [3, 3]
    train(session, 20)
    assert session.run.at(20).epoch == 20 // 8 and session.run.test_losses is not None
    choose(dock.loss_combo, "sse")  # leaving cross-entropy leaves softmax too
    assert (session.run.activations, session.run.loss) == (["sigmoid"], "sse")
    choose(dock.loss_combo, "ce")
    assert (session.run.activations, session.run.loss) == (["softmax"], "ce")
    assert session.run.options.optimizer == "adam"


def test_number_fields_are_named_in_the_form_as_in_refusals():
    assert [label for label, _ in NUMBER_FIELDS.values()] == [
        "Momentum μ", "Decay α", "Decay β₁", "Decay β₂", "Epsilon ε", "Batch size", "L1 λ",
        "L2 λ", "Test fraction"]


def test_mini_batches_chosen_in_the_dock_show_their_epoch_in_the_bar(window, qtbot, run_to):
    dock, bar = window.docks["ArchitectureDock"], window.transport
    assert bar.epoch_label.isHidden()
    type_into(qtbot, dock.training.fields["batch_size"], "3")  # 4 rows: batches of 3, 1
    assert bar.epoch_label.isVisible() and bar.epoch_label.text() == "epoch 0 · batch 1/2"
    run_to(window, 40)
    run = window.session.run
    for k in (0, 1, 2, 17, 40):
        bar.timeline.setValue(k)
        assert window.session.iteration == k
        assert bar.epoch_label.text() == f"epoch {run.at(k).epoch} · batch {k % 2 + 1}/2"
    assert run.at(17).epoch == 8
