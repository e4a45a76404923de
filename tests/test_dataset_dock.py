"""The dataset editor: table edits, presets and CSV files reach the engine; the decision
map shows the network's own forward pass."""

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QFileDialog

from gui.docks.dataset.dataset_dock import DatasetDock
from gui.docks.dataset.dataset_table import BAD_CELL
from gui.docks.dataset.decision_map import GRID
from nncore.datasets import builtin, load_csv, three_bit, two_d
from nncore.network import forward


def table_array(table):
    return np.array([[float(table.item(r, c).text()) for c in range(table.columnCount())]
                     for r in range(table.rowCount())])


@pytest.fixture
def dock(make_view):
    return make_view(DatasetDock, size=(420, 900))


def choose(dock, name):
    dock.preset_combo.setCurrentIndex(dock.preset_combo.findData(name))


def test_shows_the_run_data_with_named_columns(dock):
    table = dock.table
    assert dock.objectName() == "dataset_dock"
    X, Y = builtin("tutorial")
    np.testing.assert_array_equal(table_array(table), np.hstack([X, Y]))
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert headers == ["x1", "x2", "x3", "y"]
    assert dock.preset_combo.currentData() == "tutorial"
    assert not dock.apply_button.isEnabled()


def test_an_edited_cell_reaches_the_engine_on_apply(dock, qtbot):
    session = dock.session
    session.new_run(layer_sizes=[3, 2, 1], activations=None)
    session.run.train(20)
    session.cursor.seek(20)
    dock.table.item(1, 0).setText("0.25")
    dock.table.item(3, 3).setText("1")
    assert dock.apply_button.isEnabled() and "Apply" in dock.status.text()
    assert session.run.X[1, 0] == 1.0  # nothing changes before Apply
    with qtbot.waitSignal(session.cursor.sigRunReplaced):
        qtbot.mouseClick(dock.apply_button, Qt.MouseButton.LeftButton)
    run = session.run
    np.testing.assert_array_equal(np.hstack([run.X, run.Y]), table_array(dock.table))
    assert run.X[1, 0] == 0.25 and run.Y[3, 0] == 1.0
    assert session.iteration == 0 and run.newest == 0
    assert run.layer_sizes == [3, 2, 1]  # the hidden layer stays
    assert session.cursor.config.dataset_name == "custom"
    assert dock.preset_combo.currentData() == "custom"
    assert not dock.apply_button.isEnabled()


def test_untouched_cells_keep_every_digit(dock):
    choose(dock, "2-D spiral")
    X = dock.session.run.X.copy()
    dock.table.item(0, 0).setText("0.5")
    assert dock.apply()
    np.testing.assert_array_equal(dock.session.run.X[1:], X[1:])
    assert dock.session.run.X[0, 0] == 0.5


@pytest.mark.parametrize("text, why", [("abc", "'abc' is not a number"),
                                       ("", "is blank"),
                                       ("inf", "'inf' is not a finite number"),
                                       ("nan", "'nan' is not a finite number")])
def test_a_bad_cell_is_red_named_and_blocks_apply(dock, text, why):
    run = dock.session.run
    item = dock.table.item(2, 1)
    item.setText(text)
    assert item.background().color() == BAD_CELL
    assert item.toolTip() == f"Row 3, column x2: {why}"
    assert "row 3, column x2" in dock.status.text()
    assert not dock.apply_button.isEnabled()
    assert dock.apply() is False
    assert dock.session.run is run
    item.setText("0")  # fixed: no longer red
    assert item.background().color() != BAD_CELL
    assert dock.apply_button.isEnabled()


def test_a_target_the_sigmoid_cannot_reach_is_refused(dock):
    item = dock.table.item(0, 3)
    item.setText("2")
    assert "outside the output's range [0, 1]" in item.toolTip()
    assert not dock.apply_button.isEnabled()


