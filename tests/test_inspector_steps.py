"""Biases in the diagram, and the inspector's step beyond the tutorial: the rows of
the batch, the penalty and each optimizer's path from g to Δθ, every number read
back from the panel's text and redone by hand."""

import re

import numpy as np
import pytest
from PySide6.QtCore import Qt

from gui.common import palette
from gui.common.chain_rule import chain_rule
from gui.diagram.network_view import NetworkView
from gui.docks.inspector_dock import InspectorDock
from gui.session import Bias, TrainingSession
from nncore import TrainingOptions
from nncore.datasets import three_class, two_d


def spiral():
    X, Y = two_d("spiral")
    return np.ascontiguousarray(X[:, :2]), Y


def start(session, optimizer="adam", **options):
    """The 2-D spiral on a 2-4-1 net with biases and batches of 10, 8 iterations in."""
    X, Y = spiral()
    options = {"bias": True, "batch_size": 10, "optimizer": optimizer, **options}
    session.new_run(X=X, Y=Y, layer_sizes=[2, 4, 1], activations=["tanh", "sigmoid"],
                    dataset_name="spiral", learning_rate=0.05,
                    options=TrainingOptions(**options))
    session.run.train(8)


@pytest.fixture
def dock(make_view):
    return make_view(InspectorDock, size=(900, 900))


def shown(dock, drawn, param, k):
    session = dock.session
    session.selection.select_edge(param)
    session.cursor.seek(k)
    drawn(dock)
    assert dock.shown.edge == param and dock.shown.iteration == k
    return dock.displayed()


NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?")


def numbers(text):
    """The numbers in ``text``, the panel's minus signs read as minus signs."""
    return [float(n) for n in NUMBER.findall(text.replace("\u2212", "-"))]


def lines_by_rule(update):
    """{the line's symbol: (numbers of each part between the formula and the result,
    result)} for every line after the batch's. A line reads "symbol = formula = numbers
    = result", or "symbol ← formula = numbers = result" for the optimizer's state."""
    out = {}
    for line in update[1:]:
        parts = line.split(" = ")
        first = 1 if "←" in parts[0] else 2
        out[parts[0].split(" ")[0]] = ([numbers(p) for p in parts[first:-1]],
                                       numbers(parts[-1])[0])
    return out


