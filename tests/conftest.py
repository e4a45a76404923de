"""Shared test setup. Qt renders offscreen, so the suite needs no display.

Fixtures, for a test to ask for by name:

- ``settings``: a throw-away QSettings file, so the user's own layout is never read
  or written by a test;
- ``open_window`` and ``window``: the main window on those settings, shown and drawn;
- ``make_view``: one dock, view or bar on its own session, shown;
- ``warned``: QMessageBox.warning records ``(title, text)`` instead of blocking;
- ``asked`` (for every test): QMessageBox.question records ``(title, text)`` and
  answers ``asked.answer``, by default Discard or No, so a window closed with unsaved
  work never blocks a test; ``app_data`` (for every test): the app-data folder, where
  recovery files go, is a temporary one;
- ``drawn``, ``train``, ``run_to``, ``type_text``: the steps most GUI tests take
  (wait for a redraw, record iterations, Run to, type into a field).
"""

import operator
import os
import weakref

import pytest
import shiboken6

# A desktop-sized virtual screen, not the offscreen default of 800 x 800: the window
# fits its size and minimum size to its screen.
SCREEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "offscreen_screen.json")
os.environ.setdefault("QT_QPA_PLATFORM", f"offscreen:configfile={SCREEN}")

from fake_clock import finish_run_to  # noqa: E402
from PySide6.QtCore import QSettings, Qt  # noqa: E402
from PySide6.QtWidgets import QMessageBox  # noqa: E402

from gui.common.redraw import on_screen  # noqa: E402
from gui.main_window import MainWindow  # noqa: E402
from gui.recovery import recovery_folder  # noqa: E402
from gui.session import TrainingSession  # noqa: E402


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "shows_iteration(attribute): where the views of a module keep the "
        "iteration they drew (dotted for a nested attribute); drawn() checks it")


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat)


@pytest.fixture
def open_window(qtbot, settings):
    """``open_window()`` makes a main window on ``settings``; each call makes another
    on the same file, as a relaunch does. It is shown and has drawn its first frame
    (``show=False`` leaves it hidden). It is closed after the test unless the test
    destroyed it; closing stops the session's timers. Only weak references are kept,
    so a test can check that nothing of a destroyed window stays alive."""
    opened = []

    def open_(show=True):
        window = MainWindow(settings=settings)
        opened.append(weakref.ref(window))
        if show:
            window.show()
            qtbot.waitExposed(window)
            # The shown docks' first redraws run from the event loop: once the
            # inspector has drawn (or is behind a tab), every redraw asked for at the
            # first show has had its turn.
            inspector = window.docks["InspectorDock"]
            qtbot.waitUntil(lambda: not inspector.redraw.stale or not on_screen(inspector))
        return window

    yield open_
    for ref in opened:
        window = ref()
        if window is not None and shiboken6.isValid(window):
            window.close()
            window.deleteLater()


@pytest.fixture
def window(open_window):
    return open_window()


@pytest.fixture
def make_view(qtbot):
    """``make_view(cls, *args, size=(w, h), session=None)`` builds ``cls(session,
    *args)`` on a new TrainingSession (or the one given), registered with qtbot,
    resized, shown and exposed; the session's timers stop after the test."""
    sessions = []

    def make(cls, *args, size=None, session=None):
        if session is None:
            session = TrainingSession()
        sessions.append(session)
        view = cls(session, *args)
        qtbot.addWidget(view)
        if size is not None:
            view.resize(*size)
        view.show()
        qtbot.waitExposed(view)
        return view

    yield make
    for session in sessions:
        session.shutdown()


@pytest.fixture
def warned(monkeypatch):
    """The warnings shown, as ``(title, text)``: QMessageBox.warning records them
    instead of blocking the test on a modal dialog."""
    shown = []

    def record(parent, title, text, *args, **kwargs):
        shown.append((title, text))
        return QMessageBox.Ok

    monkeypatch.setattr(QMessageBox, "warning", record)
    return shown


class Questions(list):
    """The questions asked, as ``(title, text)``; ``answer`` is the button to press
    (None: Discard when offered, else No)."""

    answer = None

    def ask(self, parent, title, text, buttons=QMessageBox.Yes | QMessageBox.No,
            default=QMessageBox.NoButton):
        self.append((title, text))
        if self.answer is not None:
            return self.answer
        return QMessageBox.Discard if buttons & QMessageBox.Discard else QMessageBox.No


@pytest.fixture(autouse=True)
def asked(monkeypatch):
    questions = Questions()
    monkeypatch.setattr(QMessageBox, "question", questions.ask)
    return questions


@pytest.fixture(autouse=True)
def app_data(tmp_path, monkeypatch):
    folder = tmp_path / "app-data"
    monkeypatch.setenv("XDG_DATA_HOME", str(folder))
    # Qt reads XDG_DATA_HOME at each call on Linux; elsewhere this fails loudly
    # rather than let a test write into the user's own app-data folder.
    assert recovery_folder().startswith(str(folder))
    return folder


@pytest.fixture
def drawn(qtbot, request):
    """``drawn(view)`` waits until ``view`` has drawn every change so far. In a module
    marked ``shows_iteration(attribute)``, the view must then show the session's
    iteration."""
    marker = request.node.get_closest_marker("shows_iteration")
    shown_iteration = operator.attrgetter(marker.args[0]) if marker else None

    def wait(view):
        qtbot.waitUntil(lambda: not view.redraw.stale)
        if shown_iteration is not None:
            assert shown_iteration(view) == view.session.iteration

    return wait


@pytest.fixture
def train():
    """``train(session, n)`` records ``n`` more iterations through Run to, as the
    window does, and shows the newest. It runs the job's frames itself, without the
    event loop: how many frames that takes does not change the result."""

    def run_more(session, n):
        session.player.run_to(session.run.newest + n)
        finish_run_to(session)

    return run_more


@pytest.fixture
def run_to(qtbot):
    """``run_to(window, n)``: Run to iteration ``n`` through the window, frame by
    frame until the job is done (as ``train`` does), and check the window shows ``n``."""

    def run(window, n):
        window.run_to(n)
        finish_run_to(window.session)
        assert window.session.iteration == n
        assert window.iteration_label.text() == f"Iteration {n}"

    return run


@pytest.fixture
def type_text(qtbot):
    """``type_text(field, text)``: focus a line edit, replace what it holds by
    ``text`` with the keyboard, and press Return, as a learner does."""

    def type_(field, text):
        field.setFocus()
        qtbot.waitUntil(field.hasFocus)
        field.selectAll()
        qtbot.keyClick(field, Qt.Key_Backspace)
        qtbot.keyClicks(field, text)
        qtbot.keyClick(field, Qt.Key_Return)

    return type_
