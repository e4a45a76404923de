"""The plots' parts that need no window: the iteration axis, curve keys, ranges for
extreme values, ghost labels and the keys' layout."""

import dataclasses
import math

import numpy as np
import pytest
from PySide6.QtGui import QColor, QFont, QFontMetricsF

from gui.plots.iteration_axis import IterationAxis
from gui.plots.plot_ghosts import differences, number_text, short_name
from gui.plots.plot_keys import MAX_KEY_LINES, layout_key
from gui.plots.plot_ranges import MAX_SHOWN, HeldRanges, Spans, shown_bounds
from gui.plots.plot_series import ACCURACY, LOSS, CurveKey
from gui.session import RunConfig


def test_the_linear_axis_draws_iteration_k_at_k():
    axis = IterationAxis()
    assert axis.to_view(7) == 7.0 and axis.from_view(7.4) == 7.4
    assert axis.label == "iteration" and axis.left == -0.5
    assert axis.limits() == {"xMin": -0.5, "minXRange": 10.0}
    assert axis.span((-0.5, 10.0), 1001) == (0, 11)
    assert axis.span((250.2, 300.7), 1001) == (250, 302)
    assert axis.span((-0.5, 1e300), 1001) == (0, 1001)  # clipped to the history
    assert axis.span((-0.5, 600.0), math.inf) == (0, 601)


def test_the_log_axis_draws_iteration_k_at_k_plus_1():
    axis = IterationAxis(log=True)
    assert np.allclose(axis.to_view([0, 9, 99]), [0, 1, 2])
    assert axis.from_view(2.0) == pytest.approx(99)
    assert axis.from_view(400.0) == 1e15 - 1  # panned far right: no overflow
    assert axis.label == "iteration + 1 (log scale)" and axis.left == -0.05
    assert axis.limits() == {"xMin": -0.05, "minXRange": 1.0}  # a decade
    assert axis.span((-0.05, 3.0), 10**6) == (0, 1000)  # x = 3 is iteration 999


def test_curve_keys_name_their_plot_sample_output_and_weight():
    key = CurveKey.output_line(2, 1)
    assert (key.plot, key.sample, key.output) == ("outputs", 2, 1)
    assert key == CurveKey.output_line(2, 1) and key != CurveKey.output_line(1, 2)
    assert CurveKey.weight_line("x1 → ŷ").label == "x1 → ŷ"
    assert {ACCURACY: 1, LOSS: 2}[CurveKey("loss")] == 2
    with pytest.raises(dataclasses.FrozenInstanceError):
        key.sample = 3


def test_spans_and_ranges_stay_finite_for_any_finite_data():
    spans = Spans()
    spans.widen("loss", np.array([0.5, 2.0]))
    spans.widen("loss", [])
    spans.widen("outputs", np.array([-1e308, 1e308]))
    assert spans.of == {"loss": (0.5, 2.0), "outputs": (-1e308, 1e308)}
    assert shown_bounds(-1e308, 1e308) == (-MAX_SHOWN, MAX_SHOWN)
    assert shown_bounds(1e-308, 2e-308) == (1e-308, 2e-308)

    class View:  # the part of a pyqtgraph ViewBox that HeldRanges uses
        def __init__(self):
            self.y = [0.0, 1.0]

        def disableAutoRange(self):
            pass

        def setYRange(self, low, high, padding):
            assert math.isfinite(low) and math.isfinite(high) and padding == 0
            self.y = [low, high]

        def viewRange(self):
            return [[0.0, 1.0], self.y]

    class Plot:
        vb = View()

    ranges = HeldRanges({"outputs": Plot()}, "outputs")
    ranges.fit_y(spans)
    low, high = Plot.vb.y
    assert -1e307 < low < -MAX_SHOWN and MAX_SHOWN < high < 1e307
    for tiny in ((1e-308, 1e-308), (5e-324, 5e-324), (-1e-300, 1e-300)):
        ranges.reset()
        spans.of["outputs"] = tiny
        ranges.fit_y(spans)
        low, high = Plot.vb.y
        assert low < tiny[0] <= tiny[1] < high and high - low < 1e-8


def test_a_file_that_spells_out_the_defaults_has_the_same_settings():
    tutorial = RunConfig()
    reopened = RunConfig("file", tutorial.X.copy(), tutorial.Y.copy(), [3, 1], ["sigmoid"])
    assert differences(tutorial, reopened) == []  # other name, same data
    deeper = RunConfig(layer_sizes=[3, 4, 1], activations=["sigmoid", "sigmoid"])
    assert differences(deeper, tutorial) == [("layers", "layers 3-4-1")]
    tanh = RunConfig(layer_sizes=[3, 4, 1], activations=["tanh", "sigmoid"])
    assert differences(tanh, deeper) == [("activations", "activations tanh/sigmoid")]
    assert differences(deeper, tanh) == [("activations", "activations sigmoid")]


def test_numbers_and_names_in_labels_stay_apart():
    assert number_text(1.0) == "1" and number_text(0.5) == "0.5"
    assert number_text(1e-7) == "1e-07"
    assert number_text(1.0000001) == "1.0000001"  # ":g" reads 1
    assert number_text(0.1 + 0.2) == "0.30000000000000004"
    assert short_name("xor.csv") == "xor.csv"
    name = short_name("measurements_from_the_second_laboratory_session.csv")
    assert len(name) == 24 and name.startswith("measurement") and name.endswith("session.csv")


def metrics(points=8):
    font = QFont()
    font.setPointSizeF(points)
    return QFontMetricsF(font)


def lines_of(html):
    return html.split("<br>")


def test_a_key_keeps_short_labels_whole_and_elides_long_ones_to_fit(qtbot):
    color = QColor("#0072B2")
    short = [(color, "x = [0 0 1]"), (color, "x = [1 1 1]"), (color, "target y", True)]
    html, elided = layout_key(short, "", 500, 8)
    assert not elided and len(lines_of(html)) == 1
    assert all(label in html for _, label, *_ in short)
    long_label = "this run: dataset measurements_from_the_second_lab.csv, layers 3-5-4-1, " * 3
    entries = [(color, long_label)] + [(color, f"η = {i / 10:g}, seed {i}") for i in range(5)]
    html, elided = layout_key(entries, "a note", 300, 8)
    assert elided and 1 < len(lines_of(html)) <= MAX_KEY_LINES
    gap = metrics().horizontalAdvance("    ")
    for line in lines_of(html):  # no line is wider than the room
        texts = [part.split("&nbsp;", 1)[-1] for part in line.split("&nbsp;&nbsp;&nbsp; ")]
        widths = [metrics().horizontalAdvance("━━ " + t.replace("<i>", "").replace("</i>", ""))
                  for t in texts]
        assert sum(widths) + gap * (len(widths) - 1) <= 300 + 1
    assert "…" in html
    many = [(color, f"a rather long label number {i} of a key") for i in range(9)]
    html, elided = layout_key(many, "", 300, 8)
    assert len(lines_of(html)) <= MAX_KEY_LINES and elided  # eliding shares the lines
