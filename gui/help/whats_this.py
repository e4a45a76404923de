"""What's This (Shift+F1) texts: one table for the whole window, applied by it.

A control is found in the table by the first key that it has:

1. ``Owner.attribute``: the class of the object that holds it and the attribute it
   is held in (``TransportBar.timeline``); ``Owner.attribute[]`` for any item of a
   list held there, ``Owner.attribute[name]`` for the item of a dict keyed by
   ``name``, and ``[i]`` after either for item ``i`` of a tuple in it;
2. its objectName (Qt's own parts: a dock's float button, a tab bar's arrows);
3. ``text:`` and its text without the ``&`` (buttons and actions made in a loop);
4. ``menu:`` and a menu's title, for the action that opens the menu (``menu:more``
   for the menu bar's list of menus that do not fit).

A toolbar button takes its action's text; a spin box's line edit takes its spin
box's; a dock's toggle action in the View menu takes the dock's. A control with no
key gets none, and tests/test_help.py names it.
"""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QDockWidget,
    QLineEdit,
    QSlider,
    QToolButton,
    QWidgetAction,
)

CONTROLS = (QAbstractButton, QAbstractSpinBox, QComboBox, QLineEdit, QSlider, QAction)

TEXTS = {
    # ---- actions (menus, toolbar, keys) ----
    "MainWindow.action_play": "Trains continuously, one iteration after another, at the "
        "pace set beside the timeline. Space pauses.",
    "MainWindow.action_step": "Shows the next iteration: one gradient step, "
        "W\u2096\u208a\u2081 = W\u2096 \u2212 \u03b7 \u2202E/\u2202W. At the end of the "
        "history it trains one more.",
    "MainWindow.action_step_back": "Shows the previous recorded iteration. Nothing is "
        "forgotten: Step goes forward again along the same history.",
    "MainWindow.action_reset": "Goes back to iteration 0, the initial weights. The "
        "history is kept, so the timeline can still reach every iteration.",
    "MainWindow.action_micro_forward": "The next phase inside the shown iteration: a "
        "layer's sums, its activations, the error, the deltas, the update.",
    "MainWindow.action_micro_back": "The previous phase inside the shown iteration.",
    "MainWindow.action_micro_play": "Play walks through the phases of each iteration, "
        "at the pace set beside the timeline.",
    "MainWindow.action_run_to": "Trains (or moves) to the iteration you type, with a "
        "progress bar and Cancel for long runs.",
    "MainWindow.action_snapshot": "Remembers the shown iteration in the Snapshots list, "
        "to come back to it or compare two of them.",
    "MainWindow.action_open": "Opens a snapshot file. Its run is replayed from the "
        "initial weights and checked against the saved weights.",
    "MainWindow.action_save": "Saves the run at the shown iteration: data, layers, "
        "initial weights and every hand edit, enough to replay it exactly.",
    "MainWindow.action_save_as": "Saves the run at the shown iteration to a new file.",
    "MainWindow.action_export_png": "Saves the plots as a PNG picture.",
    "MainWindow.action_export_svg": "Saves the plots as an SVG drawing, sharp at any size.",
    "MainWindow.action_export_csv": "Writes loss, accuracy and outputs of every recorded "
        "iteration as a CSV table, for a spreadsheet.",
    "MainWindow.action_export_safetensors": "Writes the weights of the shown iteration as "
        ".safetensors, for PyTorch and other tools.",
    "MainWindow.action_export_script": "Writes the run to the shown iteration as a Python "
        "script that needs only numpy and prints the same weights.",
    "MainWindow.action_export_npz": "Writes the weights of the shown iteration as a numpy "
        ".npz archive.",
    "MainWindow.action_quit": "Closes Backprop Lab. Unsaved hand edits or snapshots are "
        "asked about first.",
    "MainWindow.action_log_x": "Plots iterations on a logarithmic axis, so the first "
        "iterations, where most learning happens, get room.",
    "MainWindow.action_neuron_maps": "Fills each hidden and output node with its output "
        "over the input plane (x1 across, x2 up; other data: one band per sample), in the "
        "decision map's colours. Hover a node to enlarge its map.",
    "MainWindow.action_about": "The version of Backprop Lab and what it shows.",
    "MainWindow.action_about_qt": "The version of Qt, the toolkit of the window.",
    "WindowHelp.action_whats_this": "Click this, then any control, to read what it does.",
    "WindowHelp.action_tour": "A short walk through the window's areas, with Next and Back.",
    "WindowHelp.action_shortcuts": "Lists every keyboard shortcut of the window.",
    "Presentation.action_presentation": "Full screen with large text and thick lines, for a "
        "projector. Press it again (or Esc) to go back.",
    "Presentation.action_zoom_in": "Makes all text, plot lines and diagram labels larger. "
        "Backprop Lab remembers the size.",
    "Presentation.action_zoom_out": "Makes all text, plot lines and diagram labels smaller.",
    "Presentation.action_zoom_reset": "Back to the normal size of text and lines.",
    "menu:File": "Open, save and export runs.",
    "menu:Open recent": "The snapshot files opened or saved last. A file that is gone "
        "says so, and Clear list empties the list.",
    "menu:Export": "Plots, the history and the weights in formats other tools read.",
    "menu:Training": "Play, step, Run to and snapshots.",
    "menu:View": "Show or hide panels and toolbars, presentation mode and zoom.",
    "menu:Zoom": "Larger or smaller text and lines in the whole window, remembered "
        "for the next start.",
    "menu:more": "The menus that do not fit in the menu bar.",
    "menu:Help": "The quick tour, the keyboard shortcuts, What's This and About.",
    "text:Export...": "pyqtgraph's own export of this plot (PNG, SVG, CSV of its curves).",
    "file_toolbar": "Shows or hides the toolbar with Open, Save, Take snapshot and Run to.",
    "transport_toolbar": "Shows or hides the transport bar: step and play buttons, the "
        "timeline, the pace and the learning rate.",
    "TransportBar": "Step, play, the timeline, the pace and the learning rate.",
    # ---- the transport bar ----
    "TransportBar.timeline": "Drag to show any recorded iteration; the diagram, plots "
        "and inspector follow.",
    "TransportBar.speed": "How fast Play goes, from watching each step to as fast as the "
        "computer can train.",
    "TransportBar.rate": "The learning rate \u03b7 from the shown iteration on. Changing "
        "it discards the later iterations, which are then trained again.",
    # ---- the diagram and plots ----
    "NetworkView.samples": "Which training sample's forward pass the nodes show.",
    "PlotsView.clear_button": "Removes the faint curves that earlier runs left in the "
        "plots, for comparison.",
    # ---- docks (their View-menu actions say "Shows or hides" and this) ----
    "plots_dock": "Loss, accuracy, outputs and weights over the iterations; the "
        "vertical line is the shown iteration.",
    "ArchitectureDock": "The layers, activations, loss and seed: changing any starts a "
        "new run at iteration 0.",
    "DatasetDock": "The training data: pick a built-in set, edit the table, or import a "
        "CSV file.",
    "SnapshotsDock": "Iterations you asked to remember; double-click one to go back, "
        "select two to compare.",
    "InspectorDock": "The backprop inspector: how the selected weight's gradient is "
        "computed at the shown iteration, with the numbers.",
    "PredictionDock": "The network's output for every sample, and for an input you type.",
    "LossSurfaceDock": "The loss as two weights vary and the others stay put, with the "
        "path training took.",
    "CodeDock": "The training code of this run, numpy line by line; the line of the "
        "current micro-step is lit, with its values beside it.",
    "SweepDock": "Trains many seeds and learning rates at once and shows how the final "
        "losses spread.",
    # ---- architecture ----
    "ArchitectureDock.output_activation": "The function the output units apply to their "
        "weighted sums.",
    "ArchitectureDock.add_button": "Inserts a hidden layer before the output: a new run.",
    "ArchitectureDock.loss_combo": "What training minimises: the summed squared error, "
        "binary or categorical cross-entropy.",
    "ArchitectureDock.seed_field": "The seed that draws the initial weights. The same "
        "seed gives the same run.",
    "ArchitectureDock.reroll_button": "Picks a new seed: new initial weights, a new run.",
    "ArchitectureDock.hidden_rows[][1]": "How many units this hidden layer has.",
    "ArchitectureDock.hidden_rows[][2]": "The function this hidden layer's units apply "
        "to their weighted sums.",
    "ArchitectureDock.hidden_rows[][3]": "Removes this hidden layer: a new run.",
    "RerunBox.rate": "The learning rate of a re-run from iteration 0.",
    "RerunBox.button": "Starts again from the same initial weights with the rate beside "
        "it, to compare the curves.",
    "TrainingBox.bias_switch": "Gives every layer after the input a bias, learned like a "
        "weight and drawn as a \"+1\" node: a new run.",
    "TrainingBox.optimizer_combo": "How the gradient becomes a step: plain gradient "
        "descent, momentum, Nesterov, RMSProp or Adam.",
    "TrainingBox.reduction_combo": "Whether the loss adds up the batch's rows (the "
        "tutorial's sum) or averages them.",
    "TrainingBox.fields[momentum]": "The share of the previous velocity each momentum "
        "step keeps, from 0 to below 1.",
    "TrainingBox.fields[alpha]": "How slowly RMSProp's running mean of g\u00b2 forgets, "
        "from 0 to below 1.",
    "TrainingBox.fields[beta1]": "How slowly Adam's running mean of g forgets, from 0 to "
        "below 1.",
    "TrainingBox.fields[beta2]": "How slowly Adam's running mean of g\u00b2 forgets, from 0 "
        "to below 1.",
    "TrainingBox.fields[eps]": "A small number added to the step's denominator so that it "
        "never divides by 0.",
    "TrainingBox.fields[batch_size]": "Training rows per step, reshuffled every epoch; "
        "\"all\" uses every row.",
    "TrainingBox.fields[l1]": "Adds \u03bb\u00b7\u03a3|W| to the loss, which pushes "
        "weights to exactly 0.",
    "TrainingBox.fields[l2]": "Adds (\u03bb/2)\u00b7\u03a3W\u00b2 to the loss, which "
        "shrinks large weights.",
    "TrainingBox.fields[test_fraction]": "The share of rows, chosen by the seed, held out "
        "of training to measure a test loss.",
    "GradientFlowDock.init_combo": "How the seed draws the initial weights (uniform, "
        "Xavier, He); changing it starts the run again.",
    "GradientFlowDock": "How large each layer's gradient is over the iterations, on a "
        "log axis: where learning stalls.",
    "Lessons.action_stop_when": "Pauses Play and Run to at the first iteration where a "
        "condition you type becomes true.",
    "Lessons.actions[vanishing]": "Sets up six sigmoid layers whose first layer gets "
        "about a thousandth of the last one's gradient.",
    "Lessons.actions[he_relu]": "The same deep network with He weights and ReLU units, "
        "which learns.",
    "menu:Lessons": "Ready-made runs that show one idea each, with a message saying "
        "what to look for.",
    # ---- dataset ----
    "DatasetDock.preset_combo": "A built-in dataset: the tutorial's, logic gates, or "
        "generated 2-D point clouds.",
    "DatasetDock.rule_combo": "The rule that makes the target from the three input bits.",
    "DatasetDock.points_spin": "How many points the generated dataset has.",
    "DatasetDock.noise_spin": "How far the generated points are jittered.",
    "DatasetDock.import_button": "Reads a CSV file into the table; its last columns are "
        "the targets.",
    "DatasetDock.export_button": "Writes the table to a CSV file.",
    "DatasetDock.revert_button": "Puts back the data the network is training on.",
    "DatasetDock.apply_button": "Trains a new network, from iteration 0, on the table.",
    "DecisionMap.layer_combo": "Which hidden layer's units the small maps show.",
    "DecisionMap.back_to_output": "The big map shows the unit you clicked in the "
        "diagram; this puts the network's output ŷ back in its place.",
    "text:+ Row": "Adds a row (a sample) to the table.",
    "text:\u2212 Row": "Removes the selected rows, or the last one.",
    "text:+ x": "Adds an input column: one more input unit.",
    "text:\u2212 x": "Removes the selected input column, or the last one.",
    "text:+ y": "Adds a target column: one more output unit.",
    "text:\u2212 y": "Removes the selected target column, or the last one.",
    # ---- snapshots, prediction, loss surface ----
    "SnapshotsDock.take_button": "Remembers the shown iteration in the list (Ctrl+T).",
    "SnapshotsDock.save_button": "Saves the selected snapshot to a file.",
    "PredictionDock.input_edit": "Type an input (numbers separated by commas or spaces) "
        "and press Enter to see the network's output.",
    "PredictionDock.show_button": "Shows the typed input's forward pass on the diagram.",
    "PredictionDock.clear_button": "Stops showing the typed input on the diagram.",
    "LossSurfaceDock.combo_a": "The weight along the horizontal axis of the surface.",
    "LossSurfaceDock.combo_b": "The weight along the vertical axis of the surface.",
    "LossSurfaceDock.span": "How far each axis reaches either side of the current "
        "weights; auto fits the path.",
    "LossSurfaceDock.contours": "Draws lines of equal loss while training is paused.",
    # ---- sweep ----
    "SweepDock.seeds": "The seeds to train: a range such as 0-99 or a list such as "
        "1,5,9. Each draws its own initial weights.",
    "SweepDock.rates": "The learning rates to try; every seed trains with each.",
    "SweepDock.iterations": "How many updates each run of the sweep makes.",
    "SweepDock.start_button": "Trains every seed with every learning rate, the rest as "
        "the network on screen.",
    "SweepDock.cancel_button": "Stops the sweep; the results shown before it stay.",
    "SweepDock.export_button": "Writes the sweep's results, one row per run, to a CSV file.",
    # ---- Qt's own parts ----
    "qt_dockwidget_closebutton": "Hides this panel; the View menu shows it again.",
    "qt_dockwidget_floatbutton": "Lifts this panel out into its own window, or docks it "
        "back.",
    "qt_toolbar_ext_button": "Shows the toolbar buttons that do not fit.",
    "qt_menubar_ext_button": "Shows the menus that do not fit.",
    "qt_tableview_cornerbutton": "Selects the whole table.",
    "ScrollLeftButton": "Scrolls the tabs to show the ones on the left.",
    "ScrollRightButton": "Scrolls the tabs to show the ones on the right.",
}


