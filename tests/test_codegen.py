"""The exported training script: run alone, with only numpy importable, it prints the
app's weights and biases; its loop lines are the tutorial's for the tutorial's run."""

from __future__ import annotations

import ast

import numpy as np
import pytest
from script_check import assert_same, imported_modules, numpy_only_folder, run_script

from nncore import Run, TrainingOptions, builtin
from nncore.code_text import number
from nncore.code_values import phase_values
from nncore.codegen import training_script
from nncore.datasets import three_class
from nncore.phases import Phase, phases

W_1000 = [7.26283009, -0.21614618, -3.41703015]  # the tutorial's printed weights


@pytest.fixture(scope="module")
def numpy_only(tmp_path_factory):
    return numpy_only_folder(tmp_path_factory.mktemp("numpy_only"))


# ---- the tutorial ---------------------------------------------------------------------


def tutorial_run(n=1000):
    X, Y = builtin("tutorial")
    run = Run(X, Y, [3, 1])
    run.train(n)
    return run


def test_the_tutorials_loop_is_the_tutorials_code():
    script = training_script(tutorial_run(5))
    lines = script.text.splitlines()
    body = [lines[n - 1].strip() for p in phases(1) for n in script.phase_lines[p]]
    assert body == ["l1 = nonlin(np.dot(l0, syn0))", "l1 = nonlin(np.dot(l0, syn0))",
                    "l1_error = y - l1", "l1_delta = l1_error * nonlin(l1, True)",
                    "syn0 += np.dot(l0.T, l1_delta)"]
    loop = lines.index("for i in range(ITERATIONS):")
    assert lines[loop + 1].strip() == "l0 = X"
    assert "np.random.seed(1)" in lines
    assert "syn0 = 2 * np.random.random((3, 1)) - 1" in lines
    assert imported_modules(script.text) == {"numpy"}


def test_the_tutorials_script_prints_the_tutorials_weights(numpy_only, tmp_path):
    run = tutorial_run()
    doc = run_script(training_script(run).text, numpy_only, tmp_path)
    np.testing.assert_allclose(np.ravel(doc["weights"][0]), W_1000, atol=1e-8)
    assert np.array_equal(np.array(doc["weights"][0]), run.weights_at(1000)[0])


# ---- any configuration ------------------------------------------------------------------


def random_run(seed):
    """A run of a configuration drawn from ``seed``: layer sizes, activations, an
    optimizer, biases, batches, reduction, penalties, held-out rows, softmax with three
    classes, a hand edit and a learning-rate change."""
    rng = np.random.default_rng(seed)
    optimizer = ("sgd", "momentum", "nesterov", "rmsprop", "adam")[seed % 5]
    three = seed % 3 == 2
    if three:
        X, Y = three_class(60, noise=0.5, kind="blobs")
        n_in, n_out = 3, 3
    else:
        n_in, n_out = int(rng.integers(1, 4)), int(rng.integers(1, 3))
        X = rng.normal(size=(int(rng.integers(6, 20)), n_in))
        Y = (rng.random((len(X), n_out)) > 0.5).astype(float)
    hidden = [int(h) for h in rng.integers(1, 5, size=int(rng.integers(0, 3)))]
    sizes = [n_in, *hidden, n_out]
    activations = [str(rng.choice(["sigmoid", "tanh", "relu", "linear"])) for _ in hidden]
    activations.append("softmax" if three else str(rng.choice(["sigmoid", "tanh"])))
    loss = "ce" if three else ("bce" if activations[-1] == "sigmoid" and rng.random() < 0.4
                               else "sse")
    batch = [None, 1, 2, 5, 7][int(rng.integers(0, 5))]
    options = TrainingOptions(
        bias=bool(rng.random() < 0.6), reduction=str(rng.choice(["sum", "mean"])),
        l1=float(rng.choice([0.0, 1e-3])), l2=float(rng.choice([0.0, 1e-2])),
        batch_size=batch, optimizer=optimizer,
        momentum=float(rng.uniform(0.5, 0.95)), alpha=float(rng.uniform(0.8, 0.99)),
        beta1=float(rng.uniform(0.8, 0.95)), beta2=float(rng.uniform(0.9, 0.999)),
        eps=float(rng.choice([1e-8, 1e-6])), test_fraction=float(rng.choice([0.0, 0.25])))
    lr = float(rng.choice([1.0, 0.3, 0.05])) if optimizer in ("sgd", "momentum",
                                                               "nesterov") else 0.01
    run = Run(X, Y, sizes, activations, loss, lr, int(rng.integers(0, 2**32 - 1)),
              options=options)
    run.train(int(rng.integers(3, 30)))
    run.set_weight(run.newest, len(sizes) - 2, 0, 0, float(rng.normal()))
    run.train(int(rng.integers(1, 30)))
    run.set_learning_rate(run.newest, lr / 2)
    if options.bias:
        run.set_bias(run.newest, 0, 0, 0.25)
    run.train(int(rng.integers(1, 30)))
    return run


@pytest.mark.parametrize("seed", range(15))
def test_a_script_prints_the_apps_weights(seed, numpy_only, tmp_path):
    run = random_run(seed)
    k = run.newest - (seed % 2)  # the newest iteration, or the one before it
    script = training_script(run, k)
    assert imported_modules(script.text) == {"numpy"}
    assert_same(run_script(script.text, numpy_only, tmp_path), run, k)


