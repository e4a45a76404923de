"""The live lines of the plots for the run shown, by ``CurveKey``.

Accuracy and loss are one line each, for every run; a run with held-out rows adds
a dashed, lighter line of each on those rows ("test"), and a run with an L1/L2
penalty draws the penalty on the loss plot (the loss line stays the data loss).
The outputs plot has a line
per sample and output unit (the first MAX_OUTPUT_SAMPLES samples), with the
targets as dashed lines; the weights plot a line per weight, or per layer (the
norm of its weights) when there are more than MAX_WEIGHT_LINES weights. Each
line's values come from a ``Series`` (gui/plots/plot_series.py), and its key
entry goes above its plot.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt

from gui.common import palette
from gui.common.names import edge_name, vector_text
from gui.plots.plot_series import (
    ACCURACY,
    LOSS,
    PENALTY,
    TEST_ACCURACY,
    TEST_LOSS,
    CurveKey,
    LayerNorms,
    Series,
)

MAX_WEIGHT_LINES = 32  # above this, one line per layer: the norm of its weights
MAX_OUTPUT_SAMPLES = 8  # above this, only the first samples' outputs are drawn
MAX_KEY_ENTRIES = 8  # a longer key would hide the plot; colours then speak alone
TEST_COLOR = palette.categorical(4)  # sky blue: the training lines' blue, lighter
PENALTY_COLOR = palette.categorical(5)  # vermillion


class RunCurves:
    """``curves``: CurveKey -> Curve (gui/plots/plot_curves.py); ``series``: the
    Series feeding them; ``targets``: y of the dashed target lines. ``plot_items``
    and ``layers``: plot name -> its PlotPanel and its CurveLayer; ``keys``: the
    PlotKeys above the plots."""

    def __init__(self, plot_items, layers, keys):
        self.plot_items, self.layers, self.keys = plot_items, layers, keys
        self.curves = {}
        self.series = []
        self.targets = []
        self._n_out = 1
        self.notes = {}  # plot name -> a note for its key (how the test loss compares)
        for key in (ACCURACY, LOSS):
            self._add(key, palette.categorical(0), width=2.5)

    def _add(self, key, color, width=1.5, tip="", dashed=False):
        """A line for ``key``; ``tip`` names it on hover, for when there are too many
        lines for the key."""
        pen = pg.mkPen(color, width=width)
        if dashed:
            pen.setStyle(Qt.DashLine)
        self.curves[key] = self.layers[key.plot].add(pen, tip)

    def rebuild(self, run, sample):
        """The lines of ``run``, the line of sample ``sample``'s outputs emphasised."""
        for key in [k for k in self.curves if k not in (ACCURACY, LOSS)]:
            curve = self.curves.pop(key)
            curve.layer.remove(curve)
        self.series = [Series([ACCURACY], lambda r, _: r.accuracies),
                       Series([LOSS], lambda r, _: r.losses)]
        self._build_scores(run)
        self._build_outputs(run)
        self._build_weights(run)
        self.emphasise(sample)

    def _build_scores(self, run):
        """The test and penalty lines of ``run``, if it has them."""
        self.notes = {}
        if run.test_losses is not None and run.options.reduction == "sum":
            # Sums over different numbers of rows: the lines' heights do not compare.
            self.notes["loss"] = (f"sums over {len(run.train_rows)} training and "
                                  f"{len(run.test_rows)} test rows")
        if run.test_losses is not None:
            for key, values in ((TEST_ACCURACY, lambda r, _: r.test_accuracies),
                                (TEST_LOSS, lambda r, _: r.test_losses)):
                self._add(key, TEST_COLOR, width=2.5, dashed=True,
                          tip=f"test {key.plot}: on the {len(run.test_rows)} held-out rows")
                self.series.append(Series([key], values))
        if run.penalties is not None:
            self._add(PENALTY, PENALTY_COLOR, width=2,
                      tip="penalty: λ₁·Σ|W| + λ₂/2·ΣW², not part of the loss line")
            self.series.append(Series([PENALTY], lambda r, _: r.penalties))

    def key_entries(self, plot, live_label):
        """The key of the accuracy or loss plot's own lines: the main line as
        ``live_label``, then "test" and "penalty" when the run has them; empty when
        the main line is alone (it then needs no key)."""
        extra = [key for key in (TEST_ACCURACY, TEST_LOSS, PENALTY)
                 if key.plot == plot and key in self.curves]
        if not extra:
            return []
        entries = [(palette.categorical(0), live_label)]
        for key in extra:
            entries.append((TEST_COLOR, "test", True) if key.label == "test"
                           else (PENALTY_COLOR, "penalty (L1/L2)"))
        return entries

    def _build_outputs(self, run):
        n_samples, n_out = run.Y.shape
        self._n_out = n_out
        shown = min(n_samples, MAX_OUTPUT_SAMPLES)
        entries, targets, keys = [], [], []
        for s in range(shown):
            for o in range(n_out):
                color = palette.categorical(s * n_out + o)
                key = CurveKey.output_line(s, o)
                label = "x = " + vector_text(run.X[s]) + (f" ŷ{o + 1}" if n_out > 1 else "")
                self._add(key, color, tip=f"output for {label}")
                entries.append((color, label))
                keys.append(key)
                pen = pg.mkPen(color, width=1.2)
                pen.setStyle(Qt.DashLine)
                targets.append((float(run.Y[s, o]), pen))
        # Column s * n_out + o of the outputs, as rows, is output o of sample s.
        self.series.append(Series(keys, lambda r, _: r.outputs.reshape(len(r.outputs), -1)
                                  [:, :len(keys)]))
        self.layers["outputs"].set_hlines(targets)
        self.targets = [y for y, _ in targets]
        if len(entries) > MAX_KEY_ENTRIES:
            entries = []
        entries.append((palette.FAINT_INK, "target y", True))
        note = f"first {shown} of {n_samples} samples" if shown < n_samples else ""
        self.keys.set("outputs", entries, note)

    def _build_weights(self, run):
        sizes = run.layer_sizes
        if run.n_params <= MAX_WEIGHT_LINES:
            edges = [(layer, i, j) for layer in range(len(sizes) - 1)
                     for i in range(sizes[layer]) for j in range(sizes[layer + 1])]
            labels = [edge_name(sizes, e) for e in edges]

            def values(r, _):
                return r.saved_rows()
            title = "weights w"
            note = "" if len(labels) <= MAX_KEY_ENTRIES else f"all {len(labels)} weights"
        else:
            labels = [f"‖W{layer + 1}‖" for layer in range(len(sizes) - 1)]
            norms = LayerNorms()

            def values(r, changed_from):
                return norms.update(r, r.saved_rows(), changed_from)
            title = "‖W‖ per layer"
            note = "root sum of squares of each layer's weights"
        self.plot_items["weights"].setLabel("left", title)
        entries = []
        for c, label in enumerate(labels):
            self._add(CurveKey.weight_line(label), palette.categorical(c), tip=label)
            entries.append((palette.categorical(c), label))
        self.series.append(Series([CurveKey.weight_line(label) for label in labels], values,
                                  run.stride))
        self.keys.set("weights", entries if len(entries) <= MAX_KEY_ENTRIES else [], note)

    def emphasise(self, sample):
        """Draw sample ``sample``'s output lines thicker than the others."""
        for key, curve in self.curves.items():
            if key.plot == "outputs":
                color = palette.categorical(key.sample * self._n_out + key.output)
                curve.setPen(pg.mkPen(color, width=3 if key.sample == sample else 1.5))
