"""The Help menu's own commands: What's This, Keyboard shortcuts and the Quick tour."""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWhatsThis

from .whats_this import apply_whats_this

TOUR_OFFERED_KEY = "help/tour_offered"


def tour_steps(window):
    """``(title, text, area)`` for each stop of the tour of ``window``."""
    docks = window.docks
    return [
        ("The network", "Each circle is a unit and each line a weight: blue lines are "
         "positive, orange negative, and thicker ones larger. A unit's colour is its "
         "output for the chosen sample. Click a line to inspect that weight.",
         lambda: window.network_view),
        ("Step and play", "\N{RIGHTWARDS ARROW} trains one iteration and \N{LEFTWARDS ARROW} "
         "goes back; Space plays. Drag the timeline to any recorded iteration. \u03b7 is "
         "the learning rate.", lambda: window.transport),
        ("The curves", "Loss, accuracy, outputs and weights over the iterations. The "
         "vertical line is the iteration shown; drag it to move.",
         lambda: docks["PlotsView"]),
        ("Set up a run", "The Architecture, Dataset and Snapshots tabs: layers, "
         "activations and seed, the training data, and iterations you kept.",
         lambda: docks["ArchitectureDock"]),
        ("Why a weight moves", "The backprop inspector works out the gradient of the "
         "selected weight at the shown iteration, with the numbers. Its neighbours "
         "show the predictions and the loss surface.", lambda: docks["InspectorDock"]),
        ("Help is here", "Help \N{BLACK RIGHT-POINTING SMALL TRIANGLE} Quick tour shows this "
         "again. Press Shift+F1, then click any control to read what it does. "
         "View \N{BLACK RIGHT-POINTING SMALL TRIANGLE} Presentation mode is for a projector.",
         lambda: window.menuBar()),
    ]


class WindowHelp(QObject):
    """The help commands of ``window`` (a MainWindow)."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.tour = None  # the QuickTour on screen
        self.dialog = None
        self.action_whats_this = window.add_command(
            "What's &This?", None, "Shift+F1", "Click a control to read what it does",
            self.whats_this)
        self.action_tour = window.add_command("Quick &tour", None, None,
                                          "A short walk through the window",
                                          self.start_tour)
        self.action_shortcuts = window.add_command("&Keyboard shortcuts", None, None,
                                               "Every keyboard shortcut of the window",
                                               self.show_shortcuts)

    def add_to(self, menu):
        for action in (self.action_tour, self.action_shortcuts, self.action_whats_this):
            menu.addAction(action)
        menu.addSeparator()

    def whats_this(self):
        # Applied here, not at start: the texts cost nothing before they are asked
        # for, and controls made since (a lazily built dock, a new layer's row) get theirs.
        apply_whats_this(self.window)
        QWhatsThis.enterWhatsThisMode()

    def show_shortcuts(self):
        from .shortcuts import ShortcutsDialog

        if self.dialog is not None:
            self.dialog.close()
        self.dialog = ShortcutsDialog(self.window)
        self.dialog.finished.connect(self._dialog_closed)
        self.dialog.show()
        return self.dialog

    def _dialog_closed(self):
        self.dialog.deleteLater()
        self.dialog = None

    def start_tour(self):
        from .quick_tour import QuickTour

        if self.tour is not None:
            self.tour.close()
        self.tour = QuickTour(self.window, tour_steps(self.window))
        self.tour.sigClosed.connect(self._tour_closed)
        return self.tour.start()

    def _tour_closed(self):
        self.tour = None

    def offer_tour_once(self):
        """At the first launch, the tour; never again (remembered in QSettings)."""
        settings = self.window.settings
        if settings.value(TOUR_OFFERED_KEY, False, bool):
            return None
        settings.setValue(TOUR_OFFERED_KEY, True)
        return self.start_tour()
