"""At the memory budget's last iteration, Step, Play and "Run to" stop and say why: no
error dialog, no Play button left pressed, no job left running, and the history stays
as it was."""

from fake_clock import FakeClock, frames


def test_step_and_play_stop_at_the_budget_with_a_message(window, train):
    session = window.session
    train(session, 20)
    session.run.capacity = 25  # as if the budget allowed 25 iterations of this net
    messages = []
    session.sigMessage.connect(messages.append)
    for _ in range(5):
        assert session.cursor.step()
    assert session.iteration == 25 and not session.cursor.step()
    assert session.run.newest == 25 and "memory budget" in messages[-1]
    assert window.transport.timeline.value() == 25

    session.cursor.seek(22)
    clock = FakeClock(per_reading=0)
    session.player.clock = clock
    session.player.set_pace(10)  # ten iterations a second
    session.player.play()
    frames(session, clock, 40)  # 1.2 s: three steps along the history, then the limit
    assert not session.player.playing and session.iteration == 25
    assert window.action_play.text() == "&Play"
    assert session.run.newest == 25 and "memory budget" in messages[-1]


def test_run_to_past_the_budget_ends_at_its_last_iteration(window):
    """"Run to" an iteration the budget cannot hold trains to the budget's last one,
    then ends there (it used to go on asking for more, frame after frame)."""
    session = window.session
    session.run.capacity = 5000
    clock = FakeClock()
    session.player.clock = clock
    messages, progress = [], []
    session.sigMessage.connect(messages.append)
    session.player.sigRunToProgress.connect(lambda done, total: progress.append(total))
    session.player.run_to(8000)
    for _ in range(400):
        frames(session, clock)
        if not session.player.busy:
            break
    assert not session.player.busy and progress[-1] == 0  # the job has ended
    assert session.run.newest == session.iteration == 5000
    assert window.transport.counter.text() == "5000 / 5000"
    assert messages[-1].startswith("Iteration 5000 is as far as this network can be trained")
