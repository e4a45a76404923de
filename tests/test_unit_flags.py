"""Flags on saturated and dead units in the diagram: where they are, that they follow
the shown iteration, and that their tooltips say why the unit blocks learning."""

import numpy as np

from gui.diagram.network_view import NetworkView
from gui.session import TrainingSession
from nncore import TrainingOptions, builtin
from nncore.datasets import two_d
from nncore.gradient_flow import unit_states


def expected_flags(run, k):
    states = unit_states(run, k)
    out = []
    for layer, (saturated, dead) in enumerate(zip(states.saturated, states.dead,
                                                   strict=True), 1):
        for unit in range(len(saturated)):
            if saturated[unit]:
                out.append((layer, unit, "saturated"))
            elif dead[unit]:
                out.append((layer, unit, "dead"))
    return out


def test_saturated_units_are_flagged_and_follow_the_iteration(make_view, qtbot):
    session = TrainingSession()
    X, Y = two_d("circle", 200)
    session.new_run(dataset_name="2-D circle", X=X, Y=Y, layer_sizes=[3] + [8] * 6 + [1],
                    activations=["sigmoid"] * 7, learning_rate=0.5)
    session.run.train(300)
    session.cursor.sigHistoryChanged.emit()
    view = make_view(NetworkView, session=session, size=(900, 600))
    flags = view.unit_flags
    qtbot.waitUntil(lambda: not flags.redraw.stale)
    assert flags.flags == [] and flags.items == []  # nothing blocks at iteration 0
    session.cursor.seek(300)
    qtbot.waitUntil(lambda: not flags.redraw.stale)
    expected = expected_flags(session.run, 300)
    assert expected and flags.flags == expected
    assert {kind for _, _, kind in expected} == {"saturated"}
    layer, unit, _ = expected[0]
    item = flags.items[0]
    x, y = view.item.positions[layer][unit]
    assert abs(item.pos().x() - x) <= view.item.radius and abs(item.pos().y() - y) <= (
        view.item.radius)
    assert item.scene() is view.scene
    tip = item.toolTip()
    assert "is saturated: |s| ≥ 4 on " in tip and "sigmoid′(s) ≤ 0.0177" in tip
    assert "barely learn" in tip
    # The same units flagged a little later: the badges stay (Play repaints nothing
    # extra for them); only the share in each tooltip follows.
    session.cursor.seek(299)
    qtbot.waitUntil(lambda: not flags.redraw.stale)
    assert flags.flags == expected == expected_flags(session.run, 299)
    assert flags.items[0] is item and item.scene() is view.scene
    share = unit_states(session.run, 299).share[layer - 1][unit]
    assert f"on {share:.0%} of the training rows" in item.toolTip()
    session.cursor.seek(0)
    qtbot.waitUntil(lambda: not flags.redraw.stale)
    assert flags.flags == [] and all(i.scene() is None for i in [item])


def test_a_dead_relu_is_flagged_with_why(make_view, qtbot):
    session = TrainingSession()
    X, Y = builtin("xor")
    session.new_run(dataset_name="xor", X=X, Y=Y, layer_sizes=[3, 4, 1],
                    activations=["relu", "sigmoid"], learning_rate=3.0, seed=3,
                    options=TrainingOptions())
    session.run.train(400)
    session.cursor.sigHistoryChanged.emit()
    session.cursor.seek(400)
    view = make_view(NetworkView, session=session, size=(700, 500))
    flags = view.unit_flags
    qtbot.waitUntil(lambda: not flags.redraw.stale)
    expected = expected_flags(session.run, 400)
    assert flags.flags == expected and any(kind == "dead" for _, _, kind in expected)
    dead = [i for i, (_, _, kind) in enumerate(flags.flags) if kind == "dead"]
    tip = flags.items[dead[0]].toolTip()
    assert "is a dead ReLU: its sum s is ≤ 0 on every training row" in tip
    assert "cannot come back by itself" in tip
    # a resize moves the nodes, and the flags with them
    view.resize(500, 400)
    qtbot.waitUntil(lambda: not flags.redraw.stale)
    layer, unit, _ = flags.flags[dead[0]]
    x, y = view.item.positions[layer][unit]
    pos = flags.items[dead[0]].pos()
    assert np.hypot(pos.x() - x, pos.y() - y) <= 2 * view.item.radius