def test_rows_and_columns_change_the_layer_sizes(dock):
    session = dock.session
    session.new_run(layer_sizes=[3, 5, 1], activations=["tanh", "sigmoid"])
    table = dock.table
    table.add_row()
    table.add_input()
    table.add_target()
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert headers == ["x1", "x2", "x3", "x4", "y1", "y2"]
    table.item(4, 5).setText("1")
    assert dock.apply()
    run = session.run
    assert run.X.shape == (5, 4) and run.Y.shape == (5, 2)
    assert run.layer_sizes == [4, 5, 2] and run.activations == ["tanh", "sigmoid"]
    assert run.Y[4, 1] == 1.0 and np.all(run.X[:, 3] == 0)
    table.setCurrentCell(0, 0)
    table.remove_input()  # the selected input column, x1
    table.selectRow(0)
    table.remove_rows()
    table.remove_target()
    assert dock.apply()
    np.testing.assert_array_equal(session.run.X, np.zeros((4, 3)) + [[1, 1, 0], [0, 1, 0],
                                                                      [1, 1, 0], [0, 0, 0]])
    assert session.run.layer_sizes == [3, 5, 1]


def test_pending_edits_survive_an_architecture_change(dock):
    dock.table.item(0, 0).setText("0.75")
    dock.session.new_run(seed=9)
    assert dock.table.item(0, 0).text() == "0.75"
    assert dock.apply_button.isEnabled()
    dock.revert()
    assert dock.table.item(0, 0).text() == "0"
    assert not dock.apply_button.isEnabled()


def test_preset_xor_loads_the_xor_targets(dock, qtbot):
    session = dock.session
    session.new_run(layer_sizes=[3, 4, 1], activations=None)
    with qtbot.waitSignal(session.cursor.sigRunReplaced):
        choose(dock, "xor")
    X, Y = builtin("xor")
    np.testing.assert_array_equal(session.run.X, X)
    np.testing.assert_array_equal(session.run.Y, Y)
    np.testing.assert_array_equal(session.run.Y.ravel(), [0, 1, 1, 0])
    np.testing.assert_array_equal(table_array(dock.table), np.hstack([X, Y]))
    assert session.run.layer_sizes == [3, 4, 1] and session.cursor.config.dataset_name == "xor"


def test_three_bit_preset_with_a_rule(dock):
    choose(dock, "three-bit")
    assert dock.rule_combo.isVisibleTo(dock) and not dock.noise_spin.isVisibleTo(dock)
    np.testing.assert_array_equal(dock.session.run.Y, three_bit("parity")[1])
    dock.rule_combo.setCurrentText("majority")
    np.testing.assert_array_equal(dock.session.run.Y, three_bit("majority")[1])
    assert dock.session.cursor.config.dataset_name == "three-bit: majority"
    assert dock.table.rowCount() == 8


def test_two_d_preset_with_points_and_noise(dock):
    choose(dock, "2-D gaussian")
    dock.points_spin.setValue(50)
    dock.noise_spin.setValue(0.25)
    X, Y = two_d("gaussian", 50, 0.25, 0)
    np.testing.assert_array_equal(dock.session.run.X, X)
    np.testing.assert_array_equal(dock.session.run.Y, Y)
    assert dock.table.rowCount() == 50


def test_importing_a_bad_csv_names_the_cell_and_changes_nothing(dock, tmp_path, monkeypatch,
                                                                warned):
    path = tmp_path / "bad data.csv"
    path.write_text("x1,x2,x3,y\n0,0,1,0\n1,abc,1,1\n")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    run = dock.session.run
    before = table_array(dock.table)
    assert dock.import_csv() is False
    (title, text), = warned
    assert str(path) in text and "line 3, column 2" in text and "'abc'" in text
    assert dock.session.run is run
    np.testing.assert_array_equal(table_array(dock.table), before)