def redo_by_hand(optimizer, lines, symbol):
    """Δθ recomputed from the numbers on screen, line by line, each line's result
    checked against what the line's inputs give."""
    close = {"rel": 1e-8, "abs": 1e-15}
    delta_plugged, delta = lines["Δ" + symbol]
    if optimizer == "sgd":
        lr, g = delta_plugged[0]
        assert lr * g == pytest.approx(delta, **close)
    elif optimizer in ("momentum", "nesterov"):
        (mu, v0, g), = lines["v"][0]
        assert mu * v0 + g == pytest.approx(lines["v"][1], **close)
        v = lines["v"][1]
        if optimizer == "momentum":
            lr, v_shown = delta_plugged[0]
            assert v_shown == v and lr * v == pytest.approx(delta, **close)
        else:
            lr, g_shown, mu_shown, v_shown = delta_plugged[0]
            assert (g_shown, mu_shown, v_shown) == (g, mu, v)
            assert lr * (g + mu * v) == pytest.approx(delta, **close)
    elif optimizer == "rmsprop":
        (alpha, s0, one_minus, g), = lines["s"][0]
        s = lines["s"][1]
        assert alpha * s0 + one_minus * g * g == pytest.approx(s, **close)
        lr, g_shown, s_shown, eps = delta_plugged[0]
        assert (g_shown, s_shown) == (g, s)
        assert lr * g / (np.sqrt(s) + eps) == pytest.approx(delta, **close)
    else:
        (b1, m0, c1, g), = lines["m"][0]
        (b2, v0, c2, g2), = lines["v"][0]
        assert g2 == g and c1 == pytest.approx(1 - b1) and c2 == pytest.approx(1 - b2)
        m, v = lines["m"][1], lines["v"][1]
        assert b1 * m0 + c1 * g == pytest.approx(m, **close)
        assert b2 * v0 + c2 * g * g == pytest.approx(v, **close)
        t = lines["t"][1]
        (m_shown, one, b1_shown, t_shown), _ = lines["m_hat"][0]
        assert (m_shown, one, b1_shown, t_shown) == (m, 1, b1, t)
        m_hat = lines["m_hat"][1]
        assert m / (1 - b1 ** t) == pytest.approx(m_hat, **close)
        v_hat = lines["v_hat"][1]
        assert v / (1 - b2 ** t) == pytest.approx(v_hat, **close)
        lr, m_hat_shown, v_hat_shown, eps = delta_plugged[0]
        assert (m_hat_shown, v_hat_shown) == (m_hat, v_hat)
        assert lr * m_hat / (np.sqrt(v_hat) + eps) == pytest.approx(delta, **close)
    return delta


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "nesterov", "rmsprop", "adam"])
def test_each_optimizers_numbers_redone_by_hand_give_the_next_iteration(dock, drawn,
                                                                        optimizer):
    session = dock.session
    start(session, optimizer)
    run = session.run
    for param, symbol, index in ((Bias(0, 1), "b₂", run.n_params + 1),
                                 ((0, 1, 2), "w₇", 6)):
        for k in (0, 5, 8):  # the first step, one in the history, the newest
            seen = shown(dock, drawn, param, k)
            if k == run.newest:
                run.train(1)  # the step the panel showed
            lines = lines_by_rule(seen["update"])
            delta = redo_by_hand(optimizer, lines, symbol)
            before, after = run.at(k).theta[index], run.at(k + 1).theta[index]
            assert after - before == pytest.approx(delta, rel=1e-8, abs=1e-15)
            # The last line: the value after the step, as training makes it.
            (value, change), result = lines[symbol][0][0], lines[symbol][1]
            assert value == pytest.approx(before, rel=1e-9) and change == delta
            assert result == pytest.approx(after, rel=1e-9, abs=1e-15)
            if optimizer == "adam":
                assert lines["t"][1] == k + 1
            g = lines["g"][1]
            assert g == pytest.approx(run.at(k).step().g[index], rel=1e-9)
            assert seen["delta_w"] == pytest.approx(after - before, rel=1e-12, abs=1e-300)


def test_the_greyed_rows_are_those_outside_the_batch(dock, drawn):
    session = dock.session
    start(session, "sgd", test_fraction=0.2)
    run = session.run
    for k in (0, 3, 8):
        seen = shown(dock, drawn, (0, 0, 0), k)
        rows = seen["rows"]
        assert sorted(rows) == list(range(len(run.X)))  # every dataset row, once
        greyed = {rows[r] for r in seen["greyed"]}
        batch = run.at(k).batch_rows
        assert greyed == set(range(len(run.X))) - set(batch.tolist())
        assert rows[:len(batch)] == batch.tolist()  # the batch first, in its order
        assert set(run.test_rows.tolist()) <= greyed  # held-out rows never enter a sum
        first = seen["update"][0]
        assert f"B = 10 of {len(run.train_rows)} training rows" in first
        assert f"{len(run.test_rows)} held-out test rows" in first
        # The sum is over the rows not greyed: the products of those rows add up to it.
        products = np.array(seen["values"][-1])
        in_batch = np.ones(len(rows), bool)
        in_batch[seen["greyed"]] = False
        assert products[in_batch].sum() == pytest.approx(seen["gradient"], rel=1e-12)


def test_a_penalty_run_shows_lambda_times_w_and_leaves_biases_alone(dock, drawn):
    session = dock.session
    start(session, "sgd", l2=0.01, l1=0.002)
    run = session.run
    seen = shown(dock, drawn, (0, 1, 2), 4)
    w = run.at(4).theta[6]
    penalty = next(line for line in seen["update"] if line.startswith("penalty"))
    assert "λ₂·w₇ + λ₁·sign(w₇)" in penalty
    l2, w_shown, l1, sign = numbers(penalty.split(" = ")[2])
    assert (l2, l1, sign) == (0.01, 0.002, np.sign(w))
    assert w_shown == pytest.approx(w, rel=1e-9)
    part = numbers(penalty.split(" = ")[-1])[0]
    assert part == pytest.approx(0.01 * w + 0.002 * np.sign(w), rel=1e-9)
    lines = lines_by_rule(seen["update"])
    (gradient, part_shown), = lines["g"][0]
    assert part_shown == part and gradient == pytest.approx(seen["gradient"], rel=1e-9)
    assert gradient + part == pytest.approx(lines["g"][1], rel=1e-9)
    seen = shown(dock, drawn, Bias(1, 0), 4)
    assert any("leaves biases alone" in line for line in seen["update"])
    assert not any(line.startswith("penalty") for line in seen["update"])


