"""The session keeps a run's training options (biases, optimizer, mini-batches, held-out
rows) through every way a run is remade: a new seed or architecture, a rerun with
another learning rate, and the replay behind a snapshot."""

import numpy as np

from gui.session import RunConfig, TrainingSession
from nncore import Run, TrainingOptions
from nncore.datasets import builtin

OPTIONS = TrainingOptions(bias=True, optimizer="adam", batch_size=3, l2=0.01,
                          test_fraction=0.25)


def _session(qtbot):
    X, Y = builtin("xor")
    session = TrainingSession(RunConfig("xor", X, Y, [3, 4, 1], options=OPTIONS))
    return session


def test_a_new_seed_keeps_the_options(qtbot):
    session = _session(qtbot)
    assert session.run.options == OPTIONS.checked()
    session.new_run(seed=7)
    assert session.run.options == OPTIONS.checked() and session.run.seed == 7
    assert len(session.run.at(0).biases) == 2


def test_an_adopted_run_keeps_its_options_for_the_next_change(qtbot):
    session = _session(qtbot)
    X, Y = builtin("xor")
    loaded = Run(X, Y, [3, 2, 1], seed=4,
                 options=TrainingOptions(optimizer="momentum", momentum=0.5))
    session.set_run(loaded, 0, "file")
    session.new_run(layer_sizes=[3, 3, 1], activations=["sigmoid", "sigmoid"])
    assert session.run.options.optimizer == "momentum"
    assert session.run.options.momentum == 0.5


def test_a_restarted_run_is_the_same_run_with_another_rate(qtbot):
    session = _session(qtbot)
    run = session.run
    run.set_bias(0, 0, 1, 0.25)  # a hand-set initial bias must carry over
    run.train(20)
    again = run.restarted()
    again.train(20)
    assert np.array_equal(again.row_at(20), run.row_at(20))
    slower = run.restarted(0.5)
    assert slower.learning_rate == 0.5 and slower.options == run.options
    assert slower.at(0).biases[0][1] == 0.25


def test_a_snapshot_of_a_cut_history_replays_with_the_options(qtbot):
    session = _session(qtbot)
    session.cursor.train(30)
    session.cursor.seek(25)
    entry = session.snapshots.take()
    want = session.run.row_at(25)
    session.cursor.seek(10)
    session.cursor.set_learning_rate(0.3)  # iterations after 10 are discarded
    replayed = session.snapshots.snapshot_run(entry)
    assert np.array_equal(replayed.row_at(25), want)


def test_a_snapshot_of_iteration_0_survives_an_edit_there(qtbot):
    """Jumping back to a snapshot of iteration 0 after editing a weight and a bias at 0
    shows the weights of the snapshot, not the edited ones."""
    session = _session(qtbot)
    entry = session.snapshots.take()
    want = session.run.row_at(0)
    session.cursor.set_weight(0, 0, 0, 0.0)
    session.cursor.set_bias(0, 1, 0.5)
    session.jump_to_snapshot(entry)
    assert session.iteration == 0
    assert np.array_equal(session.run.row_at(0), want)
    assert np.array_equal(session.run.params_at(0), entry.params)
