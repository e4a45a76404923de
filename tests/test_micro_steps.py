"""The micro-step cursor walks the phases of one iteration and across iterations."""

from gui.session import TrainingSession
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
