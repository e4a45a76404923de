"""The `backprop-lab` command, run as a user would: a separate process, exit status, output.

Subprocesses are started a batch at a time from a thread pool: each one spends most of
its ~0.4 s importing numpy, and running them side by side keeps this file quick.
"""

import io
import json
import os
import subprocess
import sys
import types
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import snapshot_cases
import tqdm

from gui import cli
from nncore import Run, builtin, save_csv

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _env(**changes):
    env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def run_cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "gui.cli", *map(str, args)],
                          capture_output=True, text=True, env=env or _env(), timeout=120)


def run_many(commands):
    """Run each argument list as ``backprop-lab ...``, in parallel; results in order."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(lambda args: run_cli(*args), commands))


def assert_one_line_error(result, *texts):
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for text in texts:
        assert text in lines[0]
    assert result.stdout == ""


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A good tutorial snapshot at 1000 and a few CSV files, made with the engine."""
    folder = tmp_path_factory.mktemp("cli")
    X, Y = builtin("tutorial")
    save_csv(folder / "tutorial.csv", X, Y)
    save_csv(folder / "big-target.csv", X, Y * 2)
    (folder / "ragged.csv").write_text("x1,x2,x3,y\n0,0,1,0\n1,1,1\n")
    run = Run(X, Y, [3, 1])
    run.train(1000)
    from nncore import save_snapshot
    save_snapshot(folder / "good.json", run, dataset_name="tutorial")
    return folder


# ---- the tutorial, end to end -------------------------------------------------------------


def test_tutorial_numbers(files):
    at_999, at_1000, at_0, predicted = run_many([
        ["train", "--iterations", 999, "--json"],
        ["train", "--iterations", 1000, "--json"],
        ["train", "--iterations", 0, "--json"],
        ["predict", files / "good.json", "1,0,0"],
    ])
    for result in (at_999, at_1000, at_0, predicted):
        assert result.returncode == 0 and result.stderr == "", result.stderr
    out = json.loads(at_999.stdout)
    assert out["iteration"] == 999 and out["layer_sizes"] == [3, 1]
    np.testing.assert_allclose(np.ravel(out["outputs"]),
                               [0.03178421, 0.97414645, 0.97906682, 0.02576499], atol=1e-8)
    out = json.loads(at_1000.stdout)
    np.testing.assert_allclose(np.ravel(out["weights"]),
                               [7.26283009, -0.21614618, -3.41703015], atol=1e-8)
    assert out["loss"] == pytest.approx(0.5 * np.sum(
        (np.array([0, 1, 1, 0]) - np.ravel(out["outputs"])) ** 2), rel=1e-12)
    assert out["accuracy"] == 1.0 and out["diverged_at"] is None
    np.testing.assert_allclose(np.ravel(json.loads(at_0.stdout)["weights"]),
                               [-0.16595599, 0.44064899, -0.99977125], atol=1e-8)
    assert abs(float(predicted.stdout) - 0.99929937) < 1e-8


def test_json_is_one_line_and_the_summary_is_readable():
    as_json, summary = run_many([["train", "--json"], ["train"]])
    assert len(as_json.stdout.splitlines()) == 1 and as_json.stderr == ""
    lines = summary.stdout.splitlines()
    assert lines[0].startswith("iteration 1000: sse loss 0.0013888744, accuracy 100%")
    assert "W[0] = [7.26283009; -0.21614618; -3.41703015]" in lines
    assert "outputs = 0.03176745 0.97416005 0.97907779 0.02575143" in lines


