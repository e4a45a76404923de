"""The training loop of a :class:`~nncore.run.Run`: steps in chunks, each chunk filed
into the history at once, and divergence found step by step.

Speed (why training is done in chunks): the step itself is a prepared list of numpy
calls (see :class:`~nncore.stepper.Stepper`); per step, training copies one row out
of the Stepper and nothing else. Negating the parameters back, outputs (when they
are computed from the parameters, see :class:`~nncore.options.Rows`), losses,
accuracies, penalties and the finiteness check run vectorised once per chunk.
"""

from __future__ import annotations

import numpy as np

from .errors import BudgetError


def train(run, n, seconds, clock):
    """``Run.train``: up to ``n`` steps from the newest iteration, for ``seconds`` of
    ``clock()`` at most; how many were made.

    With ``seconds``, a chunk is cut to the steps that fit in the time left, at the
    pace the last timed chunk went (``run.seconds_per_step``): a chunk of a wide net
    on many rows can take longer than a whole frame of Play, and a window that
    trains in slices between frames must get the event loop back on time."""
    if run.diverged_at is not None or n <= 0:
        return 0
    if seconds is None:  # all n will be made (unless it diverges): room for them at once
        run.reserve(n)
    elif run.newest + n > run.capacity:
        n = run.capacity - run.newest
        if n <= 0:
            return 0
    now = None if seconds is None else clock()  # the clock is read once per chunk
    deadline = None if seconds is None else now + seconds
    start, h, plan = run.newest, run.history, run.plan
    plan.load(run._current)
    program = plan.program(run.learning_rate)
    with np.errstate(all="ignore"):
        while run.newest < start + n:
            first = run.newest
            count = min(run.footprint.chunk, start + n - first)
            if deadline is not None and run.seconds_per_step:
                count = min(count, max(1, int((deadline - now) / run.seconds_per_step)))
            try:
                h.reserve(first + count + 1)
            except BudgetError:
                if deadline is None:
                    raise
                run.capacity = run.newest  # less memory free than the budget allows
                break
            _chunk(run, program, first, count)
            previous, run._current = run._current, plan.row()
            run.newest = first + count
            if not (h.finite(first, run.newest + 1) and np.isfinite(run._current).all()):
                # a non-finite number stays non-finite, so the chunk's last row and
                # its scores (which see every output) cover it all
                _find_divergence(run, first, previous)
                return run.newest - start
            if deadline is not None:
                began, now = now, clock()
                run.seconds_per_step = float(max(0, now - began)) / count
                if now > deadline:
                    break
    return run.newest - start


def _chunk(run, program, first, count):
    """``count`` steps from iteration ``first``, filed into the history."""
    plan, h, stride = run.plan, run.history, run.stride
    end = first + count
    if run.evaluated:  # the rows of the steps; then outputs and scores from them
        trace = run._trace[:count]
        plan.run(program, first, count, trace, plan.raw)
        h.keep(first + 1, trace, plan.n_theta)
        thetas = trace[:, :plan.n_theta]
        h.evaluate(first + 1, np.negative(thetas, out=thetas))
        return
    n_out = h.outputs[0].size
    if stride == 1:  # [yhat_k | row_{k+1}] of each step
        trace = run._trace[:count]
        plan.run(program, first, count, trace, plan.main.record)
        h.outputs[first:end].reshape(count, n_out)[:] = trace[:, :n_out]
        h.keep(first + 1, trace[:, n_out:], plan.n_theta)
    else:  # the outputs of each step, the row at each checkpoint passed
        k = first
        while k < end:
            steps = min(end - k, stride - k % stride)
            plan.run(program, k, steps, h.outputs[k:k + steps].reshape(steps, n_out),
                     plan.main.record[:n_out])
            k += steps
            if k % stride == 0:
                h.keep(k, plan.raw[None], plan.n_theta)
    h.outputs[end] = plan.forward()  # the newest iteration's too
    h.score(first, end + 1)


def _find_divergence(run, first, first_row):
    """Step again from ``first`` one update at a time to find the first bad
    iteration; keep everything before it."""
    end, plan, h = run.newest, run.plan, run.history
    run.newest, run._current = first, first_row
    plan.load(first_row)
    program = plan.program(run.learning_rate)
    with np.errstate(all="ignore"):
        for k in range(first, end + 1):
            if not run.evaluated:
                h.outputs[k] = plan.step(program, k)
                h.score(k, k + 1)
            if not h.finite(k, k + 1):
                bad = k  # W_k is finite but its outputs, scores or penalty are not
                break
            if run.evaluated:
                plan.step(program, k)
            row = plan.row()
            if not np.isfinite(row).all():
                bad = k + 1
                break
            run.newest, run._current = k + 1, row
            if run.newest % run.stride == 0:
                h.checkpoints[run.newest // run.stride] = row
            if run.evaluated:
                h.evaluate(k + 1, row[None, :plan.n_theta])
        else:
            raise AssertionError("a divergence seen in a chunk did not recur step by step")
    if bad == run.newest and bad > 0:
        run.truncate(bad - 1)
    else:
        run._record_current()
    run.diverged_at = bad
