"""Starting the app: the offscreen screenshot, run_app, and the error dialog hook.

The screenshot and run_app run in a child process: both set the application's
name (which decides where QSettings lives) and the screenshot must pick the Qt
platform before Qt is first imported. The child's config folder is a temp dir.
"""

import json
import os
import subprocess
import sys
import textwrap
import traceback

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QMessageBox

from gui.app import parse_size, screenshot
from gui.common.errors import ErrorDialogHook

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_python(code, tmp_path, display_env=False):
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY")}
    if display_env:
        env["QT_QPA_PLATFORM"] = "offscreen"
    env.update(XDG_CONFIG_HOME=str(tmp_path / "config"), HOME=str(tmp_path),
               PYTHONPATH=ROOT)
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env,
                          cwd=str(tmp_path), capture_output=True, text=True, timeout=120)


def test_screenshot_renders_the_window_offscreen_at_the_iteration(tmp_path):
    out = tmp_path / "window.png"
    done = run_python(f"""
        import sys
        from gui.app import screenshot
        sys.exit(screenshot({str(out)!r}, 1000, "1400x900"))
        """, tmp_path)  # no QT_QPA_PLATFORM and no DISPLAY: offscreen is forced
    assert done.returncode == 0, done.stderr
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1400, 900)
    # A real picture, not a blank one: many distinct colours in a sampled grid.
    colours = {image.pixel(x, y) for x in range(0, 1400, 20) for y in range(0, 900, 20)}
    assert len(colours) > 20
    # The user's settings were neither read nor written.
    assert not (tmp_path / "config" / "Backprop Lab").exists()


NOT_A_SIZE = "expected WIDTHxHEIGHT, e.g. 1400x900"
OUT_OF_RANGE = "width 320..8000 and height 240..8000 pixels"


@pytest.mark.parametrize("size, reason", [("big", NOT_A_SIZE), ("1400", NOT_A_SIZE),
                                          ("10x10", OUT_OF_RANGE),
                                          ("1400x900x3", NOT_A_SIZE), ("-5x600", NOT_A_SIZE)])
def test_screenshot_refuses_a_bad_size(tmp_path, capsys, size, reason):
    assert screenshot(str(tmp_path / "x.png"), 0, size) == 2
    assert capsys.readouterr().err == f"error: size {size!r}: {reason}\n"
    assert not (tmp_path / "x.png").exists()


def test_screenshot_refuses_a_missing_folder(tmp_path, capsys):
    out = tmp_path / "nope" / "x.png"
    assert screenshot(str(out), 0, "800x500") == 2
    folder = str(tmp_path / "nope")
    assert capsys.readouterr().err == f"error: {out}: folder {folder!r} does not exist\n"


def test_parse_size():
    assert parse_size("1400x900") == (1400, 900)
    assert parse_size(" 800 X 500 ") == (800, 500)
    with pytest.raises(ValueError, match="WIDTHxHEIGHT"):
        parse_size("1400 by 900")


def test_run_app_opens_the_tutorial_survives_a_slot_error_and_saves_settings(tmp_path):
    done = run_python("""
        import json, sys
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication, QMessageBox
        from gui.app import run_app
        from gui.main_window import MainWindow

        report = {"dialogs": []}

        def record_dialog(box):  # the error dialog, without blocking
            report["dialogs"].append(box.text())
            return QMessageBox.Ok

        QMessageBox.exec = record_dialog

        def failing_slot():
            raise RuntimeError("boom in a slot")

        def check():
            window = next(w for w in QApplication.topLevelWidgets()
                          if isinstance(w, MainWindow))
            s = window.session
            report.update(title=window.windowTitle(), iteration=s.iteration,
                          layers=s.run.layer_sizes, seed=s.run.seed,
                          rate=s.run.learning_rate, dataset=s.cursor.config.dataset_name,
                          app=QApplication.applicationName(),
                          org=QApplication.organizationName())
            s.player.play()
            QTimer.singleShot(0, failing_slot)  # raises inside the event loop
            QTimer.singleShot(300, lambda: finish(window))

        def finish(window):
            report["still_visible"] = window.isVisible()
            report["playing_after_error"] = window.session.player.playing
            window.close()

        show = MainWindow.show

        def show_then_check(window):  # run_app makes the QApplication; timers need it
            show(window)
            QTimer.singleShot(200, check)

        MainWindow.show = show_then_check
        code = run_app(["backprop-lab"])
        report["code"] = code
        report["hook_removed"] = sys.excepthook is sys.__excepthook__
        print(json.dumps(report))
        """, tmp_path, display_env=True)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["code"] == 0 and report["title"] == "Backprop Lab"
    assert (report["iteration"], report["layers"], report["seed"], report["rate"],
            report["dataset"]) == (0, [3, 1], 1, 1.0, "tutorial")
    assert report["app"] == report["org"] == "Backprop Lab"
    assert len(report["dialogs"]) == 1 and "boom in a slot" in report["dialogs"][0]
    assert report["still_visible"]  # the app kept running after the error
    assert not report["playing_after_error"]  # and paused, so errors do not pile up
    assert report["hook_removed"]
    assert "RuntimeError: boom in a slot" in done.stderr  # the traceback is printed too
    settings = tmp_path / "config" / "Backprop Lab" / "Backprop Lab.conf"
    assert settings.exists() and "window" in settings.read_text()


def test_error_hook_shows_one_dialog_at_a_time(qapp, monkeypatch, capsys):
    shown, paused = [], []
    hook = ErrorDialogHook(on_error=lambda: paused.append(True))

    def exec_box(box):
        shown.append((box.text(), box.detailedText()))
        # A second error while the dialog is open is printed, not stacked.
        hook(ValueError, ValueError("second"), None)
        return QMessageBox.Ok

    monkeypatch.setattr(QMessageBox, "exec", exec_box)
    try:
        raise ZeroDivisionError("first")
    except ZeroDivisionError as exc:
        hook(type(exc), exc, exc.__traceback__)
        expected_tb = "".join(traceback.format_exception(exc))
    assert len(shown) == 1 and "ZeroDivisionError: first" in shown[0][0]
    assert shown[0][1] == expected_tb and paused == [True]
    err = capsys.readouterr().err
    assert "ZeroDivisionError: first" in err and "ValueError: second" in err
    assert not hook.showing


def test_the_launch_offers_wait_for_the_first_paint(qtbot):
    from PySide6.QtWidgets import QMainWindow

    from gui.app import after_first_paint

    window = QMainWindow()
    qtbot.addWidget(window)
    called = []
    after_first_paint(window, lambda: called.append(window.isVisible()))
    assert called == []
    window.show()
    qtbot.waitUntil(lambda: called == [True])


def test_the_window_starts_without_garbage_collection_until_its_first_frame(tmp_path):
    """``backprop-lab`` with no arguments keeps the collector off while it imports and
    builds the window, and turns it back on once the first frame is painted (when the
    launch offers come)."""
    done = run_python("""
        import gc, os
        import gui.app
        real = gui.app.start_collecting
        def watched():
            print("while starting:", gc.isenabled(), flush=True)
            real()
            print("after the first frame:", gc.isenabled(), flush=True)  # os._exit next
            os._exit(0)
        gui.app.start_collecting = watched
        from gui.cli import main
        main([])
        """, tmp_path, display_env=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["while starting: False",
                                        "after the first frame: True"]