def test_resume_through_the_command_line_is_bitwise_exact(tmp_path):
    """RELIABILITY 19 from the shell: 700 iterations == 300, save, --resume, 400 more."""
    net = ["--dataset", "xor", "--layers", "3,4,1", "--activation", "tanh,sigmoid",
           "--lr", "0.5", "--seed", "3"]
    snap = tmp_path / "half way.json"
    straight, first = run_many([["train", *net, "--iterations", 700, "--json"],
                                ["train", *net, "--iterations", 300, "--save", snap]])
    assert first.returncode == 0 and f"saved {snap}" in first.stdout
    resumed = run_cli("train", "--resume", snap, "--iterations", 400, "--json")
    assert resumed.returncode == 0, resumed.stderr
    # JSON floats are written with repr, so equal text means equal bits
    assert json.loads(resumed.stdout) == json.loads(straight.stdout)
    assert json.loads(straight.stdout)["iteration"] == 700


def test_csv_dataset_trains_like_the_builtin(files):
    from_csv, builtin_run = run_many([
        ["train", "--dataset", files / "tutorial.csv", "--json"], ["train", "--json"]])
    a, b = json.loads(from_csv.stdout), json.loads(builtin_run.stdout)
    assert a["dataset"] == "tutorial.csv"
    assert a["weights"] == b["weights"] and a["outputs"] == b["outputs"]


def test_inspect_summarises_a_good_snapshot(files):
    result = run_cli("inspect", files / "good.json")
    assert result.returncode == 0 and result.stderr == ""
    text = result.stdout
    for line in ("iteration     1000", "layers        3,1", "activations   sigmoid",
                 "loss          sse", "learning rate 1 at iteration 0, 1 at iteration 1000",
                 "loss value    0.0013888744", "accuracy      100%",
                 "dataset       tutorial: 4 samples, 3 inputs, 1 output(s)", "changes       0"):
        assert line in text


def test_divergence_is_reported_and_the_last_finite_state_kept():
    as_json, summary = run_many([
        ["train", "--activation", "linear", "--lr", "1e6", "--json"],
        ["train", "--activation", "linear", "--lr", "1e6"]])
    out = json.loads(as_json.stdout)
    assert isinstance(out["diverged_at"], int) and out["iteration"] < out["diverged_at"]
    assert np.isfinite(out["weights"]).all() and np.isfinite(out["loss"])
    assert f"diverged at iteration {out['diverged_at']}" in summary.stdout


# ---- bad input: exit 2, one line, no traceback -------------------------------------------------


BAD_USAGE = [
    (["train", "--dataset", "nope"], "'nope' is neither a built-in dataset"),
    (["train", "--lr", "abc"], "learning_rate: 'abc' is not a number"),
    (["train", "--lr", "0"], "learning_rate: must be a positive finite number"),
    (["train", "--lr", "-1"], "learning_rate: must be a positive finite number"),
    (["train", "--lr", "nan"], "learning_rate: must be a positive finite number"),
    (["train", "--lr", "inf"], "learning_rate: must be a positive finite number"),
    (["train", "--layers", "3,x"], "--layers: expected whole numbers"),
    (["train", "--layers", "2,1"], "dataset 'tutorial' has 3 inputs"),
    (["train", "--layers", "3,0,1"], "each size must be from 1 to 10000"),
    (["train", "--activation", "softmax"], "unknown activation 'softmax'"),
    (["train", "--activation", "tanh,tanh"], "activations: need 1 (one per layer), got 2"),
    (["train", "--loss", "bce", "--activation", "linear"], "needs a sigmoid output layer"),
    (["train", "--iterations", "-5"], "--iterations must be from 0 to 10000000"),
    (["train", "--iterations", "10000001"], "--iterations must be from 0 to 10000000"),
    (["train", "--resume", "{good}", "--dataset", "xor"], "--dataset cannot be combined"),
    (["train", "--save", "{dir}/missing/s.json"], "missing' does not exist"),
    (["train", "--save", "{dir}"], "is a folder; choose a file name"),
    (["train", "--dataset", "{dir}/ragged.csv"], "line 3: 3 cells, expected 4 like line 1"),
    (["train", "--dataset", "{dir}/big-target.csv"],
     "line 3, column 4: target '2' is outside the output's range [0, 1]"),
    (["train", "--dataset", "{dir}/none.csv"], "none.csv: no such file"),
    (["predict", "{good}", "1,0"], "takes 3 numbers, got 2"),
    (["predict", "{good}", "a,b,c"], "is not a list of numbers"),
    (["predict", "{good}", "nan,0,0"], "holds a non-finite number"),
    (["inspect", "{dir}"], "is a folder, not a file"),
    (["screenshot", "out.png", "--size", "big"], "--size: size 'big': expected WIDTHxHEIGHT"),
    (["screenshot", "out.png", "--size", "10x10"], "width 320..8000 and height 240..8000"),
]


