"""Measure the diagram's neuron maps in the main window; print one JSON object.

    python tests/benchmarks/neuron_maps_probe.py --seconds 6 --updates 101

The window opens offscreen (1400x900, as the window probe opens it) on the largest
Playground network: 2-D spiral, 500 points, 3-8-8-8-8-8-8-1 (inputs x1, x2, 1),
tanh hidden layers, a sigmoid output, biases. Two figures:

1. update: ``NeuronMaps.update()`` alone (one forward pass of the grid, colours,
   QImages), on iterations taken in turn from a recorded history so that none is
   the one already drawn; the median of ``--updates`` calls. The median of the same
   update followed by a repaint of the diagram is given beside it.
2. play: max-speed Play with the maps on (the window probe's ``play``: diagram
   frames painted a second, and iterations a second against headless Run.train),
   then with them off, alternately, ``--pairs`` times; the medians.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from window_probe import WINDOW_SIZE, play, settle  # noqa: E402

SIZES = [3] + [8] * 6 + [1]


def make_window(app, temp):
    from gui.main_window import MainWindow
    from gui.session import RunConfig, TrainingSession
    from nncore import two_d
    from nncore.options import TrainingOptions

    X, Y = two_d("spiral", 500)
    session = TrainingSession(RunConfig(
        "2-D spiral", X, Y, SIZES, ["tanh"] * 6 + ["sigmoid"], "sse", 0.03, 1,
        TrainingOptions(bias=True)))
    settings = QSettings(os.path.join(temp, "maps.ini"), QSettings.IniFormat)
    window = MainWindow(session, settings)
    window.resize(*WINDOW_SIZE)
    window.show()
    settle(app, window)
    return window, session


def update_ms(app, window, session, updates):
    view = window.network_view
    maps = view.neuron_maps
    session.cursor.train(updates + 1)
    session.cursor.seek(session.run.newest)
    settle(app, window)
    alone, painted = [], []
    for k in range(updates):
        session.cursor.seek(k)  # the view redraws from the event loop, not yet
        start = time.perf_counter()
        maps.update()
        middle = time.perf_counter()
        view.graphics.viewport().repaint()
        end = time.perf_counter()
        alone.append((middle - start) * 1000)
        painted.append((end - start) * 1000)
        settle(app, window)
    assert maps.drawn_iteration == updates - 1 and maps.plane
    return {"update_ms": statistics.median(alone),
            "update_and_paint_ms": statistics.median(painted), "updates": updates,
            "grid": maps.images[1][0].width()}


def play_pairs(app, window, session, seconds, pairs):
    action = window.action_neuron_maps
    on, off = [], []
    for pair in range(pairs):
        for maps_on in ((True, False) if pair % 2 == 0 else (False, True)):
            if action.isChecked() != maps_on:
                action.trigger()
            (on if maps_on else off).append(play(app, window, session, seconds))
    action.isChecked() or action.trigger()

    def median(results, key):
        return statistics.median(r[key] for r in results)

    return {"play_fps_neuron_maps": median(on, "play_fps_diagram"),
            "play_throughput_ratio_maps": median(on, "play_throughput_ratio"),
            "play_iterations_per_s_maps": median(on, "play_iterations_per_s"),
            "headless_iterations_per_s": median(on + off, "headless_iterations_per_s"),
            "play_fps_maps_off": median(off, "play_fps_diagram"),
            "play_throughput_ratio_maps_off": median(off, "play_throughput_ratio"),
            "pairs": pairs, "play_seconds": seconds}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--updates", type=int, default=101)
    parser.add_argument("--pairs", type=int, default=3)
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication([sys.argv[0]])
    with tempfile.TemporaryDirectory() as temp:
        window, session = make_window(app, temp)
        out = update_ms(app, window, session, args.updates)
        out.update(play_pairs(app, window, session, args.seconds / (2 * args.pairs),
                              args.pairs))
        window.close()
        window.deleteLater()
        app.processEvents()
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
