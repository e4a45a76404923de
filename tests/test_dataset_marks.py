"""The dataset dock beyond the tutorial: the three-class presets set the output they
need; the table and the decision map mark the held-out rows and the shown
iteration's mini-batch; the map colours several classes by the one picked."""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from gui.common import palette
from gui.docks.dataset.dataset_dock import DatasetDock
from gui.docks.dataset.dataset_table import BATCH_CELL, BATCH_MARK, HELD_OUT_INK, TEST_MARK
from gui.docks.dataset.map_colours import CLASS_COLOURS, REGION_FADE, WHITE
from gui.docks.dataset.map_points import RING
from nncore import TrainingOptions
from nncore.datasets import three_class
from nncore.network import forward


@pytest.fixture
def dock(make_view):
    return make_view(DatasetDock, size=(420, 900))


def choose(dock, name):
    dock.preset_combo.setCurrentIndex(dock.preset_combo.findData(name))


def messages(session):
    said = []
    session.sigMessage.connect(said.append)
    return said


def test_a_three_class_preset_sets_a_softmax_output_and_says_so(dock):
    session = dock.session
    session.new_run(layer_sizes=[3, 5, 1], activations=["tanh", "sigmoid"])
    said = messages(session)
    choose(dock, "3-class spiral")
    run = session.run
    assert run.layer_sizes == [3, 5, 3]  # the hidden layer stays
    assert run.activations == ["tanh", "softmax"] and run.loss == "ce"
    X, Y = three_class(dock.points_spin.value(), 0.0, 0, "spiral")
    np.testing.assert_array_equal(run.X, X)
    np.testing.assert_array_equal(run.Y, Y)
    assert said == ["Set the output layer to softmax and the loss to ce with 3 outputs "
                    "for three one-hot classes."]
    assert session.cursor.config.dataset_name == "3-class spiral: 200 points, noise 0"
    assert dock.points_spin.isVisible() and dock.noise_spin.isVisible()
    dock.noise_spin.setValue(0.25)  # an option makes new points, same network
    assert session.run.activations == ["tanh", "softmax"] and len(said) == 1
    assert session.cursor.config.dataset_name == "3-class spiral: 200 points, noise 0.25"
    choose(dock, "xor")  # back to one output: sigmoid and sse again
    assert session.run.activations == ["tanh", "sigmoid"] and session.run.loss == "sse"
    assert said[-1] == ("Set the output layer to sigmoid and the loss to sse with 1 output "
                        "for data that is not one-hot classes.")
    # The name of a three-class run shows its preset again (e.g. opened from a file).
    session.new_run(dataset_name="3-class blobs: 90 points, noise 0.5",
                    X=three_class(90, 0.5, 0, "blobs")[0], Y=three_class(90, 0.5, 0, "blobs")[1],
                    layer_sizes=[3, 3], activations=["softmax"], loss="ce")
    assert dock.preset_combo.currentData() == "3-class blobs"
    assert dock.points_spin.value() == 90 and dock.noise_spin.value() == 0.5


def options_run(session, **options):
    X, Y = three_class(60, 0.2, seed=0, kind="blobs")
    session.new_run(dataset_name="3-class blobs: 60 points, noise 0.2", X=X, Y=Y,
                    layer_sizes=[3, 4, 3], activations=["tanh", "softmax"], loss="ce",
                    learning_rate=0.05, seed=5, options=TrainingOptions(**options))
    return session.run


def header(table, r):
    """The row header's text as shown."""
    return str(table.model().headerData(r, Qt.Orientation.Vertical))