def plain(text):
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").strip()


def attribute_keys(root):
    """{id(control): key} for every control held in an attribute of ``root`` or of a
    QObject inside it (see the module docstring)."""
    keys = {}
    from PySide6.QtCore import QObject

    for owner in [root, *root.findChildren(QObject)]:
        try:
            attributes = vars(owner)
        except TypeError:
            continue
        _held_in(owner, attributes, keys)
        # A plain object the window or a view keeps (the window's Lessons, its
        # FileActions) may hold controls too.
        for value in attributes.values():
            if type(value).__module__.startswith("gui.") and not isinstance(value, QObject):
                _held_in(value, vars(value), keys)
    return keys


def _held_in(owner, attributes, keys):
    name = type(owner).__name__
    for attribute, value in attributes.items():
        base = f"{name}.{attribute}"
        if isinstance(value, CONTROLS):
            keys.setdefault(id(value), base)
        elif isinstance(value, (list, tuple, dict)):
            pairs = value.items() if isinstance(value, dict) else ((None, v) for v in value)
            for key, item in pairs:
                # Items of a dict with names as keys are keyed by name: fields[momentum].
                index = f"[{key}]" if isinstance(key, str) else "[]"
                if isinstance(item, CONTROLS):
                    keys.setdefault(id(item), base + index)
                elif isinstance(item, tuple):
                    for i, part in enumerate(item):
                        if isinstance(part, CONTROLS):
                            keys.setdefault(id(part), f"{base}{index}[{i}]")