def test_the_tutorial_keeps_its_panel(dock, drawn):
    seen = shown(dock, drawn, (0, 0, 0), 0)
    assert seen["update"] == [] and seen["greyed"] == []
    assert dock.summary.isVisibleTo(dock) and not dock.update_lines.isVisibleTo(dock)


# ---- the chain rule against the engine's step ------------------------------------------


@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_the_chain_rule_sums_to_the_steps_gradient(reduction):
    session = TrainingSession()
    start(session, "momentum", reduction=reduction)
    run = session.run
    for param in (Bias(0, 3), Bias(1, 0), (0, 0, 1), (1, 2, 0)):
        rule = chain_rule(run, 6, param)
        step = run.at(6).step()
        products = np.asarray(rule.columns[-1][1])[rule.in_batch]
        scale = 1 / len(step.batch_rows) if reduction == "mean" else 1
        assert products.sum() * scale == pytest.approx(step.gradient[rule.index], rel=1e-12)
        assert rule.gradient == step.gradient[rule.index]
        assert rule.after == step.theta_next[rule.index]
        assert rule.formula.startswith("∂E/∂") and ("(1/B) Σ" in rule.formula) == (
            reduction == "mean")
        if len(param) == 2:  # ∂s/∂b = 1: each row's share is its δ
            header, ones = rule.columns[-2]
            assert header.endswith("= 1") and np.all(np.asarray(ones) == 1)
            assert any("∂s/∂b" in note for note in rule.notes)


def test_softmax_cross_entropy_has_delta_yhat_minus_y():
    X, Y = three_class()
    session = TrainingSession()
    session.new_run(X=X, Y=Y, layer_sizes=[X.shape[1], 5, 3],
                    activations=["tanh", "softmax"], loss="ce", learning_rate=0.1,
                    options=TrainingOptions(bias=True, reduction="mean"))
    run = session.run
    run.train(3)
    rule = chain_rule(run, 3, Bias(1, 2))
    headers = [h for h, _ in rule.columns]
    assert headers[:3] == ["ŷ₃", "y₃", "δ = ŷ₃ − y₃"]
    yhat, y, delta = (np.asarray(rule.columns[i][1]) for i in range(3))
    np.testing.assert_array_equal(delta, yhat - y)
    assert rule.formula == "∂E/∂b₈ = (1/B) Σ (ŷ₃ − y₃)"
    assert any("softmax" in note for note in rule.notes)
    step = run.at(3).step()
    assert np.sum(delta) / len(X) == pytest.approx(step.gradient[rule.index], rel=1e-12)
    hidden = chain_rule(run, 3, (0, 1, 4))  # a hidden unit under a softmax output
    assert np.sum(np.asarray(hidden.columns[-1][1])) / len(X) == pytest.approx(
        step.gradient[hidden.index], rel=1e-12)


# ---- the diagram ------------------------------------------------------------------------


@pytest.fixture
def view(make_view):
    return make_view(NetworkView, size=(760, 520))


def bias_styles(view):
    sizes = view.session.run.layer_sizes
    return [s for s in view.edge_styles() if s[1] == sizes[s[0]]]


def test_bias_edges_are_drawn_from_the_biases_on_the_weights_scale(view, drawn):
    session = view.session
    start(session)
    run = session.run
    scale = view.item.edge_scale
    seen = {}
    for k in (0, 8):
        session.cursor.seek(k)
        drawn(view)
        styles = bias_styles(view)
        biases = np.concatenate(run.at(k).biases)
        assert [(s[0], s[2]) for s in styles] == [(0, 0), (0, 1), (0, 2), (0, 3), (1, 0)]
        assert [s[3] for s in styles] == [palette.weight_width(b) * scale for b in biases]
        assert [s[4].name() for s in styles] == [palette.weight_color(b).name()
                                                 for b in biases]
        seen[k] = [(s[3], s[4].name()) for s in styles]
    assert set(seen[0]) == {(palette.weight_width(0.0) * scale, palette.ZERO.name())}
    assert seen[8] != seen[0]  # Adam's first steps move every bias by about η
    assert "|w| or |b|" in " ".join(str(p[1]) for g in view.legend.groups() for p in g)


