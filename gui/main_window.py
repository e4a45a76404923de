"""The main window: actions, menus, toolbars, docks, status bar and settings.

Modelled on Qt for Python's ``application.py`` example: one QAction per command,
shared by menu, toolbar, transport bar and keyboard, its enabled state following
the session's signals. Everything that trains or moves the cursor goes through
``TrainingSession``; the window only wires views to it.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QDockWidget,
    QInputDialog,
    QMainWindow,
    QMessageBox,
    QProgressDialog,
)

import nncore
from gui.common.dock_style import title_bar_style, whole_tab_titles
from gui.common.icons import icon, icon_path
from gui.common.labels import steady_label
from gui.common.lazy_dock import LazyDock
from gui.common.screen_fit import bound_minimum_size, leave_minimum_to_us, screen_room
from gui.diagram.network_view import NetworkView
from gui.docks.architecture_dock import ArchitectureDock
from gui.docks.code_dock import CodeDock
from gui.docks.confusion_dock import ConfusionDock
from gui.docks.dataset.dataset_dock import DatasetDock
from gui.docks.gradient_flow_dock import GradientFlowDock
from gui.docks.inspector_dock import InspectorDock
from gui.docks.loss_surface_dock import LossSurfaceDock
from gui.docks.prediction_dock import PredictionDock
from gui.docks.snapshots_dock import SnapshotsDock
from gui.docks.sweep_dock import SweepDock
from gui.file_actions import FileActions
from gui.help.window_help import WindowHelp
from gui.lessons import Lessons
from gui.plots.plots_view import PlotsView
from gui.presentation import Presentation
from gui.recovery import Autosave
from gui.session import WATCH, TrainingSession
from gui.transport import TransportBar, TransportKeys
from nncore.number_text import parse_whole
from nncore.snapshot import MAX_ITERATION

SETTINGS_VERSION = 3  # bump when the docks or their names change so old layouts are not restored
DEFAULT_SIZE = QSize(1400, 900)  # at the first start, or less to fit the screen
# Docks sharing an area are tabbed: the left holds what sets a run up, the bottom
# what explains the shown iteration, the right the history.
DOCKS = (
    (ArchitectureDock, Qt.LeftDockWidgetArea),
    (DatasetDock, Qt.LeftDockWidgetArea),
    (SnapshotsDock, Qt.LeftDockWidgetArea),
    (InspectorDock, Qt.BottomDockWidgetArea),
    (PredictionDock, Qt.BottomDockWidgetArea),
    (ConfusionDock, Qt.BottomDockWidgetArea),
    (LossSurfaceDock, Qt.BottomDockWidgetArea),
    (CodeDock, Qt.BottomDockWidgetArea),
    (SweepDock, Qt.BottomDockWidgetArea),
    (GradientFlowDock, Qt.BottomDockWidgetArea),  # beside the plots, not behind them
)


class MainWindow(QMainWindow):
    """Backprop Lab's window. ``settings``: a QSettings (tests and screenshots pass a
    throw-away one); by default the user's settings for "Backprop Lab"."""

    def __init__(self, session=None, settings=None):
        super().__init__()
        self.session = session if session is not None else TrainingSession(parent=self)
        self.settings = settings if settings is not None else QSettings()
        self.progress = None  # the "Run to" progress dialog while a job runs
        self.run_to_default = 1000
        self.files = FileActions(self)
        self.lessons = Lessons(self)  # Stop when... and the Lessons menu
        self.setWindowTitle("Backprop Lab")
        self.setWindowIcon(icon("backprop-lab"))
        self.setDockOptions(QMainWindow.AllowTabbedDocks
                            | QMainWindow.AllowNestedDocks)
        # Contents asking for more room than the screen has must not push it past it.
        leave_minimum_to_us(self)

        self.create_actions()
        self.create_central_view()
        self.create_docks()
        self.create_menus()
        self.create_tool_bars()
        self.create_status_bar()
        self.connect_session()
        self.read_settings()
        self.create_session_care()
        self.transport.timeline.setFocus()  # not a text field: Space and arrows work at once

    # ---- table of contents ---------------------------------------------------------------

    def _action(self, text, icon_name, shortcut, tip, slot):
        action = QAction(text, self)
        if icon_name:
            action.setIcon(icon(icon_name))
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.setStatusTip(tip)
        action.setToolTip(f"{text.replace('&', '').rstrip('.')}"
                          + (f" ({action.shortcut().toString(QKeySequence.NativeText)})"
                             if shortcut else ""))
        action.triggered.connect(slot)
        self.addAction(action)  # shortcuts work wherever the window has focus
        return action

    def create_actions(self):
        s = self.session
        self.play_icons = {False: icon("play"), True: icon("pause")}
        self.transport_keys = TransportKeys(self)
        QApplication.instance().focusChanged.connect(self._focus_changed)
        self.action_play = self._action("&Play", "play", Qt.Key_Space,
                                        "Train continuously (Space pauses)", s.player.toggle_play)
        self.action_step = self._action("&Step", "step", Qt.Key_Right,
                                        "One iteration forward: one gradient step", s.cursor.step)
        self.action_step_back = self._action("Step &back", "step-back", Qt.Key_Left,
                                             "Show the previous iteration", s.cursor.step_back)
        self.action_micro_forward = self._action(
            "&Next micro-step", None, "Shift+Right", "Inside the iteration: the next phase "
            "(forward sums and activations, error, deltas, update)", s.micro.forward)
        self.action_micro_back = self._action(
            "Previous micro-step", None, "Shift+Left", "Inside the iteration: the previous "
            "phase", s.micro.back)
        self.action_micro_play = self._action(
            "Play in &micro-steps", None, None, "Play walks every phase of each iteration "
            "(the pace counts phases per second)", s.player.set_micro_steps)
        self.action_micro_play.setCheckable(True)
        self.action_micro_play.setIconText("micro")
        s.player.sigMicroStepsChanged.connect(self.action_micro_play.setChecked)
        self.action_reset = self._action("&Reset", "reset", Qt.Key_Home,
                                         "Back to iteration 0 (the history is kept)", s.reset)
        self.action_run_to = self._action("R&un to...", "run-to", "Ctrl+G",
                                          "Train or move to a chosen iteration", self.run_to)
        self.action_snapshot = self._action("&Take snapshot", "snapshot", "Ctrl+T",
                                            "Remember this iteration in the Snapshots list",
                                            s.snapshots.take)
        f = self.files
        self.action_open = self._action("&Open snapshot...", "open", "Ctrl+O",
                                        "Open a saved snapshot file", f.open_snapshot)
        self.action_save = self._action("&Save snapshot", "save", "Ctrl+S",
                                        "Save the run at the shown iteration",
                                        f.save_snapshot)
        self.action_save_as = self._action("Save snapshot &as...", "save-as", "Ctrl+Shift+S",
                                           "Save the run at the shown iteration to a new "
                                           "file", f.save_snapshot_as)
        self.action_export_png = self._action("Plots as &PNG...", None, None,
                                              "Save the plots as a PNG image",
                                              lambda: f.export_plots(suffix=".png"))
        self.action_export_svg = self._action("Plots as S&VG...", None, None,
                                              "Save the plots as an SVG drawing",
                                              lambda: f.export_plots(suffix=".svg"))
        self.action_export_csv = self._action("&History as CSV...", None, None,
                                              "Loss, accuracy, outputs (and weights) of "
                                              "every iteration as CSV", f.export_history)
        self.action_export_safetensors = self._action(
            "Weights as .&safetensors...", None, None, "Weights of the shown iteration for "
            "other tools", lambda: f.export_weights(suffix=".safetensors"))
        self.action_export_npz = self._action(
            "Weights as .&npz...", None, None, "Weights of the shown iteration as a numpy "
            "archive", lambda: f.export_weights(suffix=".npz"))
        self.action_export_script = self._action(
            "Python scr&ipt...", None, None, "The training so far as a numpy script that "
            "prints these weights", f.export_script)
        self.action_quit = self._action("&Quit", None, "Ctrl+Q", "Quit Backprop Lab",
                                        self.close)
        self.action_log_x = self._action("&Logarithmic iteration axis", None, None,
                                         "Plot iterations on a log scale", self._set_log_x)
        self.action_log_x.setCheckable(True)
        self.action_neuron_maps = self._action(
            "&Neuron maps", None, None, "Fill each hidden and output node with its output "
            "over the input plane (or over the samples)", self._set_neuron_maps)
        self.action_neuron_maps.setCheckable(True)
        self.action_about = self._action("&About Backprop Lab", None, None,
                                         "Version and credits", self.about)
        self.action_about_qt = self._action("About &Qt", None, None, "The Qt version",
                                            lambda: QMessageBox.aboutQt(self))
        self.presentation = Presentation(self)  # View > Presentation mode, Zoom
        self.help = WindowHelp(self)  # Help > Quick tour, Keyboard shortcuts, What's This

    def _focus_changed(self, _old, new):
        if isinstance(new, QAbstractSpinBox) and self.isAncestorOf(new):
            new.installEventFilter(self.transport_keys)  # installing twice keeps one

    def create_central_view(self):
        self.network_view = NetworkView(self.session)
        self.setCentralWidget(self.network_view)
        maps_on = self.settings.value("view/neuron_maps", True, type=bool)
        self.action_neuron_maps.setChecked(maps_on)
        self.network_view.neuron_maps.set_enabled(maps_on)

    def create_docks(self):
        """The plots on the right; the other docks tabbed on the left and bottom."""
        self.docks = {}
        self._dock_groups = {}  # area -> docks in it, tabbed together at the first show
        self.docks_arranged = False
        # Side columns run the full height; the bottom tabs sit under the diagram only.
        self.setCorner(Qt.BottomLeftCorner, Qt.LeftDockWidgetArea)
        self.setCorner(Qt.BottomRightCorner, Qt.RightDockWidgetArea)
        self.plots_view = PlotsView(self.session)
        plots = QDockWidget("Plots", self)
        plots.setObjectName("plots_dock")
        plots.setWidget(self.plots_view)
        self._add_dock("PlotsView", plots, Qt.RightDockWidgetArea)
        for cls, area in DOCKS:
            # A LazyDock builds its widgets when first on screen (gui/common/lazy_dock.py).
            lazy = {"lazy": True} if issubclass(cls, LazyDock) else {}
            self._add_dock(cls.__name__, cls(self.session, self, **lazy), area)
        self.snapshots_dock = self.docks["SnapshotsDock"]
        # Tabbed now, so the first show lays out one dock per area, not all eleven
        # (the untabbed pass was a tenth of start-up); sized at the first show.
        for group in self._dock_groups.values():
            for dock in group[1:]:
                self.tabifyDockWidget(group[0], dock)
            group[0].raise_()  # the first tab of each area is the one shown

    def _add_dock(self, name, dock, area):
        dock.setStyle(title_bar_style())  # the same look, icons kept (gui/common/dock_style.py)
        self.addDockWidget(area, dock)
        self._dock_groups.setdefault(area, []).append(dock)
        self.docks[name] = dock

    def arrange_docks(self, size):
        """Size the columns, then restore the learner's saved layout; at the first
        show, when the window's size is final."""
        # Shares of the window (of ``size``): the diagram in the middle keeps the most.
        share = {Qt.LeftDockWidgetArea: 0.23, Qt.RightDockWidgetArea: 0.30}
        sides = [group[0] for area, group in self._dock_groups.items() if area in share]
        self.resizeDocks(sides, [int(size.width() * share[self.dockWidgetArea(d)])
                                 for d in sides], Qt.Horizontal)
        if Qt.BottomDockWidgetArea in self._dock_groups:
            self.resizeDocks(self._dock_groups[Qt.BottomDockWidgetArea][:1],
                             [int(size.height() * 0.44)], Qt.Vertical)
        state = self.settings.value("window/state", QByteArray())
        if state and state.size():
            self.restoreState(state, SETTINGS_VERSION)
        whole_tab_titles(self)
        self.docks_arranged = True

    def setVisible(self, visible):
        if visible and not self.docks_arranged:
            # Showing can grow the window to its contents' minimum before the columns
            # are sized (arrange_docks); showEvent puts this size back.
            self._size_before_show = self.size()
        super().setVisible(visible)

    def showEvent(self, event):
        if not self.docks_arranged:
            self.arrange_docks(self._size_before_show)
            self.layout().activate()  # the tabbed layout's smaller minimum, now
            self.resize(self._size_before_show)
        super().showEvent(event)
        bound_minimum_size(self)  # the frame is known now

    def event(self, event):
        handled = super().event(event)
        bound_minimum_size(self, event)  # on a LayoutRequest
        return handled

    def create_menus(self):
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self.action_open)
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self.files.fill_recent_menu)
        file_menu.addAction(self.action_save)
        file_menu.addAction(self.action_save_as)
        file_menu.addSeparator()
        export_menu = file_menu.addMenu(icon("export"), "&Export")
        for action in (self.action_export_png, self.action_export_svg, None,
                       self.action_export_csv, None, self.action_export_safetensors,
                       self.action_export_npz, None, self.action_export_script):
            export_menu.addSeparator() if action is None else export_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(self.action_quit)

        training = bar.addMenu("&Training")
        for action in (self.action_play, self.action_step, self.action_step_back,
                       self.action_reset, None, self.action_micro_forward,
                       self.action_micro_back, self.action_micro_play, None,
                       self.action_run_to, None, self.action_snapshot, None,
                       self.lessons.action_stop_when):
            training.addSeparator() if action is None else training.addAction(action)
        self.lessons.add_menu(bar)

        self.view_menu = bar.addMenu("&View")
        for dock in self.docks.values():
            self.view_menu.addAction(dock.toggleViewAction())
        self.view_menu.addSeparator()
        self.view_menu.addAction(self.action_log_x)
        self.view_menu.addAction(self.action_neuron_maps)
        self.view_menu.addSeparator()
        self.presentation.add_to(self.view_menu)

        help_menu = bar.addMenu("&Help")
        self.help.add_to(help_menu)
        help_menu.addAction(self.action_about)
        help_menu.addAction(self.action_about_qt)

    def create_tool_bars(self):
        files = self.addToolBar("File")
        files.setObjectName("file_toolbar")
        for action in (self.action_open, self.action_save, None, self.action_snapshot,
                       self.action_run_to):
            files.addSeparator() if action is None else files.addAction(action)
        # The transport is a toolbar too, so it can be moved (top or bottom) like one.
        transport = self.addToolBar("Transport")
        transport.setObjectName("transport_toolbar")
        transport.setAllowedAreas(Qt.TopToolBarArea | Qt.BottomToolBarArea)
        self.transport = TransportBar(self.session, [
            self.action_reset, self.action_step_back, self.action_play, self.action_step,
            self.action_micro_play])
        transport.addWidget(self.transport)
        self.view_menu.addSeparator()
        self.view_menu.addAction(files.toggleViewAction())
        self.view_menu.addAction(transport.toggleViewAction())

    def create_status_bar(self):
        bar = self.statusBar()
        self.iteration_label = steady_label("Iteration 000000000 ")
        self.loss_label = steady_label("Loss 0.000000e-00 ")
        self.accuracy_label = steady_label("Accuracy 100% ")
        for label in (self.iteration_label, self.loss_label, self.accuracy_label):
            bar.addPermanentWidget(label)
        bar.showMessage("Space plays and pauses; the arrow keys step; Shift+arrows step "
                        "inside an iteration.", 8000)

    def connect_session(self):
        s = self.session
        for signal in (s.cursor.sigIterationChanged, s.cursor.sigHistoryChanged,
                       s.cursor.sigRunReplaced, s.player.sigPlayingChanged):
            signal.connect(self.update_state)
        s.sigMessage.connect(lambda text: self.statusBar().showMessage(text, 10000))
        s.player.sigRunToProgress.connect(self._run_to_progress)
        self.update_state()

    def read_settings(self):
        s = self.settings
        geometry = s.value("window/geometry", QByteArray())
        if geometry and geometry.size():
            self.restoreGeometry(geometry)  # Qt fits it to the screen it lands on
        else:
            self.resize(DEFAULT_SIZE.boundedTo(screen_room(self)))
        # (The dock layout is restored at the first show; see arrange_docks.)
        # The learner's last play pace. (Not "transport/speed": that key kept the old
        # default, max, for everyone, and play now starts at the watch pace.)
        try:
            self.session.player.set_pace(s.value("transport/pace", WATCH))
        except ValueError:
            pass  # a hand-edited file: keep the default
        self.action_log_x.setChecked(s.value("plots/log_x", False, bool))
        self._set_log_x(self.action_log_x.isChecked())

    def write_settings(self):
        s = self.settings
        s.setValue("window/geometry", self.saveGeometry())
        if self.docks_arranged:  # a never-shown window has no layout worth keeping
            s.setValue("window/state", self.saveState(SETTINGS_VERSION))
        s.setValue("plots/log_x", self.action_log_x.isChecked())
        s.setValue("transport/pace", str(self.session.player.pace))
        s.sync()

    def add_command(self, text, icon_name, shortcut, tip, slot):
        """A window action (see ``_action``), for the parts that add their own commands
        (gui/presentation.py, gui/help/)."""
        return self._action(text, icon_name, shortcut, tip, slot)

    def create_session_care(self):
        """Autosave and recovery (gui/recovery/)."""
        self.recovery = Autosave(self)
        self.files.on_saved.append(self.recovery.mark_saved)
        self.presentation.apply()  # the remembered zoom

    # ---- following the session ---------------------------------------------------------

    def update_state(self, *_):
        """Status bar figures and which actions make sense right now."""
        s, run = self.session, self.session.run
        k = s.iteration
        self.iteration_label.setText(f"Iteration {k}")
        self.loss_label.setText(f"Loss {run.losses[k]:.6g}")
        self.accuracy_label.setText(f"Accuracy {run.accuracies[k]:.0%}")
        playing, busy = s.player.playing, s.player.busy
        if playing != (self.action_play.text() == "&Pause"):
            self.action_play.setText("&Pause" if playing else "&Play")
            self.action_play.setIcon(self.play_icons[playing])
            self.action_play.setToolTip("Pause (Space)" if playing else "Play (Space)")
        self.action_play.setEnabled(not busy and (playing or s.cursor.can_step))
        self.action_step.setEnabled(not busy and s.cursor.can_step)
        self.action_step_back.setEnabled(not busy and k > 0)
        for action in (self.action_micro_forward, self.action_micro_back):
            action.setEnabled(not busy)
        self.action_reset.setEnabled(not busy and (k > 0 or playing))
        self.action_run_to.setEnabled(not busy)
        self.action_snapshot.setEnabled(not busy)

    # ---- training commands -------------------------------------------------------------

    def run_to(self, target=None):
        """Train (or move) to iteration ``target``; asks for it when None.

        The session trains on its timer, so the window stays responsive; a progress
        dialog with Cancel follows the job.
        """
        if target is None or isinstance(target, bool):  # a QAction passes `checked`
            # Text, not getInt: its spin box drops a keystroke past the maximum, so
            # 20000000 would quietly become 2000000.
            text, ok = QInputDialog.getText(
                self, "Run to", f"Train until iteration (0 to {MAX_ITERATION}):",
                text=str(self.run_to_default))
            if not ok:
                return
            try:
                target = parse_whole(text, "iteration", 0, MAX_ITERATION)
            except ValueError as exc:
                self.statusBar().showMessage(f"Not run: {exc}", 10000)
                return
        self.run_to_default = target
        self.session.player.run_to(target)
        self.update_state()

    def _run_to_progress(self, done, total):
        if total == 0:  # finished or cancelled
            if self.progress is not None:
                self.progress.close()
                self.progress.deleteLater()
                self.progress = None
        else:
            if self.progress is None:
                self.progress = QProgressDialog(
                    f"Training to iteration {self.session.player.run_to_target:,}"
                    "\N{HORIZONTAL ELLIPSIS}",
                    "Cancel",
                    0, total, self)
                self.progress.setWindowTitle("Run to")
                # Non-modal: a modal one would spin the event loop inside setValue.
                self.progress.setWindowModality(Qt.NonModal)
                self.progress.setMinimumDuration(400)
                self.progress.setAutoReset(False)
                self.progress.setAutoClose(False)
                self.progress.canceled.connect(self.session.player.cancel_run_to)
            self.progress.setMaximum(total)
            self.progress.setValue(done)
        self.update_state()

    def _set_log_x(self, on):
        self.plots_view.set_log_x(bool(on))

    def _set_neuron_maps(self, on):
        self.network_view.neuron_maps.set_enabled(on)
        self.settings.setValue("view/neuron_maps", bool(on))

    def about(self):
        QMessageBox.about(
            self, "About Backprop Lab",
            f"<p><img src='{icon_path('backprop-lab')}' width=48 height=48></p>"
            f"<h3>Backprop Lab {nncore.__version__}</h3>"
            "<p>Watch a small neural network learn, one iteration at a time, and see "
            "why each weight moves.</p>"
            "<p>Iteration <i>k</i> shows the weights W<sub>k</sub> and their outputs; "
            "one step is W<sub>k+1</sub> = W<sub>k</sub> &minus; &eta; "
            "&part;E/&part;W.</p><p>MIT licence.</p>")

    def closeEvent(self, event):
        if not self.recovery.confirm_close():
            event.ignore()
            return
        # Stop the play timer first: nothing may fire into half-destroyed views.
        self.session.shutdown()
        self.recovery.quit_cleanly()
        self.presentation.restore_application_font()
        if self.progress is not None:
            self.progress.close()
        self.write_settings()
        super().closeEvent(event)