def run_main(args, capsys):
    """``backprop-lab ARGS`` in this process (the same code path, without the startup)."""
    code = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(args, code, out, err)


@pytest.mark.parametrize("args, message", BAD_USAGE, ids=[" ".join(a[:3]) for a, _ in BAD_USAGE])
def test_bad_usage_is_one_clear_line(files, capsys, args, message):
    args = [a.format(good=files / "good.json", dir=files) for a in args]
    assert_one_line_error(run_main(args, capsys), message)


def test_argparse_errors_also_exit_2():
    result = run_cli("train", "--iterations", "many")
    assert result.returncode == 2 and "invalid int value: 'many'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("case", snapshot_cases.case_ids())
def test_inspect_refuses_bad_snapshot(tmp_path, capsys, case):
    path = snapshot_cases.write_case(tmp_path, case)
    for args in (["inspect", path], ["predict", path, "1,0,0"],
                 ["train", "--resume", path, "--iterations", "1"]):
        assert_one_line_error(run_main(args, capsys), f"error: {path}: ",
                              *snapshot_cases.expected(case))


# One hostile snapshot per RELIABILITY case, and a few bad commands, as real processes:
# the exit status and the absence of a traceback are properties of the whole process.
SHELL_SNAPSHOTS = ["weights-shape", "nan-token-weight", "5000-digit-integer",
                   "schema-version-newer", "nested-100k-lists", "random-bytes", "utf-16",
                   "over-size-cap", "absurd-iteration", "tampered-weights"]


def test_shell_contract_for_bad_files(files, tmp_path):
    paths = [snapshot_cases.write_case(tmp_path, case) for case in SHELL_SNAPSHOTS]
    results = run_many([["inspect", path] for path in paths] + [
        ["train", "--dataset", files / "ragged.csv"],
        ["train", "--lr", "abc"],
        ["predict", files / "good.json", "1,0"]])
    for case, path, result in zip(SHELL_SNAPSHOTS, paths, results, strict=False):
        assert_one_line_error(result, f"error: {path}: ", *snapshot_cases.expected(case))
    assert_one_line_error(results[-3], "ragged.csv: line 3: 3 cells, expected 4")
    assert_one_line_error(results[-2], "learning_rate: 'abc' is not a number")
    assert_one_line_error(results[-1], "takes 3 numbers, got 2")


# ---- the window and Qt ---------------------------------------------------------------------


def test_no_display_is_one_line_without_qt(tmp_path):
    script = ("import sys; from gui.cli import main; rc = main([]); "
              "print(rc, any(m.split('.')[0] in ('PySide6', 'shiboken6', 'pyqtgraph') "
              "for m in sys.modules))")
    env = _env(DISPLAY=None, WAYLAND_DISPLAY=None, QT_QPA_PLATFORM=None)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env=env, timeout=60)
    assert result.stdout.split() == ["2", "False"]
    assert result.stderr == cli.NO_DISPLAY + "\n"
    assert result.stderr.startswith("error: no display found; use 'backprop-lab train ...'")
    assert_one_line_error(run_cli(env=env), "QT_QPA_PLATFORM=offscreen")


