"""Built-in datasets, the three-bit rules and the 2-D generators."""

import numpy as np
import pytest

from nncore import BUILTIN, Run, builtin, three_bit, two_d
from nncore.datasets import THREE_BIT_RULES, TWO_D_KINDS

FOUR = [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]]


@pytest.mark.parametrize("name, inputs, targets", [
    ("tutorial", [[0, 0, 1], [1, 1, 1], [1, 0, 1], [0, 1, 1]], [0, 1, 1, 0]),
    ("trask", FOUR, [0, 0, 1, 1]),
    ("xor", FOUR, [0, 1, 1, 0]),
    ("and", FOUR, [0, 0, 0, 1]),
    ("or", FOUR, [0, 1, 1, 1]),
])
def test_builtin_values(name, inputs, targets):
    X, Y = builtin(name)
    assert X.dtype == Y.dtype == np.float64
    assert X.tolist() == inputs
    assert Y.shape == (4, 1) and Y.ravel().tolist() == targets
    assert name in BUILTIN


def test_builtin_returns_fresh_arrays():
    X, Y = builtin("tutorial")
    X[:] = 7
    Y[:] = 7
    assert builtin("tutorial")[0][0].tolist() == [0, 0, 1]
    assert builtin("tutorial")[1][1, 0] == 1


def test_unknown_builtin_names_the_choices():
    with pytest.raises(ValueError, match="unknown name 'nope'; choose from tutorial, trask"):
        builtin("nope")


def test_xor_needs_a_hidden_layer_and_and_does_not():
    """The reason `xor` is built in: one neuron cannot separate it."""
    accuracy = {}
    for name, sizes in (("and", [3, 1]), ("xor", [3, 1]), ("xor-hidden", [3, 4, 1])):
        X, Y = builtin(name.split("-")[0])
        run = Run(X, Y, sizes, seed=1)
        run.train(3000)
        accuracy[name] = run.accuracies[-1]
    assert accuracy["and"] == 1.0
    assert accuracy["xor"] < 1.0
    assert accuracy["xor-hidden"] == 1.0


@pytest.mark.parametrize("rule, targets", [
    ("x1", [0, 0, 0, 0, 1, 1, 1, 1]),
    ("x3", [0, 1, 0, 1, 0, 1, 0, 1]),
    ("not x1", [1, 1, 1, 1, 0, 0, 0, 0]),
    ("x1 and x2", [0, 0, 0, 0, 0, 0, 1, 1]),
    ("x1 or x2", [0, 0, 1, 1, 1, 1, 1, 1]),
    ("x1 xor x2", [0, 0, 1, 1, 1, 1, 0, 0]),
    ("majority", [0, 0, 0, 1, 0, 1, 1, 1]),
    ("parity", [0, 1, 1, 0, 1, 0, 0, 1]),
])
def test_three_bit_rules(rule, targets):
    X, Y = three_bit(rule)
    assert X.tolist() == [[a, b, c] for a in (0, 1) for b in (0, 1) for c in (0, 1)]
    assert Y.shape == (8, 1) and Y.ravel().tolist() == targets


def test_three_bit_covers_every_rule_and_refuses_others():
    assert all(three_bit(rule)[1].shape == (8, 1) for rule in THREE_BIT_RULES)
    with pytest.raises(ValueError, match="unknown rule 'x1 nand x2'"):
        three_bit("x1 nand x2")


@pytest.mark.parametrize("kind", TWO_D_KINDS)
def test_two_d_shapes_and_determinism(kind):
    X, Y = two_d(kind, n_points=101, noise=0.2, seed=4)
    assert X.shape == (101, 3) and Y.shape == (101, 1)
    assert np.all(X[:, 2] == 1.0)
    assert set(np.unique(Y)) == {0.0, 1.0}
    assert np.abs(X[:, :2]).max() < 3.0  # roughly the unit square
    again = two_d(kind, n_points=101, noise=0.2, seed=4)
    assert np.array_equal(X, again[0]) and np.array_equal(Y, again[1])
    assert not np.array_equal(X, two_d(kind, n_points=101, noise=0.2, seed=5)[0])


