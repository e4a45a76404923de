"""Backprop Lab's window and command line, on top of the numpy engine in ``nncore``.

Where things are (imports only point down this list; ``lint-imports`` checks it):

- ``cli.py``: the ``backprop-lab`` command (train, inspect, predict, ...; no
  arguments opens the window).
- ``app.py``: the QApplication, the error dialog hook and the first window.
- ``main_window.py``: ``MainWindow`` builds the actions, menus, docks and the
  layout, and restores the saved settings.
- The views, which never import each other:
  - ``docks/``: one module per dock (architecture, code, dataset, gradient flow,
    inspector, loss surface, prediction, snapshots, sweep); the dataset dock's table
    and decision map live in ``docks/dataset/``, the architecture dock's Training
    section and re-run box in ``docks/training_box.py`` and ``docks/rerun_box.py``.
  - ``diagram/``: the network diagram, its nodes and edges, the weight legend, the
    flags on saturated and dead units, and what a micro-step shows over them
    (``phase_overlay.py``, ``phase_caption.py``).
  - ``plots/``: the accuracy, loss, output and weight plots over the iterations.
  - ``transport.py``: the step / play bar and the iteration slider.
  - ``file_actions.py``: File menu commands (open, save, recent files, export).
  - ``lessons.py``: Training ▸ Stop when… (breakpoints) and the Lessons menu.
  - ``recovery/``: what "unsaved" means, the autosave to a recovery file, the offer
    to restore after a crash, and Save / Discard / Cancel on closing.
  - ``presentation.py``: View > Presentation mode and the zoom of the whole window.
  - ``help/``: What's This texts, Help > Keyboard shortcuts and Help > Quick tour.
- ``session/``: ``TrainingSession``, the training state the views show, as parts
  that each own their state and signals: the cursor (the run and the shown
  iteration), the player (Play, its pace and "Run to", on an injectable clock),
  the selection and the snapshot list. Views call their methods and subscribe.
- ``common/``: parts every view may use: palette, names and symbols, labels,
  icons, coalesced redraws, lazily built docks, dock style, error dialogs, the
  chain-rule text, still plots and their axes for data of any size (``plane.py``),
  and keeping the window on its screen (``screen_fit.py``).

A new dock goes in ``docks/`` (and in ``MainWindow``'s list of docks); a new plot
goes in ``plots/``. Both take the session and subscribe to it.
"""
