"""Help inside the window: What's This on every control, the keyboard shortcuts
built from the actions, and the quick tour (gui/help/)."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QAbstractButton, QPushButton, QToolBar, QWhatsThis

from gui.app import launch_offers
from gui.common.lazy_dock import LazyDock
from gui.help.shortcuts import shortcut_rows
from gui.help.whats_this import TEXTS, controls_of
from gui.help.window_help import TOUR_OFFERED_KEY


def every_dock_built(window):
    for dock in window.docks.values():
        if isinstance(dock, LazyDock):
            dock.build()
        dock.show()


def describe(control):
    text = control.text() if hasattr(control, "text") else ""
    return f"{type(control).__name__} {control.objectName()!r} {text!r}"


def enter_and_leave_whats_this(window):
    window.help.action_whats_this.trigger()
    assert QWhatsThis.inWhatsThisMode()
    QWhatsThis.leaveWhatsThisMode()


def test_every_control_says_what_it_does(window):
    every_dock_built(window)
    # A hidden layer's row is made by the architecture dock on the fly.
    window.docks["ArchitectureDock"].add_button.click()
    enter_and_leave_whats_this(window)
    controls = controls_of(window)
    assert len(controls) > 80
    kinds = {type(c).__name__ for c in controls}
    assert {"QPushButton", "QToolButton", "QComboBox", "QLineEdit", "QSlider", "QAction",
            "WholeNumberBox", "DecimalBox", "QCheckBox"} <= kinds
    missing = [describe(c) for c in controls if not c.whatsThis().strip()]
    assert missing == []
    for control in controls:  # one or two sentences, not an essay
        assert control.whatsThis().count(". ") <= 2, describe(control)


def test_every_key_of_the_table_names_a_control(window):
    """A key left behind by a renamed attribute is found here, not by a learner."""
    from gui.help.whats_this import attribute_keys, plain

    every_dock_built(window)
    window.docks["ArchitectureDock"].add_button.click()
    held = set(attribute_keys(window).values())
    names = {c.objectName() for c in controls_of(window)} | {
        d.objectName() for d in window.docks.values()} | {
        type(d).__name__ for d in window.docks.values()} | {"TransportBar"} | {
        bar.objectName() for bar in window.findChildren(QToolBar)}
    texts = {"text:" + plain(c.text()) for c in controls_of(window) if hasattr(c, "text")}
    menus = {"menu:" + (plain(a.menu().title()) or "more") for a in controls_of(window)
             if isinstance(a, QAction) and a.menu() is not None}
    stale = [key for key in TEXTS if key not in held | names | texts | menus]
    assert stale == []


def test_the_texts_come_from_the_one_table(window):
    enter_and_leave_whats_this(window)
    assert window.transport.timeline.whatsThis() == TEXTS["TransportBar.timeline"]
    assert window.action_play.whatsThis() == TEXTS["MainWindow.action_play"]
    play_button = [b for b in window.transport.findChildren(QAbstractButton)
                   if b.defaultAction() is window.action_play][0]
    assert play_button.whatsThis() == TEXTS["MainWindow.action_play"]
    plots = window.docks["PlotsView"]
    assert plots.toggleViewAction().whatsThis().startswith("Shows or hides this panel. Loss")


def test_the_shortcuts_list_is_built_from_the_actions(window):
    rows = shortcut_rows(window)
    keys = {command: shortcut for command, shortcut, _ in rows}
    native = lambda text: QKeySequence(text).toString(QKeySequence.NativeText)  # noqa: E731
    assert keys["Play"] == native("Space") and keys["Step"] == native("Right")
    assert keys["Take snapshot"] == native("Ctrl+T")
    assert keys["Zoom in"] == f"{native('Ctrl+=')}, {native('Ctrl++')}"
    assert keys["What's This?"] == native("Shift+F1")
    with_keys = {a for a in [*window.actions(), *window.findChildren(QAction)]
                 if not a.shortcut().isEmpty()}
    assert len(rows) == len(with_keys)
    # A new action with a shortcut shows up: nothing to keep in step by hand.
    window.add_command("&Frobnicate", None, "Ctrl+Alt+F", "Test action", lambda: None)
    dialog = window.help.show_shortcuts()
    table = dialog.table
    commands = [table.item(r, 0).text() for r in range(table.rowCount())]
    assert "Frobnicate" in commands and table.rowCount() == len(rows) + 1
    row = commands.index("Frobnicate")
    assert table.item(row, 1).text() == native("Ctrl+Alt+F")
    assert table.item(row, 2).text() == "Test action"
    dialog.close()


def test_the_tour_walks_the_areas_with_next_back_and_close(window, qtbot):
    tour = window.help.start_tour()
    assert tour.isVisible() and tour.geometry() == window.rect()
    assert tour.counter.text() == "1 of 6" and tour.title.text() == "The network"
    assert not tour.back_button.isEnabled()
    lit = tour.lit_rect()
    view = window.network_view
    assert lit.contains(view.mapTo(window, view.rect().center()))
    tour.next_button.click()
    assert tour.title.text() == "Step and play" and tour.back_button.isEnabled()
    assert not tour.card.geometry().intersects(tour.lit_rect().adjusted(8, 8, -8, -8))
    qtbot.keyClick(tour, Qt.Key_Right)
    assert tour.counter.text() == "3 of 6"
    qtbot.keyClick(tour, Qt.Key_Left)
    tour.back_button.click()
    assert tour.step == 0
    for _ in range(5):
        tour.next_button.click()
    assert tour.next_button.text() == "Done"
    image = tour.grab().toImage()  # the dimmed window around a lit menu bar
    dim = image.pixelColor(image.width() // 2, image.height() // 2)
    assert dim.red() < 140 and dim.green() < 140
    tour.next_button.click()
    assert window.help.tour is None and not [
        b for b in window.findChildren(QPushButton) if b.text() == "Done" and b.isVisible()]


def test_the_tour_is_offered_once_at_the_first_launch(open_window, settings):
    first = open_window()
    assert first.help.tour is None  # a window alone never starts it: only a launch
    assert launch_offers(first, tour=True) is False
    assert first.help.tour is not None and first.help.tour.isVisible()
    assert settings.value(TOUR_OFFERED_KEY, False, bool)
    first.help.tour.close()
    first.close()
    second = open_window()
    launch_offers(second, tour=True)
    assert second.help.tour is None


@pytest.mark.parametrize("key", [Qt.Key_Escape])
def test_escape_closes_the_tour(window, qtbot, key):
    tour = window.help.start_tour()
    qtbot.keyClick(tour, key)
    assert window.help.tour is None
