"""Nothing is cut off at 1280 × 800 or larger, numbers fit their cells, and the window
never grows past its screen.

The screen-size checks run in a child process (layout_check.py), since the offscreen
screen's size is fixed when Qt starts: the window is started, closed and started
again with its remembered geometry and dock layout, the data of the issue imported,
and every combination of front tabs is measured.
"""

import json
import os
import subprocess
import sys

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QApplication, QLabel

from gui.common.screen_fit import screen_room
from gui.docks.dataset.decision_map import DecisionMap

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


@pytest.mark.parametrize("screen", ["1280x800", "1920x1080"])
def test_nothing_is_cut_off_after_a_relaunch(tmp_path, screen):
    data = tmp_path / "extreme.csv"
    data.write_text("x1,x2,x3,y\n1e308,1e308,1,1\n-1e308,0,1,0\n")
    out = tmp_path / "report.json"
    env = dict(os.environ, PYTHONPATH=ROOT, HOME=str(tmp_path))
    done = subprocess.run([sys.executable, os.path.join(HERE, "layout_check.py"), screen,
                           str(tmp_path / "settings.ini"), str(data), str(out)],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text())
    assert report["errors"] == []
    assert report["checked"] == 9  # every left tab with every bottom tab in front
    assert report["problems"] == []
    x, y, width, height = report["frame"]
    sx, sy, swidth, sheight = report["screen"]
    assert sx <= x and x + width <= sx + swidth and sy <= y and y + height <= sy + sheight
    # Room to spare for a window manager's title bar and panels.
    assert report["minimum"][0] <= 1280 - 40 and report["minimum"][1] <= 800 - 100
    assert report["decision map shown"] == 3
    assert report["tile labels shown"] == 4  # h1 to h4 under the hidden units' tiles


def test_a_label_wider_than_the_screen_does_not_widen_the_window(window, qtbot):
    room = screen_room(window)
    label = QLabel("a label that asks for more room than any screen has " * 40)
    dock = window.docks["SnapshotsDock"]  # the inspector's body scrolls: it never widens
    dock.raise_()
    dock.widget().layout().addWidget(label)
    qtbot.waitUntil(lambda: window.minimumSizeHint().width() > room.width())
    QApplication.processEvents()
    assert window.minimumSize().width() <= room.width()
    assert window.width() <= room.width()
    screen = window.screen().availableGeometry()
    assert screen.contains(QRect(window.mapToGlobal(QPoint(0, 0)), window.size()))


@pytest.mark.parametrize("units, size, named", [(4, (374, 320), True),
                                                (12, (374, 320), False),
                                                (12, (900, 1000), True)])
def test_hidden_units_are_named_only_where_the_names_fit(make_view, qtbot, units, size,
                                                        named):
    """Under each tile the unit's name, unless the gap is too short for it (it would be
    cut off or run into the next row); the view's tooltip gives the order either way."""
    view = make_view(DecisionMap, size=size)
    view.session.new_run(layer_sizes=[3, units, 1])
    qtbot.waitUntil(lambda: view.drawn_iteration == 0 and view.units is not None)
    labels = view.tile_labels
    assert [label.toPlainText() for label in labels] == [f"h{u + 1}" for u in range(units)]
    assert [label.isVisible() for label in labels] == [named] * units
    assert view.units.toolTip() == f"h1 to h{units}, row by row"