def test_held_out_rows_and_the_batch_are_marked_as_the_learner_scrubs(dock, qtbot, train):
    session = dock.session
    run = options_run(session, bias=True, optimizer="adam", batch_size=10, test_fraction=0.2)
    train(session, 60)
    table, m = dock.table, dock.decision_map
    test = set(run.test_rows.tolist())
    assert len(test) == 12
    for k in (7, 23):
        session.cursor.seek(k)
        qtbot.waitUntil(lambda: not dock.marks.stale and not m.redraw.stale)
        batch = set(run.at(k).batch_rows.tolist())
        assert len(batch) == 10 and not batch & test
        assert table.test_rows == test and table.batch_rows == batch
        for r in range(table.rowCount()):
            item = table.item(r, 0)
            if r in test:
                assert header(table, r) == f"{r + 1} {TEST_MARK}"
                assert item.font().italic() and item.foreground().color() == HELD_OUT_INK
            elif r in batch:
                assert header(table, r) == f"{BATCH_MARK} {r + 1}"
                assert item.background().color() == BATCH_CELL and not item.font().italic()
            else:
                assert header(table, r) == str(r + 1) and not item.font().italic()
                assert item.background().style() == Qt.BrushStyle.NoBrush
        # The map: the batch ringed, the held-out samples hollow (white or dark inside).
        assert m.batch_drawn.tolist() == sorted(batch)
        ring_x, _ = m.batch_rings.getData()
        np.testing.assert_array_equal(np.sort(ring_x), np.sort(run.X[sorted(batch), 0]))
        assert m.batch_rings.opts["pen"].color() == RING
        brushes = [p.brush().color() for p in m.points.points()]
        pens = [p.pen().color() for p in m.points.points()]
        symbols = [p.symbol() for p in m.points.points()]
        classes = np.argmax(run.Y, axis=1)
        right = np.argmax(run.outputs[k], axis=1) == classes
        for r in range(len(run.X)):
            if r in test:
                assert symbols[r] == "s" and pens[r] == CLASS_COLOURS[classes[r]]
                assert brushes[r] == (palette.BACKGROUND if right[r] else palette.INK)
            else:
                assert symbols[r] == "o" and brushes[r] == CLASS_COLOURS[classes[r]]
    assert "the 12 held out" in dock.status.text() and "batch" in dock.status.text()
    assert "held out" in m.legend.text() and "mini-batch" in m.legend.text()


def test_an_edit_clears_the_marks_and_a_full_batch_marks_no_batch(dock, qtbot, train):
    session = dock.session
    options_run(session, test_fraction=0.25)  # full batches: every training row
    train(session, 5)
    qtbot.waitUntil(lambda: not dock.marks.stale)
    assert len(dock.table.test_rows) == 15 and dock.table.batch_rows == set()
    assert dock.decision_map.batch_drawn.size == 0
    dock.table.item(0, 0).setText("0.5")
    assert dock.table.test_rows == set() and header(dock.table, 0) == "1"


def test_a_tutorial_run_marks_nothing(dock, qtbot, train):
    train(dock.session, 3)
    qtbot.waitUntil(lambda: not dock.marks.stale)
    assert dock.table.test_rows == set() and dock.table.batch_rows == set()
    assert [header(dock.table, r) for r in range(4)] == ["1", "2", "3", "4"]
    assert "held out" not in dock.decision_map.legend.text()


def test_the_three_class_map_shows_the_picked_class_at_each_point(dock, qtbot, train):
    session = dock.session
    run = options_run(session, bias=True, optimizer="adam", batch_size=10)
    train(session, 300)
    m = dock.decision_map
    qtbot.waitUntil(lambda: not m.redraw.stale)
    assert m.drawn_iteration == 300
    image, g = m.image.image, m.grid
    assert image.shape == (g, g, 3)
    shown = run.at(300)
    white = np.array(WHITE.getRgb()[:3], float)
    hues = np.array([palette.mix(c, WHITE, REGION_FADE).getRgb()[:3] for c in CLASS_COLOURS[:3]],
                    float) - white
    picked = set()
    for i, j in [(0, 0), (g - 1, g - 1), (0, g - 1), (g - 1, 0), (g // 2, g // 2),
                 (g // 4, 3 * g // 4), (3 * g // 4, g // 3)]:
        yhat = forward(m.grid_inputs[i * g + j][None], shown.weights, run.activations,
                       biases=shown.biases)[-1][0]
        winner = int(np.argmax(yhat))
        picked.add(winner)
        pixel = image[i, j].astype(float) - white
        # The pixel lies on the line from white to the picked class's colour ...
        cosines = hues @ pixel / (np.linalg.norm(hues, axis=1) * np.linalg.norm(pixel))
        assert int(np.argmax(cosines)) == winner and cosines[winner] > 0.999
        # ... as far along it as the network is sure (1/3: white, 1: full colour).
        sure = (yhat[winner] - 1 / 3) / (2 / 3)
        np.testing.assert_allclose(pixel, sure * hues[winner], atol=0.5 + 1e-9)
    assert len(picked) == 3  # the corners and the middle meet every class
    # Points by their true class; the classes in the legend.
    brushes = [p.brush().color() for p in m.points.points()]
    assert brushes == [CLASS_COLOURS[c] for c in np.argmax(run.Y, axis=1)]
    assert "class 3" in m.legend.text()