def text_for(control, keys):
    """The What's This text of ``control``, or "" if the table has none."""
    if isinstance(control, QToolButton) and control.defaultAction() is not None:
        return text_for(control.defaultAction(), keys)
    if isinstance(control, QLineEdit) and isinstance(control.parent(), QAbstractSpinBox):
        return text_for(control.parent(), keys)
    if isinstance(control, QWidgetAction) and control.defaultWidget() is not None:
        return TEXTS.get(type(control.defaultWidget()).__name__, "")
    candidates = [keys.get(id(control)), control.objectName()]
    if isinstance(control, QAction):
        owner = control.parent()
        if isinstance(owner, QDockWidget) and control is owner.toggleViewAction():
            inner = TEXTS.get(owner.objectName()) or TEXTS.get(type(owner).__name__, "")
            return f"Shows or hides this panel. {inner}".strip()
        if control.menu() is not None:
            # An untitled menu is the menu bar's ">>" list of menus that do not fit.
            candidates.append("menu:" + (plain(control.menu().title()) or "more"))
        toolbar = _toolbar_of(control)
        if toolbar is not None:
            candidates.append(toolbar.objectName())
    if hasattr(control, "text"):
        candidates.append("text:" + plain(control.text()))
    for key in candidates:
        if key and TEXTS.get(key):
            return TEXTS[key]
    return ""


def _toolbar_of(action):
    from PySide6.QtWidgets import QToolBar

    owner = action.parent()
    if isinstance(owner, QToolBar) and action is owner.toggleViewAction():
        return owner
    return None


def apply_whats_this(window):
    """Give every control of ``window`` (and its docks, as built so far) its text.
    Returns the controls left without one."""
    keys = attribute_keys(window)
    missing = []
    for dock in window.findChildren(QDockWidget):
        text = TEXTS.get(dock.objectName()) or TEXTS.get(type(dock).__name__)
        if text:
            dock.setWhatsThis(text)
    for control in controls_of(window):
        text = text_for(control, keys)
        if text:
            if control.whatsThis() != text:
                control.setWhatsThis(text)
        elif not control.whatsThis():
            missing.append(control)
    return missing


def controls_of(window):
    """Every control of ``window``: buttons, spin boxes, combo boxes, line edits,
    sliders and actions (not menu separators), each once."""
    seen, found = set(), []
    for kind in CONTROLS:
        for control in [*window.findChildren(kind), *(window.actions() if kind is QAction
                                                        else ())]:
            if id(control) in seen or (isinstance(control, QAction) and control.isSeparator()):
                continue
            seen.add(id(control))
            found.append(control)
    return found