def test_headless_commands_never_import_qt(files):
    script = (
        "import sys; from gui.cli import main\n"
        f"snap = {str(files / 'good.json')!r}\n"
        "codes = [main(['train', '--iterations', '5', '--json']), main(['inspect', snap]),\n"
        "         main(['predict', snap, '1,0,0'])]\n"
        "qt = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('PySide6', 'shiboken6', 'pyqtgraph'))\n"
        "print(codes, qt, file=sys.stderr)\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env=_env(), timeout=60)
    assert result.stderr.strip() == "[0, 0, 0] []"


def test_window_not_available_yet(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "gui.app", None)  # as if gui/app.py did not exist
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert cli.main([]) == 2
    assert capsys.readouterr().err == "error: the desktop window is not available yet\n"


def test_window_and_screenshot_are_handed_to_the_app(monkeypatch):
    calls = []
    fake = types.ModuleType("gui.app")
    fake.run_app = lambda argv: calls.append(("run_app", argv)) or 0
    fake.screenshot = lambda out, iteration, size: calls.append(
        ("screenshot", out, iteration, size, os.environ["QT_QPA_PLATFORM"])) or 0
    fake.parse_size = lambda size: tuple(int(v) for v in size.split("x"))
    monkeypatch.setitem(sys.modules, "gui.app", fake)
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setenv("QT_QPA_PLATFORM", "minimal")  # must become offscreen for a screenshot
    assert cli.main([]) == 0
    assert cli.main(["screenshot", "shot.png", "--iteration", "5", "--size", "800x600"]) == 0
    assert cli.main(["screenshot", "default.png"]) == 0
    assert calls == [("run_app", []), ("screenshot", "shot.png", 5, "800x600", "offscreen"),
                     ("screenshot", "default.png", 0, "1400x900", "offscreen")]


def test_progress_bar_on_a_terminal_trains_the_same(monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    class Bar:
        """Records what tqdm is told."""
        def __init__(self, total, **kwargs):
            bars.append(self)
            self.total, self.file, self.steps = total, kwargs["file"], []

        def update(self, n):
            self.steps.append(n)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            pass

    bars = []
    monkeypatch.setattr(sys, "stderr", Terminal())
    monkeypatch.setattr(cli, "PROGRESS_THRESHOLD", 1000)
    monkeypatch.setattr(tqdm, "tqdm", Bar)
    X, Y = builtin("tutorial")
    with_bar, plain = Run(X, Y, [3, 1]), Run(X, Y, [3, 1])
    cli._train(with_bar, 5000, show_progress=True)
    plain.train(5000)
    [bar] = bars
    assert bar.total == 5000 and sum(bar.steps) == 5000 and len(bar.steps) == 5
    assert bar.file is sys.stderr
    cli._train(Run(X, Y, [3, 1]), 5000, show_progress=False)  # --json: no bar
    assert len(bars) == 1
    assert with_bar.newest == 5000 and np.array_equal(with_bar.params_at(5000),
                                                    plain.params_at(5000))
    assert np.array_equal(with_bar.losses, plain.losses)


def test_resume_with_a_new_learning_rate_records_the_change(files, tmp_path, capsys):
    out = tmp_path / "more.json"
    assert cli.main(["train", "--resume", str(files / "good.json"), "--lr", "0.5",
                     "--iterations", "10", "--save", str(out), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["iteration"] == 1010 and result["learning_rate"] == 0.5
    assert cli.main(["inspect", str(out)]) == 0
    text = capsys.readouterr().out
    assert "learning rate 1 at iteration 0, 0.5 at iteration 1010" in text
    assert "changes       1" in text


def test_summary_of_a_big_network_stays_short(tmp_path, capsys):
    from nncore import two_d
    X, Y = two_d("circle", 30, 0.1, seed=2)
    save_csv(tmp_path / "circle.csv", X[:, :2], Y)
    assert cli.main(["train", "--dataset", str(tmp_path / "circle.csv"),
                     "--layers", "2,8,8,1", "--iterations", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("iteration 3: ") and "dataset circle.csv" in lines[0]
    assert lines[2] == "W[1]: 8x8 (use --json for the numbers)"
    assert lines[4].endswith("... (6 more; use --json)") and len(lines[4].split()) == 2 + 24 + 5
