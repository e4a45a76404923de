"""PlaneAxis: finite ranges, ticks and labels for data of any finite size, and the
data's own units (bit for bit what the plain formulas give) where pyqtgraph copes."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gui.common.plane import FLOAT_MAX, FRAME, PlaneAxis, padded

finite = st.floats(allow_nan=False, allow_infinity=False)


def test_ordinary_data_keeps_its_units_and_the_plain_formulas_bits():
    values = np.array([-1.0, 0.25, 1.0])
    axis = PlaneAxis.around(values, 0.15, 64)
    lo, hi = values.min() - 0.15 * 2.0, values.max() + 0.15 * 2.0  # the old formulas
    step = (hi - lo) / 64
    assert axis.tame and axis.ticks() is None and axis.title("x1") == "x1"
    np.testing.assert_array_equal(axis.centres, lo + step * (np.arange(64) + 0.5))
    np.testing.assert_array_equal(axis.to_view(values), values)
    assert axis.view_extent == (axis.centres[0] - step / 2, 64 * step)


@pytest.mark.parametrize("lo, hi, labels, title", [
    (-1e308, 1e308, ["-1e+308", "0", "1e+308"], "x1"),
    (-FLOAT_MAX, FLOAT_MAX, ["-1e+308", "0", "1e+308"], "x1"),
    (0.0, 1e-320, ["0", "5e-321", "1e-320"], "x1"),
    (1e6, 1e6 + 1e-6, ["0", "5e-07", "1e-06"], "x1 − 1000000"),
    (1e300, 1e300, ["-4e+285", "-2e+285", "0", "2e+285", "4e+285"], "x1 − 1e+300"),
])
def test_extreme_spans_get_a_frame_of_their_own_and_readable_ticks(lo, hi, labels, title):
    axis = PlaneAxis(*padded(lo, hi, 0.15), 64)
    assert not axis.tame
    assert np.isfinite(axis.centres).all() and (np.diff(axis.centres) >= 0).all()
    assert axis.view_range == (0.0, FRAME)
    ticks = axis.ticks()[0]
    assert [label for _, label in ticks] == labels
    assert all(0 <= position <= FRAME for position, _ in ticks)
    assert axis.title("x1") == title
    # The data's ends land inside the frame, in order.
    ends = axis.to_view([lo, hi])
    assert 0 <= ends[0] <= ends[1] <= FRAME


@settings(max_examples=300, deadline=None)
@given(finite, finite, st.sampled_from([0.0, 0.15, 0.25]))
def test_any_finite_pair_gives_a_finite_frame_with_distinct_ticks(a, b, fraction):
    lo, hi = padded(min(a, b), max(a, b), fraction)
    assert math.isfinite(lo) and math.isfinite(hi) and lo < hi
    axis = PlaneAxis(lo, hi, 32)
    assert np.isfinite(axis.centres).all()
    start, end = axis.view_range
    assert math.isfinite(start) and math.isfinite(end) and start < end
    assert np.isfinite(axis.to_view([a, b])).all()
    ticks = axis.ticks()
    if ticks is not None:
        labels = [label for _, label in ticks[0]]
        assert len(labels) >= 2 and len(set(labels)) == len(labels)
        assert all(len(label) <= 10 for label in labels)  # -1.5e+308, 1.795e+308
    for view in np.linspace(start, end, 7)[:-1]:
        assert 0 <= axis.cell_at(view) < 32


def test_padding_never_overflows_and_widens_a_point_to_a_few_units_in_the_last_place():
    assert padded(-FLOAT_MAX, FLOAT_MAX, 0.25) == (-FLOAT_MAX, FLOAT_MAX)
    lo, hi = padded(1e300, 1e300, 0.1, 0.5)  # 0.5 is nothing next to 1e300
    assert lo < 1e300 < hi and (hi - lo) / math.ulp(1e300) == pytest.approx(64, abs=2)
    assert padded(0.0, 1.0, 0.0, 2.0) == (-2.0, 3.0)
