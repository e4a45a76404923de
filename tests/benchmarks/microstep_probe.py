"""Measure the micro-step animation in the main window; print one JSON object.

    python tests/benchmarks/microstep_probe.py --seconds 6

The window opens offscreen (1400x900) on a network, as the window probe opens it.
Two figures per network, each from the real event loop and the wall clock:

1. play: Play in micro-steps at the max pace (one phase a frame, every phase of
   every iteration, training as it goes) for ``--seconds``; paint events of the
   central diagram count the frames shown.
2. update: the update phase's animation alone (the edges moving to W_{k+1}), entered
   again and again for ``--seconds``; paint events of the diagram again.

``microstep_fps`` is the lower of the two on a 3-8-8-1 net, a lesson-sized one; the
tutorial's [3, 1] and the window probe's 3-32-32-1 are measured beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from PySide6.QtWidgets import QApplication  # noqa: E402
from window_probe import NETS, PaintCounter, make_window, run_loop, settle  # noqa: E402

NETS.setdefault("medium", ("xor", [3, 8, 8, 1]))


def play_micro_steps(app, window, session, seconds):
    session.player.set_micro_steps(True)
    session.player.set_pace("max")
    settle(app, window)
    counter = PaintCounter([window.network_view.graphics.viewport()])
    phases = []
    session.micro.sigPhaseChanged.connect(lambda p: p is not None and phases.append(p))
    start = time.perf_counter()
    session.player.play()
    run_loop(seconds=seconds)
    session.player.pause()
    elapsed = time.perf_counter() - start
    session.player.set_micro_steps(False)
    return {"play_fps": counter.snapshot()[0] / elapsed,
            "phases_per_s": len(phases) / elapsed, "iterations": session.iteration}


def update_animation(app, window, session, seconds):
    """Frames a second while the update's edges move: paints from entering the
    update phase until the animation has ended, over the time that took."""
    from nncore.phases import Phase

    micro, overlay = session.micro, window.network_view.phases
    counter = PaintCounter([window.network_view.graphics.viewport()])
    start, animations, painted, animating = time.perf_counter(), 0, 0, 0.0
    while time.perf_counter() - start < seconds:
        micro.show_phase(Phase("error"))
        settle(app, window)
        before, began = counter.snapshot()[0], time.perf_counter()
        micro.show_phase(Phase("update"))
        run_loop(until=lambda: not overlay.animating and overlay.edge_values is not None,
                 poll_ms=5)
        painted += counter.snapshot()[0] - before
        animating += time.perf_counter() - began
        animations += 1
    micro.leave()
    return {"update_fps": painted / animating, "animations": animations,
            "animation_seconds": animating / animations}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0)
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication([sys.argv[0]])
    out = {}
    with tempfile.TemporaryDirectory() as temp:
        for net in ("small", "medium", "large"):
            window, session = make_window(app, net, temp)
            figures = play_micro_steps(app, window, session, args.seconds / 4)
            figures.update(update_animation(app, window, session, args.seconds / 4))
            figures["network"] = f"{NETS[net][0]} {NETS[net][1]}"
            out[net] = figures
            window.close()
            window.deleteLater()
            app.processEvents()
    out["microstep_fps"] = min(out["medium"]["play_fps"], out["medium"]["update_fps"])
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