def test_two_d_labels_follow_the_geometry_without_noise():
    X, Y = two_d("circle", 400, 0.0, seed=1)
    radius = np.hypot(X[:, 0], X[:, 1])
    assert np.array_equal(Y.ravel() == 1, radius < 0.5)
    assert radius.max() <= 1.0 and not np.any((radius > 0.5) & (radius < 0.7))
    X, Y = two_d("xor", 400, 0.0, seed=1)
    assert np.array_equal(Y.ravel() == 1, X[:, 0] * X[:, 1] >= 0)
    assert np.abs(X[:, :2]).min() >= 0.06  # kept off the axes
    X, Y = two_d("gaussian", 400, 0.0, seed=1)
    assert X[Y.ravel() == 1, :2].mean() > 0.3 > -0.3 > X[Y.ravel() == 0, :2].mean()
    X, Y = two_d("spiral", 400, 0.0, seed=1)
    assert Y.sum() == 200
    # the two arms are the same curve turned by half a circle
    assert np.allclose(X[:200, :2], -X[200:, :2])


@pytest.mark.parametrize("args, message", [
    (("moons",), "unknown kind 'moons'"),
    (("circle", 1), "n_points"),
    (("circle", 2.5), "n_points"),
    (("circle", True), "n_points"),
    (("circle", 10, 1.5), "noise"),
    (("circle", 10, float("nan")), "noise"),
])
def test_two_d_refuses_bad_arguments(args, message):
    with pytest.raises(ValueError, match=message):
        two_d(*args)


@pytest.mark.parametrize("kind", ["spiral", "blobs"])
def test_three_classes_are_one_hot_balanced_and_reproducible(kind):
    from nncore import three_class

    X, Y = three_class(301, noise=0.3, seed=4, kind=kind)
    assert X.shape == (301, 3) and Y.shape == (301, 3)
    assert (X[:, 2] == 1).all() and np.abs(X[:, :2]).max() < 2
    assert ((Y == 0) | (Y == 1)).all() and (Y.sum(axis=1) == 1).all()
    assert Y.sum(axis=0).tolist() == [101, 100, 100]
    again = three_class(301, noise=0.3, seed=4, kind=kind)
    assert np.array_equal(X, again[0]) and np.array_equal(Y, again[1])
    assert not np.array_equal(X, three_class(301, noise=0.3, seed=5, kind=kind)[0])


def test_three_blobs_need_no_hidden_layer_and_the_spiral_does():
    from nncore import three_class
    from nncore.options import TrainingOptions

    def accuracy(X, Y, sizes, activations):
        run = Run(X, Y, sizes, activations, "ce", 0.05,
                  options=TrainingOptions(bias=True, optimizer="adam", reduction="mean"))
        run.train(1500)
        return run.accuracies[-1]

    X, Y = three_class(150, kind="blobs")
    assert accuracy(X, Y, [3, 3], ["softmax"]) == 1.0
    X, Y = three_class(150, kind="spiral")
    assert accuracy(X, Y, [3, 3], ["softmax"]) < 0.8
    assert accuracy(X, Y, [3, 32, 32, 3], ["tanh", "tanh", "softmax"]) > 0.9


@pytest.mark.parametrize("args, message", [
    ({"kind": "moons"}, "kind: unknown kind 'moons'; choose from spiral, blobs"),
    ({"n_points": 2}, "n_points: need a whole number from 3 to 100000"),
    ({"noise": 1.5}, "noise: need a number from 0 to 1"),
])
def test_three_class_refuses_bad_arguments(args, message):
    from nncore import three_class

    with pytest.raises(ValueError, match=message):
        three_class(**args)
