"""Start the window (``run_app``) or render it to a PNG without a display (``screenshot``).

Qt is imported inside the functions: ``screenshot`` must choose the offscreen
platform before the first Qt import, and ``backprop-lab --help`` should not pay
for loading Qt at all.
"""

from __future__ import annotations

import gc
import os
import re
import sys
import tempfile

APP_NAME = "Backprop Lab"
COLLECT_AFTER_MS = 5000  # garbage collection back on by then, frame or not (run_app)


NO_PLATFORM = ("error: cannot open the window: {reason}; use 'backprop-lab train ...' for "
               "the command line, or set QT_QPA_PLATFORM=offscreen")


def _application(argv):
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or _new_application(argv)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)  # QSettings: ~/.config/Backprop Lab/Backprop Lab.conf
    app.setApplicationDisplayName(APP_NAME)
    return app


def _new_application(argv):
    """A QApplication, or exit 2 with one line when no platform plugin starts.

    Qt aborts the process (SIGABRT, a core dump and a screenful of advice) when
    DISPLAY names an X server that is gone, or libxcb-cursor0 is missing. Its
    fatal message arrives through the message handler first: say what went wrong
    on one line and exit there, since nothing can unwind through Qt's frames.
    """
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler
    from PySide6.QtWidgets import QApplication

    notes = []

    def on_message(kind, _context, message):
        if kind != QtMsgType.QtFatalMsg:
            notes.append(message)
            return
        reason = (notes[0] if notes else message.splitlines()[0]).strip().rstrip(".")
        sys.stdout.flush()
        sys.stderr.write(NO_PLATFORM.format(reason=" ".join(reason.split())) + "\n")
        sys.stderr.flush()
        os._exit(2)

    previous = qInstallMessageHandler(on_message)
    try:
        app = QApplication(list(argv))
    finally:
        qInstallMessageHandler(previous)
    for note in notes:  # the start worked: pass on what Qt said while starting
        sys.stderr.write(note + "\n")
    return app


def run_app(argv=None):
    """Open the window on the tutorial run (iteration 0) and run until it closes."""
    argv = sys.argv if argv is None else argv
    app = _application(argv)

    from PySide6.QtCore import QTimer

    from gui.common.errors import ErrorDialogHook
    from gui.common.icons import icon
    from gui.main_window import MainWindow

    app.setWindowIcon(icon("backprop-lab"))
    window = MainWindow()
    # Installed here, never in MainWindow: tests keep pytest-qt's exception capture.
    session = window.session
    # Stop play and any "Run to" job first, so a slot failing on every tick shows once.
    player = session.player
    hook = ErrorDialogHook(on_error=lambda: (player.cancel_run_to(), player.pause()))
    hook.install()
    # The restore offer and the first-launch tour wait for the first frame: the
    # learner sees the window they are about, and start-up is not longer for them.
    # Garbage collection comes back then too, or after a few seconds if no frame is
    # drawn (a window started minimised).
    after_first_paint(window, lambda: (start_collecting(), launch_offers(window, tour=True)))
    QTimer.singleShot(COLLECT_AFTER_MS, start_collecting)
    window.show()
    try:
        return app.exec()
    finally:
        hook.uninstall()


def launch_offers(window, tour=False):
    """What the first window of a launch offers once it is on screen: a session left
    by a crash (gui/recovery/), else (``tour``) the quick tour at the very first
    launch. Returns what the restore offer returned (True if restored)."""
    restored = window.recovery.offer_restore()
    if tour and not restored:
        window.help.offer_tour_once()
    return restored


def start_collecting():
    """Garbage collection on again: ``backprop-lab`` keeps it off while the window
    starts (gui/cli.py). Nothing is frozen: a cycle left over from start-up is still
    collected."""
    gc.enable()


def after_first_paint(widget, callback):
    """Call ``callback`` from the event loop once ``widget`` has painted."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    class FirstPaint(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint:
                obj.removeEventFilter(self)
                QTimer.singleShot(0, callback)
                self.deleteLater()
            return False

    widget.installEventFilter(FirstPaint(widget))


def parse_size(size):
    """``"1400x900"`` -> (1400, 900); ValueError with a readable message otherwise."""
    # ASCII digits only: a str pattern's \d also matches "١٤٠٠" (re.ASCII stops that).
    match = re.fullmatch(r"\s*(\d{1,5})\s*[xX\u00d7]\s*(\d{1,5})\s*", str(size), re.ASCII)
    if not match:
        raise ValueError(f"size {size!r}: expected WIDTHxHEIGHT, e.g. 1400x900")
    width, height = int(match.group(1)), int(match.group(2))
    if not (320 <= width <= 8000 and 240 <= height <= 8000):
        raise ValueError(f"size {size!r}: width 320..8000 and height 240..8000 pixels")
    return width, height


def screenshot(out_path, iteration=0, size="1400x900"):
    """Render the window at ``iteration`` of the tutorial run to a PNG; 0 or 2 on error.

    Runs offscreen, with a throw-away settings file so the user's saved layout does
    not leak into the picture (and the picture does not overwrite it).
    """
    from nncore.files import atomic_write, save_target

    try:
        width, height = parse_size(size)
        iteration = int(iteration)
        if not 0 <= iteration <= 10_000_000:
            raise ValueError(f"iteration {iteration}: expected 0..10000000")
        save_target(out_path)  # a bad target is refused before the window is built
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    app = _application([sys.argv[0] if sys.argv else "backprop-lab"])

    from PySide6.QtCore import QSettings

    from gui.common.exports import png_bytes
    from gui.main_window import MainWindow
    from gui.session import TrainingSession

    session = TrainingSession()
    # Train before the window exists: the views then draw the final state once.
    session.run.train(iteration)
    session.cursor.seek(iteration)
    with tempfile.TemporaryDirectory() as temp:
        settings = QSettings(os.path.join(temp, "screenshot.ini"), QSettings.IniFormat)
        window = MainWindow(session, settings)
        window.resize(width, height)
        window.show()
        for _ in range(3):  # layout, then the views' deferred redraws
            app.processEvents()
        image = window.grab()
        window.close()
        window.deleteLater()
        app.processEvents()
        del settings
    try:
        atomic_write(out_path, png_bytes(image, out_path))
    except ValueError as exc:  # SaveError is one
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
