"""What is cut off in the window, on a virtual screen of a given size (a child process of
test_window_layout.py: the offscreen screen's size is fixed when Qt starts).

Usage: python layout_check.py WIDTHxHEIGHT SETTINGS.ini DATA.csv OUT.json

Starts the window twice with one settings file (the second start restores the first
one's geometry and dock layout), each time imports DATA.csv through the Dataset dock
into a network with a hidden layer and steps a few times. After the second start,
with each combination of front tabs, it records every dock, label and pyqtgraph view
whose contents do not fit, and the window's place on the screen.
"""

import itertools
import json
import os
import sys

WIDTH, HEIGHT = (int(v) for v in sys.argv[1].split("x"))
SETTINGS, DATA, OUT = sys.argv[2:5]
SCREEN = os.path.join(os.path.dirname(OUT), "screen.json")
with open(SCREEN, "w") as f:
    json.dump({"screens": [{"name": "S", "x": 0, "y": 0, "width": WIDTH, "height": HEIGHT,
                            "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}, f)
os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={SCREEN}"

from PySide6.QtCore import QPoint, QRect, QRectF, QSettings, Qt  # noqa: E402
from PySide6.QtGui import QTextDocument  # noqa: E402
from PySide6.QtWidgets import QApplication, QGraphicsView, QLabel, QMessageBox  # noqa: E402

app = QApplication([])
errors = []
sys.excepthook = lambda kind, error, tb: errors.append(f"{kind.__name__}: {error}")
QMessageBox.warning = staticmethod(lambda parent, title, text, *a, **k: errors.append(text))

import gui.docks.dataset.dataset_dock  # noqa: E402
from gui.main_window import MainWindow  # noqa: E402

gui.docks.dataset.dataset_dock.QFileDialog.getOpenFileName = staticmethod(
    lambda *a, **k: (DATA, ""))
LEFT = ("ArchitectureDock", "DatasetDock", "SnapshotsDock")
BOTTOM = ("InspectorDock", "PredictionDock", "LossSurfaceDock")


def pump(times=10):
    for _ in range(times):
        app.processEvents()


def start():
    window = MainWindow(settings=QSettings(SETTINGS, QSettings.IniFormat))
    window.show()
    pump()
    window.session.new_run(layer_sizes=[3, 4, 1], activations=None)
    window.docks["DatasetDock"].raise_()
    window.docks["DatasetDock"].import_csv()
    for _ in range(3):
        window.action_step.trigger()
    window.docks["LossSurfaceDock"].raise_()
    pump()
    return window


def on_screen(window, widget):
    return widget.isVisible() and QRect(widget.mapTo(window, QPoint(0, 0)),
                                        widget.size()).intersects(window.rect())


def problems(window, where):
    found = []
    for name, dock in window.docks.items():
        body = dock.widget()
        if not on_screen(window, body):
            continue
        need = body.minimumSizeHint()
        if need.width() > body.width() or need.height() > body.height():
            found.append(f"{where}: {name} needs {need.toTuple()}, has {body.size().toTuple()}")
        for label in body.findChildren(QLabel):
            if on_screen(window, label) and not label.wordWrap() and label.text() and \
                    label.minimumSizeHint().width() > label.width():
                found.append(f"{where}: {name} label {label.text()[:40]!r} is cut")
    for view in window.findChildren(QGraphicsView):
        if not on_screen(window, view):
            continue
        for item in view.scene().items():
            if item.parentItem() is None and hasattr(item, "effectiveSizeHint"):
                need = item.effectiveSizeHint(Qt.SizeHint.MinimumSize)
                has = view.viewport().size()
                if need.width() > has.width() + 1 or need.height() > has.height() + 1:
                    owner = view.parent().objectName() or type(view.parent()).__name__
                    found.append(f"{where}: {owner}'s {type(item).__name__} needs "
                                 f"{need.toTuple()}, has {has.toTuple()}")
    decision_map = window.docks["DatasetDock"].decision_map
    if decision_map.units is not None and on_screen(window, decision_map.units):
        view = decision_map.units
        seen = QRectF(view.viewport().rect())
        margin = QTextDocument().documentMargin()  # round the text in a label's box
        for label in decision_map.tile_labels:
            # A TextItem keeps its size on screen: its box in the view's pixels.
            box = label.deviceTransform(view.viewportTransform()).mapRect(label.boundingRect())
            if label.isVisible() and not seen.contains(box.adjusted(margin, margin,
                                                                    -margin, -margin)):
                found.append(f"{where}: tile label {label.toPlainText()} is cut")
    return found


first = start()
first.close()
pump()
window = start()
screen = app.primaryScreen().availableGeometry()
report = {"frame": window.frameGeometry().getRect(), "screen": screen.getRect(),
          "minimum": window.minimumSizeHint().toTuple(), "checked": 0, "problems": []}
if not screen.contains(window.frameGeometry()):
    report["problems"].append(f"window {window.frameGeometry().getRect()} is off screen")
for left, bottom in itertools.product(LEFT, BOTTOM):
    window.docks[left].raise_()
    window.docks[bottom].raise_()
    pump()
    report["problems"] += problems(window, f"{left} + {bottom}")
    report["checked"] += 1
window.docks["DatasetDock"].raise_()
pump()
decision_map = window.docks["DatasetDock"].decision_map
report["decision map shown"] = decision_map.drawn_iteration
report["tile labels shown"] = sum(label.isVisible() for label in decision_map.tile_labels)
report["errors"] = errors
window.close()
with open(OUT, "w") as f:
    json.dump(report, f)
