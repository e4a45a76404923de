"""RedrawTimer's pacing, on a clock the test moves: at most max_fps while playing, and
for a view that asks, a wait in proportion to its last redraw's cost, paused too (the
decision map's rule, which it now takes from RedrawTimer instead of its own timer)."""

import types

import pytest
from PySide6.QtWidgets import QWidget

import gui.common.redraw
from gui.common.redraw import RedrawTimer
from gui.docks.dataset.decision_map import DRAW_SHARE, MAX_FPS, DecisionMap


class Clock:
    def __init__(self):
        self.now = 100.0

    def perf_counter(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(gui.common.redraw, "time", types.SimpleNamespace(
        perf_counter=clock.perf_counter))
    return clock


@pytest.fixture
def shown(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def make(widget, clock, cost, **options):
    player = types.SimpleNamespace(playing=False)
    session = types.SimpleNamespace(player=player)  # all RedrawTimer asks of one
    runs = []

    def callback():
        runs.append(clock.now)
        clock.now += cost  # the redraw takes this long

    return session, runs, RedrawTimer(widget, session, callback, max_fps=8, **options)


def test_paused_views_redraw_at_once_and_playing_ones_at_most_max_fps(shown, clock):
    session, runs, redraw = make(shown, clock, cost=0.03125)  # times exact in binary
    redraw.run_now()
    redraw.schedule()
    assert redraw.timer.isActive() and redraw.timer.interval() == 0  # paused: now
    redraw.run_now()
    session.player.playing = True  # the next run waits for 1/8 s after the last one began
    redraw.schedule()
    assert redraw.timer.interval() == 93  # 0.03125 s of it gone in the redraw itself
    assert runs == [100.0, 100.03125]


def test_a_costly_view_waits_in_proportion_to_its_last_redraw_even_when_paused(shown, clock):
    _session, runs, redraw = make(shown, clock, cost=0.0625, cost_share=4, always_paced=True)
    redraw.run_now()  # took 1/16 s: the next may start 4/16 s after this one began
    redraw.schedule()
    assert redraw.timer.interval() == 187
    redraw.timer.stop()
    clock.now += 1.0  # long enough ago: at once
    redraw.schedule()
    assert redraw.timer.interval() == 0
    assert runs == [100.0]


def test_the_decision_map_redraws_through_redraw_timer(make_view, qtbot):
    view = make_view(DecisionMap, size=(400, 600))
    session = view.session
    redraw = view.redraw
    assert isinstance(redraw, RedrawTimer) and redraw.callback == view._draw
    assert (redraw.cost_share, redraw.always_paced) == (DRAW_SHARE, True)
    assert redraw.min_interval == pytest.approx(1 / MAX_FPS)
    qtbot.waitUntil(lambda: view.drawn_iteration == 0)
    count = view.draw_count
    session.run.train(5)
    for k in range(1, 6):
        session.cursor.seek(k)
    qtbot.waitUntil(lambda: view.drawn_iteration == 5)
    assert view.draw_count == count + 1  # the frames in between were dropped
