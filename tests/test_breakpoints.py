"""Breakpoints: parsing, the iteration each condition stops at (against a plain
iteration-by-iteration computation), and that stopping never changes the numbers."""

import json

import numpy as np
import pytest
from test_cli import assert_one_line_error, run_main

from nncore import Run, TrainingOptions, builtin, forward
from nncore.breakpoints import (
    check_conditions,
    first_hit,
    parse_condition,
    train_until,
)
from nncore.datasets import two_d
from nncore.gradient_flow import SATURATED_SHARE, SATURATION


def overfitting_run(iterations=0):
    """A wide net on 40 noisy points, half held out: the test loss bottoms out early."""
    X, Y = two_d("xor", 40, noise=0.3, seed=1)
    run = Run(X, Y, [3, 16, 16, 1], ["tanh", "tanh", "sigmoid"], learning_rate=0.05,
              options=TrainingOptions(test_fraction=0.5, bias=True))
    run.train(iterations)
    return run


def xor_run(iterations=0, activations=("sigmoid", "sigmoid"), **kw):
    X, Y = builtin("xor")
    run = Run(X, Y, [3, 4, 1], list(activations), **kw)
    run.train(iterations)
    return run


def first_change(truth, start=0):
    """The first k > start with truth[k] and not truth[k-1] (a plain loop)."""
    for k in range(start + 1, len(truth)):
        if truth[k] and not truth[k - 1]:
            return k
    return None


# ---- parsing ----------------------------------------------------------------------------


@pytest.mark.parametrize("text, kind", [
    ("loss<0.05", "score"), (" test_loss <= 0.1 ", "score"), ("accuracy>=1", "score"),
    ("test_accuracy>0.9", "score"), ("penalty<2", "score"), ("test_loss_rising:50", "rising"),
    ("sign:W0[1,2]", "sign"), ("sign:b1[0]", "sign"), ("saturated", "saturated"),
    ("dead", "dead"), ("diverged", "diverged")])
def test_conditions_parse(text, kind):
    c = parse_condition(text)
    assert c.kind == kind and c.text == text.strip()


def test_parsed_values():
    c = parse_condition("loss<=1e-3")
    assert (c.score, c.op, c.value) == ("loss", "<=", 1e-3)
    assert parse_condition("test_loss_rising:7").value == 7
    assert parse_condition("sign:W2[3,0]").index == (2, 3, 0)
    assert parse_condition("sign:b1[4]").index == (1, 4)


@pytest.mark.parametrize("text, why", [
    ("loss<<1", "is not a number"), ("loss<1_0", "is not a number"),
    ("loss<nan", "not a finite number"), ("los<1", "unknown score 'los'"),
    ("loss=1", "is not a condition"), ("", "is not a condition"),
    ("test_loss_rising", "whole number"), ("test_loss_rising:0", "whole number"),
    ("test_loss_rising:2.5", "whole number"), ("sign:W0", "names a weight"),
    ("sign:W0[1]", "a weight takes [row,column]"), ("sign:b0[1,2]", "a bias [unit]"),
    ("saturated!", "is not a condition")])
def test_bad_conditions_say_why_with_the_text(text, why):
    with pytest.raises(ValueError) as info:
        parse_condition(text)
    assert repr(text.strip()) in str(info.value) and why in str(info.value)


def test_conditions_the_run_cannot_have():
    run = xor_run()
    for text, why in [("test_loss<1", "holds out no rows"),
                      ("test_loss_rising:5", "holds out no rows"),
                      ("penalty<1", "no L1/L2 penalty"), ("sign:W2[0,0]", "layers 0 to 1"),
                      ("sign:W0[3,0]", "W0 is 3x4"), ("sign:b0[0]", "no biases")]:
        with pytest.raises(ValueError, match=why):
            check_conditions([parse_condition(text)], run)


# ---- where each condition stops, against a plain loop -------------------------------------------


def test_score_conditions_stop_where_they_first_become_true():
    reference = xor_run(3000)
    for text, truth in [("loss<0.05", reference.losses < 0.05),
                        ("accuracy>=1", reference.accuracies >= 1),
                        ("loss<=0.2", reference.losses <= 0.2)]:
        run = xor_run()
        hit = train_until(run, 3000, [parse_condition(text)], chunk=700)
        k = first_change(truth)
        assert k is not None and hit.iteration == k == run.newest
        assert hit.condition.text == text


def test_a_breakpoint_never_changes_the_numbers():
    """Stopped at k, the run is bit for bit the run trained to k without it, and the
    same condition stops a second run at the same iteration."""
    run = overfitting_run()
    hit = train_until(run, 3000, [parse_condition("test_loss_rising:50")], chunk=333)
    plain = overfitting_run(hit.iteration)
    assert run.newest == plain.newest == hit.iteration
    assert np.array_equal(run.row_at(run.newest), plain.row_at(plain.newest))
    assert np.array_equal(run.losses, plain.losses)
    assert np.array_equal(run.test_losses, plain.test_losses)
    assert np.array_equal(run.outputs, plain.outputs)
    again = overfitting_run()
    assert train_until(again, 3000, [parse_condition("test_loss_rising:50")]) == hit


def test_test_loss_rising_is_patience_since_the_lowest_test_loss():
    run = overfitting_run(1500)
    t = run.test_losses
    expected = None
    for k in range(1, len(t)):
        lowest = min(range(k + 1), key=lambda j: (t[j], j))  # first of equal lowest values
        if k - lowest == 50:
            expected = k
            break
    assert expected is not None and expected > 50
    assert all(t[j] > t[expected - 50] for j in range(expected - 49, expected + 1))
    hit = first_hit([parse_condition("test_loss_rising:50")], run, 0)
    assert hit.iteration == expected


