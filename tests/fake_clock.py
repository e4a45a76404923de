"""A clock for tests, so that Play, "Run to" and training budgets move the same on any
machine, however fast or busy: the session's player reads it instead of the wall clock.
"""

from fractions import Fraction

from gui.session import FRAME_MS

FRAME_S = Fraction(FRAME_MS, 1000)


class FakeClock:
    """Seconds that pass only when told: by ``advance(seconds)``, and by ``per_reading``
    at each reading. ``Run.train`` reads the clock once per chunk of steps, so a
    budget of b seconds always ends after the same number of chunks. With
    ``per_reading=0`` a budget never runs out: training at a set pace makes exactly
    what the pace asks for (and max-pace slices, which only a budget ends, must not
    be used then). Times are exact fractions, so 2000 frames of 30 ms are 60 s; the
    default cost of a reading divides no budget evenly, so none ends on a tie."""

    def __init__(self, per_reading="0.0007"):
        self.now = Fraction(0)
        self.per_reading = Fraction(per_reading)

    def __call__(self):
        self.now += self.per_reading
        return self.now

    def advance(self, seconds):
        self.now += Fraction(seconds)


def frames(session, clock, n=1):
    """``n`` frames of Play or "Run to", FRAME_MS apart on ``clock``: what the frame
    timer does in n × 30 ms."""
    for _ in range(n):
        clock.advance(FRAME_S)
        session.player.advance_frame()


def finish_run_to(session, max_frames=100_000):
    """Frames until the "Run to" job is done. What it trains does not depend on the
    clock, only how many frames that takes."""
    for _ in range(max_frames):
        if not session.player.busy:
            return
        session.player.advance_frame()
    raise AssertionError("Run to never finished")