def test_import_and_export_round_trip(dock, tmp_path, monkeypatch, warned):
    good = tmp_path / "mine.csv"
    good.write_text("a,b,y\n0.5,1,1\n-1,1,0\n2,1,1\n")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(good), ""))
    assert dock.import_csv()
    run = dock.session.run
    np.testing.assert_array_equal(run.X, [[0.5, 1], [-1, 1], [2, 1]])
    np.testing.assert_array_equal(run.Y, [[1], [0], [1]])
    assert run.layer_sizes == [2, 1] and dock.session.cursor.config.dataset_name == "mine.csv"
    out = tmp_path / "out.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    assert dock.export_csv()
    X, Y = load_csv(out, 1)
    np.testing.assert_array_equal(X, run.X)
    np.testing.assert_array_equal(Y, run.Y)
    assert warned == []


def test_no_decision_map_without_a_plane(dock, qtbot):
    m = dock.decision_map
    qtbot.waitUntil(lambda: m.drawn_iteration == 0)  # the tutorial's plane, once shown
    choose(dock, "three-bit")
    assert not m.plot.isVisibleTo(dock) and m.hint.isVisibleTo(dock)
    assert "exactly two inputs that vary" in m.hint.text() and "has 3" in m.hint.text()
    choose(dock, "xor")
    assert m.plot.isVisibleTo(dock) and not m.hint.isVisibleTo(dock)


def test_heat_map_pixels_equal_a_direct_forward_pass(dock, qtbot):
    session = dock.session
    session.new_run(layer_sizes=[3, 4, 1], activations=None)
    choose(dock, "2-D xor")
    session.run.train(300)
    session.cursor.seek(300)
    m = dock.decision_map
    qtbot.waitUntil(lambda: m.drawn_iteration == 300)
    W = session.run.weights_at(300)
    for i, j in [(0, 0), (5, 60), (31, 32), (63, 17), (63, 63)]:
        # The pixel's centre, as the image places it on the plot, is the point we ask.
        centre = m.image.mapToParent(QPointF(i + 0.5, j + 0.5))
        x1, x2 = centre.x(), centre.y()
        assert x1 == pytest.approx(m.xs[i], abs=1e-9) and x2 == pytest.approx(m.ys[j], abs=1e-9)
        layers = forward(np.array([[m.xs[i], m.ys[j], 1.0]]), W, session.run.activations)
        assert m.image.image[i, j] == pytest.approx(layers[-1][0, 0], abs=1e-12)
        for u in range(4):
            assert m.hidden_values[u][i, j] == pytest.approx(layers[1][0, u], abs=1e-12)
            # The tile's pixel has the colour of that unit's value (sigmoid: 0..1).
            shown = m.units_image.image[m.tile_pixel(u, i, j)]
            np.testing.assert_array_equal(shown, m.colors_of(layers[1][0, u], 0.0, 1.0))
    assert m.image.image.shape == (GRID, GRID)
    assert [label.toPlainText() for label in m.tile_labels] == ["h1", "h2", "h3", "h4"]
    assert m.units_title.text() == "What each of the 4 hidden units computes"
    assert "iteration 300" in m.plot.getPlotItem().titleLabel.text
    # The points are the data, each coloured by its target.
    xs, ys = m.points.getData()
    np.testing.assert_array_equal(xs, session.run.X[:, 0])
    np.testing.assert_array_equal(ys, session.run.X[:, 1])


def test_tiles_are_laid_out_in_rows_with_labels(dock):
    dock.session.new_run(layer_sizes=[3, 20, 1], activations=None)
    m = dock.decision_map
    assert m.tile_labels == []  # too small to name; the title says the order
    assert "20 hidden units computes, h1 to h20 row by row" in m.units_title.text()
    assert m.hidden_values.shape == (20, GRID, GRID)
    # 16 to a row when there are more than 16: h17 starts the second row, below h1.
    assert m.tile_origins[16][0] == m.tile_origins[0][0]
    assert m.tile_origins[16][1] < m.tile_origins[0][1]
    assert m.units_image.image.shape[:2] == m.mosaic_shape


