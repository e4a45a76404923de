"""Shared test setup: Qt renders offscreen, so the suite needs no display."""

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")



@pytest.fixture
def window(qtbot, tmp_path):
    """The main window, shown, with a throw-away settings file (a module may define
    its own ``window`` to change that)."""
    from PySide6.QtCore import QSettings

    from gui.main_window import MainWindow

    w = MainWindow(settings=QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w
