"""The micro-step cursor walks the phases of one iteration and across iterations."""

from fake_clock import FakeClock, frames

from gui.session import MAX, TrainingSession
from nncore.phases import Phase, phases


def test_phases_of_a_two_layer_network():
    assert phases(2) == [Phase("sum", 0), Phase("activate", 0), Phase("sum", 1),
                         Phase("activate", 1), Phase("error"), Phase("delta", 1),
                         Phase("delta", 0), Phase("update")]


def test_walking_forward_through_an_iteration_and_into_the_next(qtbot):
    session = TrainingSession()  # the tutorial's 3-1 network: one weight layer
    micro, seen = session.micro, []
    micro.sigPhaseChanged.connect(seen.append)
    for _ in range(5):
        micro.forward()
    assert seen == phases(1) and session.iteration == 0
    micro.forward()  # past the update: iteration 1, first phase
    assert session.iteration == 1 and micro.phase == Phase("sum", 0)
    micro.back()  # before the first phase: iteration 0's update
    assert session.iteration == 0 and micro.phase == Phase("update")


def test_a_whole_step_leaves_the_micro_steps(qtbot):
    session = TrainingSession()
    session.micro.forward()
    session.cursor.step()
    assert session.micro.phase is None and session.iteration == 1


def test_play_in_micro_steps_at_max_pace_shows_every_phase_one_frame_each(qtbot):
    clock = FakeClock(per_reading=0)
    session = TrainingSession(clock=clock)
    session.player.set_micro_steps(True)
    session.player.set_pace(MAX)
    session.player.play()
    seen = []
    session.micro.sigPhaseChanged.connect(seen.append)
    frames(session, clock, 6)  # five phases, then iteration 1's first
    assert [p for p in seen if p is not None] == phases(1) + [Phase("sum", 0)]
    assert session.iteration == 1 and session.run.newest == 1
    session.shutdown()