def test_a_wide_network_gets_a_coarser_grid_with_the_same_values(dock):
    dock.session.new_run(layer_sizes=[3, 40, 40, 1], activations=["relu", "tanh", "sigmoid"])
    choose(dock, "2-D circle")
    m = dock.decision_map
    assert m.grid == GRID // 2 and m.image.image.shape == (GRID // 2, GRID // 2)
    run = dock.session.run
    layers = forward(m.grid_inputs, run.weights_at(0), run.activations)
    np.testing.assert_array_equal(m.output_values.ravel(), layers[-1][:, 0])
    # ReLU tiles: white at 0, full blue at the unit's largest value over the plane.
    u = int(np.argmax(m.hidden_values.max(axis=(1, 2))))
    top = np.unravel_index(np.argmax(m.hidden_values[u]), m.hidden_values[u].shape)
    np.testing.assert_array_equal(m.units_image.image[m.tile_pixel(u, *top)], m.lut[255])


def test_heat_map_redraws_once_for_a_burst_of_steps(dock, qtbot):
    session = dock.session
    choose(dock, "xor")
    m = dock.decision_map
    qtbot.waitUntil(lambda: m.drawn_iteration == 0)
    before = m.draw_count
    for _ in range(5):
        session.cursor.step()
    qtbot.waitUntil(lambda: m.drawn_iteration == 5)
    assert m.draw_count == before + 1  # the frames in between were dropped


def test_heat_map_waits_while_hidden(dock, qtbot):
    session = dock.session
    choose(dock, "xor")
    session.run.train(10)
    m = dock.decision_map
    qtbot.waitUntil(lambda: m.drawn_iteration == 0)
    dock.hide()
    session.cursor.seek(10)
    m.draw()  # what the frame timer does: a hidden map skips the work
    assert m.drawn_iteration == 0
    dock.show()
    qtbot.waitUntil(lambda: m.drawn_iteration == 10)


def test_follows_a_run_loaded_elsewhere(dock):
    from nncore import Run
    X, Y = three_bit("x1 xor x2")
    dock.table.item(0, 0).setText("5")  # an edit the loaded run replaces
    dock.session.set_run(Run(X, Y, [3, 2, 1], seed=4), 0, "lesson.json")
    np.testing.assert_array_equal(table_array(dock.table), np.hstack([X, Y]))
    assert dock.preset_combo.currentData() == "custom"
    assert "lesson.json" in dock.description.text()
    assert not dock.apply_button.isEnabled()


def test_new_data_keeps_the_seed_and_a_seedless_run_gets_one(dock):
    from nncore import Run
    session = dock.session
    session.new_run(seed=5)
    choose(dock, "and")
    assert session.run.seed == 5
    X, Y = builtin("or")
    session.set_run(Run(X, Y, [3, 1], seed=None, initial_weights=[np.ones((3, 1))]), 0, "f")
    choose(dock, "xor")
    assert session.run.seed is not None


# ---- the preset and its options show the data in force (issue 12, items 7 and 8) ---------


def type_into(qtbot, box, text):
    box.setFocus()
    box.lineEdit().selectAll()
    box.lineEdit().insert(text)  # typed or pasted: any script
    qtbot.keyClick(box, Qt.Key.Key_Return)


def test_a_two_d_preset_name_carries_its_options(dock):
    choose(dock, "2-D gaussian")
    dock.points_spin.setValue(50)
    dock.noise_spin.setValue(0.25)
    assert dock.session.cursor.config.dataset_name == "2-D gaussian: 50 points, noise 0.25"