@pytest.mark.parametrize("make, text, pick", [
    (lambda: overfitting_run(600), "sign:W1[4,13]", lambda it: it.weights[1][4, 13]),
    (lambda: overfitting_run(600), "sign:b0[2]", lambda it: it.biases[0][2]),
    (lambda: xor_run(300), "sign:W0[1,0]", lambda it: it.weights[0][1, 0])])
def test_sign_change_of_a_weight_and_a_bias(make, text, pick):
    run = make()  # the first two keep every stride-th row, the last every row
    signs = [np.sign(pick(run.at(k))) for k in range(run.newest + 1)]
    changed = [signs[k] != signs[k - 1] for k in range(1, len(signs))]
    assert True in changed
    expected = 1 + changed.index(True)
    assert first_hit([parse_condition(text)], run, 0).iteration == expected
    assert first_hit([parse_condition(text)], run, expected - 1).iteration == expected
    assert first_hit([parse_condition(text)], run, expected - 1, expected - 1) is None


def unit_truths(run, kind):
    """Per iteration, which units are saturated or dead, from plain forward passes."""
    out = []
    for k in range(run.newest + 1):
        weights = run.weights_at(k)
        s, a, flags = run.X_train, run.X_train, []
        for W, name in zip(weights, run.activations, strict=True):
            s = a @ W
            a = forward(a, [W], [name])[-1]
            if kind == "dead" and name == "relu":
                flags += list(np.all(s <= 0, axis=0))
            elif kind == "saturated" and name in SATURATION and not (
                    run.loss == "bce" and W is weights[-1]):
                flags += list(np.mean(np.abs(s) >= SATURATION[name], axis=0)
                              >= SATURATED_SHARE)
            else:
                flags += [False] * W.shape[1]
        out.append(np.array(flags))
    return out


def deep_sigmoid_run(iterations):
    """Six sigmoid layers of 8 on the 2-D circle: units saturate within 150 steps."""
    X, Y = two_d("circle", 200)
    run = Run(X, Y, [3] + [8] * 6 + [1], learning_rate=0.5)
    run.train(iterations)
    return run


@pytest.mark.parametrize("kind, make", [
    ("dead", lambda: xor_run(400, ("relu", "sigmoid"), learning_rate=3.0, seed=3)),
    ("saturated", lambda: deep_sigmoid_run(150))])
def test_a_unit_saturating_or_dying(kind, make):
    run = make()
    truths = unit_truths(run, kind)
    expected = next((k for k in range(1, len(truths))
                     if (truths[k] & ~truths[k - 1]).any()), None)
    assert expected is not None
    hit = first_hit([parse_condition(kind)], run, 0)
    assert hit.iteration == expected and hit.condition.kind == kind


def test_a_condition_true_at_the_start_waits_until_it_becomes_true_again():
    run = xor_run(3000)
    truth = run.losses < 0.05
    k = first_change(truth)
    assert first_hit([parse_condition("loss<0.05")], run, k) is None  # true from k on
    assert first_hit([parse_condition("loss<0.05")], run, k - 1).iteration == k


def test_the_first_listed_condition_is_named_on_a_tie():
    run = xor_run(3000)
    a, b = parse_condition("loss<0.05"), parse_condition("loss<=0.05")
    assert first_hit([a, b], run, 0).condition is a
    assert first_hit([b, a], run, 0).condition is b


def test_divergence_is_named_and_keeps_the_last_finite_iteration():
    X, Y = builtin("tutorial")
    run = Run(X, Y, [3, 3, 1], ["linear", "linear"], learning_rate=1e6)
    hit = train_until(run, 100, [parse_condition("loss<0"), parse_condition("diverged")])
    assert run.diverged_at is not None and hit.condition.kind == "diverged"
    assert hit.iteration == run.newest == run.diverged_at - 1


# ---- the command line -------------------------------------------------------------------


def test_cli_stop_when_reports_iteration_k_and_equals_a_plain_run(capsys):
    base = ["train", "--dataset", "xor", "--layers", "3,4,1", "--json"]
    stopped = run_main(base + ["--iterations", "3000", "--stop-when", "accuracy>=1",
                               "--stop-when", "loss<0.05"], capsys)
    assert stopped.returncode == 0, stopped.stderr
    out = json.loads(stopped.stdout)
    truth = xor_run(3000).accuracies >= 1
    assert out["stopped_by"] == "accuracy>=1" and out["iteration"] == first_change(truth)
    plain = json.loads(run_main(base + ["--iterations", str(out["iteration"])],
                                capsys).stdout)
    assert "stopped_by" not in plain
    assert {key: v for key, v in out.items() if key != "stopped_by"} == plain  # repr: bits


def test_cli_stop_when_that_never_holds_is_null(capsys):
    result = run_main(["train", "--iterations", "50", "--stop-when", "loss<0", "--json"],
                      capsys)
    out = json.loads(result.stdout)
    assert out["stopped_by"] is None and out["iteration"] == 50
    text = run_main(["train", "--iterations", "50", "--stop-when", "loss<0"], capsys).stdout
    assert "no --stop-when condition became true" in text


@pytest.mark.parametrize("condition, message", [
    ("loss<<1", "--stop-when 'loss<<1': '<1' is not a number"),
    ("bogus", "--stop-when 'bogus' is not a condition"),
    ("test_loss<1", "--stop-when 'test_loss<1': this run holds out no rows"),
    ("sign:W0[5,0]", "--stop-when 'sign:W0[5,0]': W0 is 3x1")])
def test_cli_bad_conditions_are_exit_2_naming_the_flag_and_text(capsys, condition, message):
    assert_one_line_error(run_main(["train", "--stop-when", condition], capsys), message)
