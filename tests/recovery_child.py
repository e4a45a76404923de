"""A Backprop Lab process for the kill test (tests/test_recovery.py).

    python tests/recovery_child.py SETTINGS.ini

Opens the window offscreen, makes hand edits, takes a snapshot, writes the recovery
file by calling the autosave's slot, prints one JSON line (what the window shows),
and runs until it is killed. Its app-data folder comes from ``XDG_DATA_HOME``.
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ["QT_QPA_PLATFORM"] = "offscreen"

from gui.app import _application  # noqa: E402


def main(settings_path):
    app = _application([sys.argv[0]])
    from PySide6.QtCore import QSettings

    from gui.main_window import MainWindow

    window = MainWindow(settings=QSettings(settings_path, QSettings.IniFormat))
    window.show()
    app.processEvents()
    cursor = window.session.cursor
    cursor.train(30)
    cursor.seek(20)
    cursor.set_weight(0, 1, 0, 2.5)      # discards 21..30
    cursor.set_learning_rate(0.5)
    cursor.train(40)
    cursor.seek(35)
    window.session.snapshots.take()
    cursor.seek(12)
    window.session.selection.select_sample(2)
    saved = window.recovery.save_now()
    run = cursor.run
    print(json.dumps({"saved": saved, "folder": window.recovery.folder,
                      "iteration": cursor.iteration, "newest": run.newest,
                      "rows": [run.row_at(k).tolist() for k in range(run.newest + 1)],
                      "snapshots": [e.iteration for e in window.session.snapshots]}),
          flush=True)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