def test_a_run_from_a_file_shows_the_options_that_made_it(dock):
    from nncore import Run
    session = dock.session
    for points, noise in [(300, 0.1), (5000, 0.0), (7, 1.0)]:  # 5000 and 7: beyond the box
        X, Y = two_d("circle", points, noise, 0)
        session.set_run(Run(X, Y, [3, 1]), 0, f"2-D circle: {points} points, noise {noise:g}")
        assert dock.preset_combo.currentData() == "2-D circle"
        assert (dock.points_spin.value(), dock.noise_spin.value()) == (points, noise)
        assert dock.points_spin.text() == str(points)  # not the box's 1000 or 10
    X, Y = two_d("spiral", 200, 0.0, 0)  # a name saved before the options were in it
    session.set_run(Run(X, Y, [3, 1]), 0, "2-D spiral")
    assert dock.preset_combo.currentData() == "2-D spiral"
    assert (dock.points_spin.value(), dock.noise_spin.value()) == (200, 0.0)


@pytest.mark.parametrize("name, data", [
    ("xor", builtin("and")),  # a name that does not make the data in the file
    ("2-D circle", two_d("circle", 300, 0.0, 0)),  # old name, other options: unknown
    ("2-D circle: 300 points, noise 0.5", two_d("circle", 300, 0.1, 0)),
    ("2-D circle: 1_0 points, noise 0", two_d("circle", 10, 0.0, 0)),
    ("three-bit: parity", three_bit("majority")),
])
def test_a_preset_is_shown_only_when_it_makes_the_data(dock, name, data):
    from nncore import Run
    dock.session.set_run(Run(*data, [3, 1]), 0, name)
    assert dock.preset_combo.currentData() == "custom"
    assert dock.description.text() == f"Data: {name}"


@pytest.mark.parametrize("box, text, why", [
    ("points", "5000", "points: must be from 10 to 1000, got '5000'"),
    ("points", "-1", "points: must be from 10 to 1000, got '-1'"),
    ("points", "1_0", "points: '1_0' is not a number"),
    ("points", "\u0663\u0660", "points: '\u0663\u0660' is not a number"),
    ("points", " 1e400", "points: ' 1e400' is too large"),
    ("points", "nan", "points: 'nan' is not a finite number"),
    ("noise", "0.123", "noise: '0.123' has more than 2 decimal(s)"),
    ("noise", "2", "noise: must be from 0 to 1, got '2'"),
    ("noise", "-1", "noise: must be from 0 to 1, got '-1'"),
    ("noise", "1_0", "noise: '1_0' is not a number"),
    ("noise", "\u0663", "noise: '\u0663' is not a number"),
    ("noise", " 1e400", "noise: ' 1e400' is too large"),
    ("noise", "nan", "noise: 'nan' is not a finite number"),
])
def test_typed_options_are_used_exactly_or_refused_visibly(dock, qtbot, box, text, why):
    choose(dock, "2-D xor")
    run = dock.session.run
    field = dock.points_spin if box == "points" else dock.noise_spin
    type_into(qtbot, field, text)
    assert dock.session.run is run
    assert (dock.points_spin.value(), dock.noise_spin.value()) == (200, 0.0)
    assert dock.refusal.isVisibleTo(dock)
    assert dock.refusal.text().startswith(f"Not changed: {why}")
    type_into(qtbot, dock.points_spin, "120")  # a good value: used, the refusal goes
    assert dock.session.cursor.config.dataset_name == "2-D xor: 120 points, noise 0"
    assert not dock.refusal.isVisibleTo(dock)


@pytest.mark.parametrize("text, why", [("1_0", "'1_0' is not a number"),
                                       ("\u0663", "'\u0663' is not a number"),
                                       (" 1e400", "'1e400' is too large"),
                                       ("1e-400", "'1e-400' is too small")])
def test_a_cell_takes_ascii_decimals_only(dock, text, why):
    item = dock.table.item(2, 1)
    item.setText(text)
    assert item.background().color() == BAD_CELL
    assert item.toolTip().startswith(f"Row 3, column x2: {why}")
    assert not dock.apply_button.isEnabled()


def test_a_cell_rounded_for_display_has_every_digit_in_its_tooltip(dock):
    choose(dock, "2-D circle")
    item = dock.table.item(0, 0)
    value = dock.session.run.X[0, 0]
    assert item.text() == f"{value:.6g}" and float(item.toolTip()) == value
