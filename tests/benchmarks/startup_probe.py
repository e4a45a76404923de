"""Start a window, print ``time.perf_counter()`` when its first frame has been
painted, and exit at once. The parent process takes the time before spawning
this one, so the difference is the whole start-up: interpreter, imports, window,
first paint. ``perf_counter`` is CLOCK_MONOTONIC on Linux, shared by processes.

    python tests/benchmarks/startup_probe.py app    # ``backprop-lab`` itself
    python tests/benchmarks/startup_probe.py bare   # QMainWindow + one PlotWidget

``app`` runs the real entry point, ``gui.cli.main([])``, untouched; the only
addition is an event filter on the main window, installed right after
``MainWindow.__init__`` (by wrapping it once the QApplication exists, so the
import order of the app is not changed). The first frame is done when control
returns to the event loop after the window's first expose event: Qt paints the
whole window in one pass while handling it, and a zero-delay timer fires after.
"""

from __future__ import annotations

import os
import sys
import time

WINDOW_SIZE = (1400, 900)  # the app's default size on a first start


def _first_frame_filter():
    """An event filter for a top-level widget: when its native window is first
    exposed, Qt paints the whole window synchronously; a zero-delay timer started
    then fires once that paint is done, and reports."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    class FirstFrame(QObject):
        def __init__(self):
            super().__init__()
            self.seen = False

        def eventFilter(self, obj, event):
            kind = event.type()
            if kind == QEvent.Type.Show and obj.isWidgetType() and obj.windowHandle():
                obj.windowHandle().installEventFilter(self)
            elif kind == QEvent.Type.Expose and not self.seen and obj.isExposed():
                self.seen = True
                QTimer.singleShot(0, self.report)
            return False

        def report(self):
            print(f"{time.perf_counter():.6f}", flush=True)
            os._exit(0)  # tear-down is not start-up

    return FirstFrame()


def bare():
    import pyqtgraph as pg
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication([sys.argv[0]])
    window = QMainWindow()
    window.setCentralWidget(pg.PlotWidget())
    window.resize(*WINDOW_SIZE)
    probe = _first_frame_filter()
    window.installEventFilter(probe)
    window.show()
    return app.exec()


def app():
    sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
    import gui.app

    make_application = gui.app._application

    def application(argv):
        qt_app = make_application(argv)
        import gui.main_window

        init = gui.main_window.MainWindow.__init__
        probe = _first_frame_filter()

        def watched_init(self, *args, **kwargs):
            init(self, *args, **kwargs)
            self.installEventFilter(probe)

        gui.main_window.MainWindow.__init__ = watched_init
        return qt_app

    gui.app._application = application
    from gui.cli import main

    return main([])


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.exit({"app": app, "bare": bare}[sys.argv[1]]())
