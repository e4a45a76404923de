"""SlicedJob: long work advances a slice at a time, ends once, and Cancel runs the
work's clean-up without adopting anything. The clock is a counter the test moves."""

import pytest

from gui.common.sliced_job import SlicedJob, run_with_progress


class Clock:
    """Each reading is ``tick`` seconds after the last: a slice of ``s`` seconds
    takes exactly ``s / tick`` readings, whatever the machine's speed."""

    def __init__(self, tick):
        self.now, self.tick = 0.0, tick

    def __call__(self):
        self.now += self.tick
        return self.now


def counting(total, log):
    try:
        for done in range(1, total + 1):
            log.append(done)
            yield done, total
        return "result"
    finally:
        log.append("clean-up")


def test_a_job_advances_by_slices_and_ends_once(qtbot):
    log, results = [], []
    # binary fractions, so the sums are exact: a slice is 8 readings after its start
    job = SlicedJob(counting(20, log), results.append, clock=Clock(1 / 1024),
                    slice_seconds=8 / 1024)
    progress = []
    job.sigProgress.connect(lambda done, total: progress.append((done, total)))
    job.advance()
    assert log == list(range(1, 9)) and progress == [(8, 20)] and job.running
    job.advance()
    assert progress == [(8, 20), (16, 20)] and results == []
    job.advance()
    assert results == ["result"] and job.outcome == "done" and log[-1] == "clean-up"
    assert progress == [(8, 20), (16, 20)]
    job.advance()  # nothing more happens after the end
    assert results == ["result"] and log.count("clean-up") == 1


def test_cancel_closes_the_work_and_never_calls_done(qtbot):
    log, results = [], []
    job = SlicedJob(counting(100, log), results.append, clock=Clock(0.001))
    ended = []
    job.sigEnded.connect(ended.append)
    job.advance()
    job.cancel()
    assert log[-1] == "clean-up" and results == [] and ended == ["cancelled"]
    job.advance()
    job.cancel()
    assert ended == ["cancelled"] and log.count("clean-up") == 1


def test_a_failure_goes_to_on_error(qtbot):
    def failing():
        yield 1, 2
        raise ValueError("field 'iteration': replay diverges")

    errors = []
    job = SlicedJob(failing(), lambda _: pytest.fail("done"), errors.append, clock=Clock(0.001))
    job.advance()
    assert job.outcome == "failed" and str(errors[0]) == "field 'iteration': replay diverges"


def test_the_event_loop_runs_the_job_and_the_dialog_cancels_it(qtbot):
    from PySide6.QtWidgets import QWidget

    parent = QWidget()
    qtbot.addWidget(parent)
    results = []
    job = run_with_progress(parent, "Replaying", counting(5, []), results.append)
    with qtbot.waitSignal(job.sigEnded) as ended:
        pass
    assert ended.args == ["done"] and results == ["result"]

    log = []
    job = run_with_progress(parent, "Replaying", counting(10**9, log), results.append,
                            clock=Clock(0.001))
    qtbot.waitUntil(lambda: len(log) > 20)
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QPushButton

    qtbot.mouseClick(job.dialog.findChild(QPushButton), Qt.LeftButton)
    assert job.outcome == "cancelled" and log[-1] == "clean-up" and results == ["result"]