def test_every_phase_has_its_lines():
    run = random_run(4)
    script = training_script(run)
    lines = script.text.splitlines()
    for phase in phases(len(run.layer_sizes) - 1):
        assert script.phase_lines[phase], phase
        for n in script.phase_lines[phase]:
            assert lines[n - 1].startswith("    "), (phase, lines[n - 1])  # in the loop
    assert script.phases_at(script.phase_lines[Phase("error")][0]) == [Phase("error")]


def test_a_run_without_a_seed_writes_its_first_weights(numpy_only, tmp_path):
    X, Y = builtin("xor")
    start = [np.array([[0.5, -0.25], [0.125, 1.0], [-1.0, 0.75]]), np.array([[1.5], [-2.0]])]
    run = Run(X, Y, [3, 2, 1], seed=None, initial_weights=start, learning_rate=0.5)
    run.train(40)
    text = training_script(run).text
    assert "np.random" not in text
    assert "syn0 = np.array([[0.5, -0.25], [0.125, 1], [-1, 0.75]], dtype=float)" in text
    assert_same(run_script(text, numpy_only, tmp_path), run, 40)


def test_a_change_at_the_last_iteration_comes_after_the_loop(numpy_only, tmp_path):
    run = tutorial_run(10)
    run.set_weight(10, 0, 2, 0, -0.5)
    text = training_script(run).text
    lines = text.splitlines()
    after = lines.index("# changed by hand at iteration 10, after the last step")
    assert lines[after + 1] == "syn0[2, 0] = -0.5"
    assert "    if i == 10" not in text
    assert_same(run_script(text, numpy_only, tmp_path), run, 10)


def test_the_code_views_script_elides_long_data():
    X, Y = three_class(90)
    run = Run(X, Y, [3, 4, 3], ["tanh", "softmax"], "ce", 0.1)
    text = training_script(run, data_rows=3).text
    assert "# ... 87 more rows" in text
    assert len(text.splitlines()) < 90
    ast.parse(text)


def test_numbers_read_back_exactly():
    for value in (0.1, -0.0, 1e-300, 2.0**60, 3.0, -7.0, 1 / 3):
        text = number(value)
        assert float(text) == value and np.signbit(float(text)) == np.signbit(value)
    assert number(3.0) == "3"


def test_the_random_runs_cover_every_option():
    runs = [random_run(seed) for seed in range(15)]
    seen = {(name, getattr(run.options, name)) for run in runs
            for name in ("optimizer", "bias", "reduction")}
    assert {("optimizer", o) for o in ("sgd", "momentum", "nesterov", "rmsprop", "adam")} <= seen
    assert {("bias", True), ("bias", False), ("reduction", "sum"), ("reduction", "mean")} <= seen
    assert any(run.options.l1 for run in runs) and any(run.options.l2 for run in runs)
    assert any(run.options.l1 and run.options.l2 for run in runs)
    assert any(len(run.test_rows) for run in runs)
    assert {None, 1, 2} <= {run.options.batch_size for run in runs}
    assert {"ce", "bce", "sse"} <= {run.loss for run in runs}
    assert any(len(run.layer_sizes) > 3 for run in runs)
    kinds = {c.kind for run in runs for c in run.changes}
    assert kinds == {"weight", "bias", "learning_rate"}


def test_the_sandbox_has_numpy_alone(numpy_only, tmp_path):
    for other in ("nncore", "PySide6", "pytest"):
        with pytest.raises(AssertionError, match="ModuleNotFoundError"):
            run_script(f"import {other}\n", numpy_only, tmp_path)
    assert run_script("import numpy\nprint('[1]')\n", numpy_only, tmp_path) == [1]


@pytest.mark.parametrize("seed", [0, 2, 4, 8, 13])
def test_inline_values_are_the_scripts_variables(seed):
    """The script run to k + 1 leaves its loop with the variables of the pass i = k:
    they are what the code view shows for iteration k, to the bit."""
    run = random_run(seed)
    k = run.newest - 1
    names = {"print": lambda *a: None, "__name__": "script"}
    exec(training_script(run, k + 1).text, names)
    for phase in phases(len(run.layer_sizes) - 1):
        for name, values in phase_values(run, k, phase):
            if phase.kind == "sum":
                layer = phase.layer
                assert name.startswith(f"np.dot(l{layer}, syn{layer})")
                continue
            assert np.array_equal(values, names[name]), (phase, name)


def test_the_code_views_script_elides_long_literal_weights():
    X, Y = builtin("xor")
    start = [np.full((3, 12), 0.5), np.full((12, 1), -0.5)]
    run = Run(X, Y, [3, 12, 1], seed=None, initial_weights=start)
    shown = training_script(run, data_rows=6).text.splitlines()
    assert "syn0 = np.array(...)  # 3x12 numbers: File > Export > Python script writes them" \
        in shown
    assert any(line.startswith("syn1 = np.array([[-0.5], [-0.5]") for line in shown)  # short
    assert "syn0 = np.array([[0.5, 0.5" in training_script(run).text


def test_a_hostile_dataset_name_cannot_break_the_script():
    run = tutorial_run(2)
    for name in ('a"""b', "C:\\Users\\new\\N{x}", "two\nlines\r", "end\\"):
        text = training_script(run, dataset_name=name).text
        tree = ast.parse(text)
        assert ast.get_docstring(tree).startswith("Backprop Lab: the run on ")
        assert "import numpy as np" in text
