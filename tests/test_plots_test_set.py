"""The plots of a run beyond the tutorial: held-out rows give a dashed "test" line
beside the training accuracy and loss, an L1/L2 penalty a line of its own; a
tutorial-style run shows none of them."""

import numpy as np
import pytest
from PySide6.QtCore import QPointF

from gui.plots.plot_series import ACCURACY, LOSS, PENALTY, TEST_ACCURACY, TEST_LOSS, CurveKey
from gui.plots.plots_view import PlotsView
from gui.plots.run_curves import PENALTY_COLOR, TEST_COLOR
from nncore import TrainingOptions
from nncore.datasets import three_class
from tests.test_plots_view import assert_drawn


@pytest.fixture
def view(make_view):
    return make_view(PlotsView, size=(600, 800))


def three_class_run(session, **options):
    X, Y = three_class(90, 0.1, seed=0, kind="blobs")
    session.new_run(dataset_name="three blobs", X=X, Y=Y, layer_sizes=[3, 4, 3],
                    activations=["tanh", "softmax"], loss="ce", learning_rate=0.05,
                    seed=2, options=TrainingOptions(**options))


def test_test_curves_are_the_held_out_history(view, train):
    session = view.session
    three_class_run(session, bias=True, optimizer="adam", batch_size=10,
                    test_fraction=0.2)
    train(session, 300)
    view.refresh()
    run = session.run
    every = np.arange(301)
    assert_drawn(view, TEST_LOSS, every, run.test_losses)
    assert_drawn(view, TEST_ACCURACY, every, run.test_accuracies)
    assert_drawn(view, LOSS, every, run.losses)
    assert not np.array_equal(run.test_losses, run.losses)  # two different lines
    for key in (TEST_LOSS, TEST_ACCURACY):
        pen = view.curves[key].pen
        assert view.curves[key].dashed and pen.color() == TEST_COLOR
    assert not view.curves[LOSS].dashed
    assert PENALTY not in view.curves  # no L1/L2
    assert view.keys["loss"] == ["training", "test"]
    assert view.keys["accuracy"] == ["training", "test"]
    # Summed over 72 and 18 rows, the two losses' heights do not compare: the key says so.
    assert "sums over 72 training and 18 test rows" in view.plot_items["loss"].titleLabel.text
    # The test loss is in view: the loss axis reaches its highest value.
    (_, _), (y0, y1) = view.plot_items["loss"].vb.viewRange()
    assert y0 <= run.test_losses.min() and run.test_losses.max() <= y1


def test_the_penalty_is_a_line_of_its_own(view, train):
    session = view.session
    three_class_run(session, l2=0.01, l1=0.001)
    train(session, 200)
    view.refresh()
    run = session.run
    assert_drawn(view, PENALTY, np.arange(201), run.penalties)
    assert view.curves[PENALTY].pen.color() == PENALTY_COLOR
    assert view.keys["loss"] == ["training", "penalty (L1/L2)"]
    assert view.keys["accuracy"] == []  # the penalty is not an accuracy
    assert TEST_LOSS not in view.curves


def test_scrubbing_back_keeps_the_lines_and_an_edit_redraws_them(view, train):
    session = view.session
    three_class_run(session, test_fraction=0.3, batch_size=7, reduction="mean")
    assert "sums over" not in view.plot_items["loss"].titleLabel.text  # means compare
    train(session, 120)
    view.refresh()
    session.cursor.seek(40)
    session.cursor.set_learning_rate(0.5)  # the iterations after 40 go
    train(session, 10)
    view.refresh()
    run = session.run
    assert run.newest == 50
    assert_drawn(view, TEST_LOSS, np.arange(51), run.test_losses)


def test_a_tutorial_run_shows_nothing_new(view, train):
    train(view.session, 50)
    view.refresh()
    assert set(view.curves) >= {ACCURACY, LOSS}
    assert not {TEST_LOSS, TEST_ACCURACY, PENALTY} & set(view.curves)
    assert view.keys["loss"] == [] and view.keys["accuracy"] == []


def test_a_long_run_is_downsampled(view, train):
    session = view.session
    three_class_run(session, test_fraction=0.2, batch_size=10)
    train(session, 20_000)
    view.refresh()
    x, y = view.curves[TEST_LOSS].getData()
    values = session.run.test_losses
    assert len(x) < 2 * view.plot_items["loss"].vb.width() + 200
    # Recorded values at their iterations, from the first to the last, reaching the
    # lowest and the highest to within a pixel (min/max downsampling keeps extremes).
    assert np.array_equal(y, values[x.astype(int)])
    assert x[0] == 0 and x[-1] == 20_000
    vb = view.plot_items["loss"].vb
    pixel = (vb.viewRange()[1][1] - vb.viewRange()[1][0]) / vb.height()
    assert abs(y.min() - values.min()) < pixel and y.max() == values.max()


def test_three_outputs_get_a_line_each_per_sample(view, train):
    session = view.session
    three_class_run(session, bias=True)
    train(session, 40)
    view.refresh()
    run = session.run
    for o in range(3):
        assert_drawn(view, CurveKey.output_line(0, o), np.arange(41), run.outputs[:, 0, o])
    assert len([k for k in view.curves if k.plot == "outputs"]) == 8 * 3
    assert view.keys["outputs"] == ["target y"]  # 24 lines: the colours speak alone


def test_each_line_is_painted_where_its_values_map_to(view, train):
    """The window's pixels: the solid training loss and the dashed test loss are
    stroked through the points their values map to (solid lines are stroked in
    device pixels, dashed ones through the view's transform: both must land there)."""
    session = view.session
    three_class_run(session, bias=True, test_fraction=0.2)
    train(session, 200)
    view.refresh()
    image = view.graphics.grab().toImage()
    vb = view.plot_items["loss"].vb
    def pixel_of(x, y):
        return view.graphics.mapFromScene(vb.mapToScene(vb.mapFromView(QPointF(x, y))))

    for key in (LOSS, TEST_LOSS):
        curve = view.curves[key]
        x, y = curve.getData()
        points = range(1, len(x) - 1, max(1, len(x) // 12))
        on_line = 0
        for i in points:
            at = pixel_of(x[i], y[i])
            near = {image.pixelColor(at.x() + dx, at.y() + dy).rgb()
                    for dx in range(-2, 3) for dy in range(-2, 3)}
            on_line += curve.pen.color().rgb() in near
        assert on_line >= 0.8 * len(points), key  # a dash's gap may fall on a point
    # and nowhere near a point the line does not pass: the view's top left corner
    corner = view.graphics.mapFromScene(vb.mapToScene(vb.rect().topLeft()))
    assert image.pixelColor(corner.x() + 3, corner.y() + 3).rgb() != (
        view.curves[LOSS].pen.color().rgb())