def test_the_nodes_use_the_biases(view, drawn):
    session = view.session
    start(session)
    session.selection.select_sample(5)
    drawn(view)
    run, k = session.run, session.iteration
    shown = run.at(k)
    hidden = np.tanh(run.X[5] @ shown.weights[0] + shown.biases[0])
    np.testing.assert_allclose(view.item.node_values[1], hidden, rtol=1e-12)


# The click's move shows the edge's tooltip, whose raise the offscreen platform warns about.
@pytest.mark.qt_log_ignore("This plugin does not support raise")
def test_clicking_a_bias_edge_selects_it_and_the_inspector_shows_it(window, qtbot):
    session = window.session
    start(session)
    view = window.network_view
    inspector = window.docks["InspectorDock"]
    inspector.raise_()
    qtbot.waitUntil(lambda: not view.redraw.stale)
    with qtbot.waitSignal(session.selection.sigEdgeSelected) as blocker:
        qtbot.mouseClick(view.graphics.viewport(), Qt.LeftButton,
                         pos=view.edge_position(Bias(0, 2)))
    assert blocker.args == [Bias(0, 2)] and session.selection.edge == Bias(0, 2)
    assert view.item.selected == view.edge_index(Bias(0, 2)) == session.run.n_params + 2
    qtbot.waitUntil(lambda: inspector.shown is not None and inspector.shown.edge == Bias(0, 2))
    assert "b₃ (+1 → h₃)" in inspector.title.text()
    assert "Bias" not in inspector.title.text()
    assert view.tooltip_for(("edge", view.edge_index(Bias(0, 2)))).startswith("bias +1 → h3")


def test_a_bias_edited_in_the_diagram_goes_through_set_bias(view, drawn):
    session = view.session
    start(session)
    session.cursor.seek(4)
    drawn(view)
    assert view.edit_weight(Bias(1, 0), "0.75")
    run = session.run
    assert run.at(4).biases[1][0] == 0.75 and run.newest == 4
    assert session.selection.edge == Bias(1, 0)
    assert not view.edit_weight(Bias(1, 0), "abc")  # refused, with a message
    assert run.at(4).biases[1][0] == 0.75


@pytest.mark.qt_log_ignore("This plugin does not support raise")
def test_a_weights_tooltip_gives_the_optimizers_next_step(view, drawn):
    session = view.session
    start(session)
    session.cursor.seek(8)
    drawn(view)
    step = session.run.at(8).step()
    text = view.tooltip_for(("edge", view.edge_index((0, 1, 2))))
    assert f"∂E/∂w = {step.g[6]:+.4g}" in text
    assert f"next step: Δw = {-step.parts['step'][6]:+.4g}, adam" in text


def test_mean_reduction_divides_the_batch_sum_by_b_on_screen(dock, drawn):
    session = dock.session
    start(session, "nesterov", reduction="mean")
    run = session.run
    seen = shown(dock, drawn, Bias(0, 0), 3)
    line = next(line for line in seen["update"] if line.startswith("∂E/∂b₁"))
    assert "(1/B)·Σ products over the batch (reduction mean)" in line
    (total, b), = [numbers(p) for p in line.split(" = ")[2:-1]]
    result = numbers(line.split(" = ")[-1])[0]
    assert b == 10 and total / b == pytest.approx(result, rel=1e-9)
    products = np.array(seen["values"][-1])[:10]  # the batch's rows come first
    assert products.sum() == pytest.approx(total, rel=1e-9)
    assert result == pytest.approx(run.at(3).step().gradient[run.n_params], rel=1e-9)
    assert seen["formula"].startswith("∂E/∂b₁ = (1/B) Σ δ(h₁)")
    assert "divides their sum by B" in dock.batch_note.text()
