"""Min/max downsampling keeps every peak and dip, and the pyramid kept up to date
incrementally answers exactly like one built from scratch."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gui.plots.downsample import MinMaxPyramid, ladder_downsample, minmax_downsample, simplify


def envelope_by_hand(y, n_buckets):
    """min and max of each of n_buckets equal spans, the slow obvious way."""
    size = -(-len(y) // n_buckets)
    return [(np.min(y[i:i + size]), np.max(y[i:i + size])) for i in range(0, len(y), size)]


def test_short_series_are_returned_whole():
    y = np.array([3.0, 1.0, 4.0, 1.0, 5.0])
    x, v = minmax_downsample(y, 10)
    assert x.tolist() == [0, 1, 2, 3, 4]
    assert v.tolist() == y.tolist()


def test_each_bucket_keeps_its_min_and_max_in_order():
    y = np.array([0, 5, -2, 1, 1, 9, 3, -7, 2, 2, 2, 2], dtype=float)
    x, v = minmax_downsample(y, 3)  # buckets of 4 samples
    # bucket 0: max 5 at 1, then min -2 at 2; bucket 1: max 9 at 5, min -7 at 7;
    # bucket 2: all 2, min and max are the first sample, given once; and the
    # first and last samples, so the curve spans the whole series
    assert x.tolist() == [0, 1, 2, 5, 7, 8, 11]
    assert v.tolist() == [0, 5, -2, 9, -7, 2, 2]


def test_a_single_spike_in_a_million_survives():
    y = np.zeros(1_000_000)
    y[654_321] = 42.0
    y[123] = -3.0
    x, v = minmax_downsample(y, 800)
    assert len(x) <= 1600
    assert 654_321 in x.tolist() and 42.0 in v.tolist()
    assert v.min() == -3.0


def test_non_finite_samples_are_skipped_never_drawn():
    y = np.arange(100, dtype=float)
    y[10], y[20], y[30] = np.nan, np.inf, -np.inf
    for x, v in (minmax_downsample(y, 5), minmax_downsample(y, 500)):
        assert np.isfinite(v).all()
        assert not {10, 20, 30} & set(x.tolist())
        assert v.max() == 99 and v.min() == 0
    x, v = minmax_downsample(np.full(50, np.nan), 5)
    assert len(x) == 0


def test_pyramid_reads_little_for_a_long_history():
    rng = np.random.default_rng(3)
    y = np.cumsum(rng.normal(size=1_000_000))
    pyramid = MinMaxPyramid()
    for end in range(0, len(y) + 1, 100_000):  # grows as training would
        pyramid.update(y[:end])
    pyramid.update(y)
    x, v = pyramid.query(0, len(y), 800)
    assert len(x) <= 2 * 800
    assert v.max() == y.max() and v.min() == y.min()
    assert np.array_equal(y[x], v)
    assert np.all(np.diff(x) > 0)


def test_pyramid_follows_a_history_cut_short_and_rewritten():
    y = np.sin(np.arange(10_000) / 50.0)
    pyramid = MinMaxPyramid()
    pyramid.update(y)
    z = y[:6_000].copy()
    z[5_000:] = 3.0  # an edit at 5000 discarded the future and changed what followed
    pyramid.update(z, changed_from=5_000)
    x, v = pyramid.query(0, len(z), 100)
    assert v.max() == 3.0
    assert x.max() < 6_000
    assert np.array_equal(z[x], v)


@st.composite
def histories(draw):
    """A series and the sequence of (length, first changed index) updates it went
    through: growth, truncation and rewriting, with NaN and inf sprinkled in."""
    n = draw(st.integers(1, 3000))
    values = draw(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=8, max_size=8))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    y = rng.choice(values, size=n) + rng.normal(size=n)
    if draw(st.booleans()):
        y[rng.integers(0, n, size=3)] = draw(st.sampled_from([np.nan, np.inf, -np.inf]))
    steps = draw(st.lists(st.tuples(st.integers(0, n), st.integers(0, n)), max_size=6))
    return y, steps


@settings(max_examples=60, deadline=None)
@given(histories(), st.integers(1, 300), st.data())
def test_pyramid_envelope_matches_the_data(history, n_buckets, data):
    y, steps = history
    pyramid = MinMaxPyramid(factor=4)
    current = y[:0]
    for length, changed in steps + [(len(y), len(y))]:
        current = y[:length].copy()
        pyramid.update(current, min(changed, length))
    fresh = MinMaxPyramid(factor=4)
    fresh.update(current)
    start = data.draw(st.integers(0, len(current)))
    stop = data.draw(st.integers(start, len(current)))
    x, v = pyramid.query(start, stop, n_buckets)
    x_fresh, v_fresh = fresh.query(start, stop, n_buckets)
    # incremental upkeep answers exactly like a pyramid built at once
    assert np.array_equal(x, x_fresh) and np.array_equal(v, v_fresh)
    # every point is a real, finite sample, in order
    assert np.all(np.isfinite(v))
    assert np.array_equal(current[x], v)
    assert np.all(np.diff(x) > 0)
    span = current[start:stop]
    finite = span[np.isfinite(span)]
    if len(finite):
        # the envelope is kept: nothing inside the span is higher or lower than shown
        assert v.max() >= finite.max() and v.min() <= finite.min()
        assert len(x) <= max(2 * n_buckets, 1) + 2
    if start == 0 and stop == len(current) and len(finite):
        assert v.max() == finite.max() and v.min() == finite.min()
    # the curve reaches both ends of the span (where those samples are finite)
    for end in {start, stop - 1} if stop > start else ():
        if np.isfinite(current[end]):
            assert end in x


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-1e9, 1e9), min_size=1, max_size=400), st.integers(1, 50))
def test_minmax_downsample_equals_bucket_extremes(values, n_buckets):
    y = np.array(values)
    x, v = minmax_downsample(y, n_buckets)
    if len(y) <= 2 * n_buckets:
        assert v.tolist() == values
        return
    # each bucket's min and max appear, and the two ends, and nothing else
    expected = {value for pair in envelope_by_hand(y, n_buckets) for value in pair}
    expected = sorted(expected | {values[0], values[-1]})
    assert sorted(set(v.tolist())) == expected
    assert np.array_equal(y[x], v)


class Rows:
    """A lazy (n, k) source: rows come only through slices, and are counted."""

    def __init__(self, values):
        self.values, self.read = values, 0

    def __len__(self):
        return len(self.values)

    def __getitem__(self, index):
        rows = self.values[index]
        self.read += len(rows)
        return rows


@settings(max_examples=30, deadline=None)
@given(histories(), st.integers(1, 300), st.data())
def test_a_pyramid_of_columns_answers_like_one_pyramid_per_column(history, n_buckets, data):
    y, steps = history
    table = np.stack([y, -2.0 * y, np.roll(y, 7)], axis=1)
    together = MinMaxPyramid(factor=4)
    apart = [MinMaxPyramid(factor=4) for _ in range(3)]
    for length, changed in steps + [(len(y), len(y))]:
        changed = min(changed, length)
        together.update(Rows(table[:length]), changed)
        for c, pyramid in enumerate(apart):
            pyramid.update(table[:length, c], changed)
    start = data.draw(st.integers(0, len(y)))
    stop = data.draw(st.integers(start, len(y)))
    for (x, v), pyramid in zip(together.query(start, stop, n_buckets), apart, strict=True):
        x_one, v_one = pyramid.query(start, stop, n_buckets)
        assert np.array_equal(x, x_one) and np.array_equal(v, v_one)


def test_a_pyramid_reads_only_the_rows_that_changed():
    values = np.cumsum(np.ones((100_000, 2)), axis=0)
    pyramid = MinMaxPyramid()
    pyramid.update(Rows(values))
    rows = Rows(np.vstack([values, [[5.0, -5.0]]]))  # one more iteration
    pyramid.update(rows, changed_from=100_000)
    (x0, v0), (x1, v1) = pyramid.query(0, 100_001, 300)
    assert rows.read <= 8 + 2  # the new row's block, then the two ends of the query
    assert v0.max() == 100_000 and v1.min() == -5.0 and x1[-1] == 100_000


@settings(max_examples=80, deadline=None)
@given(st.integers(2, 400), st.sampled_from([0.05, 0.3, 2.0]), st.integers(0, 2**32 - 1))
def test_simplify_keeps_every_point_within_the_tolerance(n, tolerance, seed):
    rng = np.random.default_rng(seed)
    x = np.cumsum(rng.random(n) + 0.01)
    y = np.cumsum(rng.normal(size=n)) * rng.choice([0.01, 0.1, 1.0, 10.0])
    fixed = rng.integers(0, n, size=3)
    keep = simplify(x, y, tolerance, fixed)
    assert keep[0] == 0 and keep[-1] == n - 1 and np.all(np.diff(keep) > 0)
    assert set(fixed.tolist()) <= set(keep.tolist())
    assert np.abs(np.interp(x, x[keep], y[keep]) - y).max() <= tolerance * (1 + 1e-9)


def test_simplify_drops_the_points_a_straight_stretch_does_not_need():
    x = np.arange(1000.0)
    y = np.where(x < 500, x * 0.3, 150.0)  # a ramp, then flat
    keep = simplify(x, y, 0.05)
    assert keep.tolist() == [0, 500, 999]


def test_a_ladder_keeps_every_prefix_in_detail_and_every_peak():
    rng = np.random.default_rng(3)
    n, buckets = 1_000_001, 100
    y = np.cumsum(rng.normal(size=n))
    y[654_321] = 1e6  # a spike far along
    y[7] = np.nan  # skipped, as everywhere
    x, v = ladder_downsample(y, buckets)
    assert np.all(np.diff(x) > 0) and np.array_equal(v, y[x])
    assert x[0] == 0 and x[-1] == n - 1 and 654_321 in x and 7 not in x
    assert np.array_equal(x[:2 * buckets - 1], np.delete(np.arange(2 * buckets), 7))
    assert len(x) <= 2 * buckets * (np.log2(n / (2 * buckets)) + 3)
    for stop in (2 * buckets, 5_000, 123_456, n):  # any prefix, in about buckets buckets
        assert np.count_nonzero(x < stop) >= buckets
    for stop in (2 * buckets, 32 * buckets, 1024 * buckets, n):  # at the rungs: exact
        assert v[x < stop].max() == np.nanmax(y[:stop])
        assert v[x < stop].min() == np.nanmin(y[:stop])
    short = np.arange(150.0)
    assert np.array_equal(ladder_downsample(short, buckets)[0], np.arange(150))
    assert len(ladder_downsample(np.empty(0), buckets)[0]) == 0
