"""The `backprop-lab` command, run as a user would: a separate process, exit status, output.

Subprocesses are started a batch at a time from a thread pool: each one spends most of
its ~0.4 s importing numpy, and running them side by side keeps this file quick.
"""

import fcntl
import gc
import io
import json
import os
import pty
import struct
import subprocess
import sys
import termios
import types
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import snapshot_cases
import tqdm

from gui import cli, cli_output
from nncore import Run, builtin, save_csv, save_snapshot

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
    assert result.stdout.splitlines() == [
        f"{files / 'good.json'}: valid snapshot",
        "iteration     1000",
        "layers        3,1",
        "activations   sigmoid",
        "loss          sse",
        "learning rate 1",
        "loss value    0.0013888744",
        "accuracy      100% (4 of 4 samples)",
        "dataset       tutorial: 4 samples, 3 inputs, 1 output",
        "changes       none"]


def test_inspect_lists_the_learning_rate_schedule_and_the_edits(tmp_path, capsys):
    """The rate at iteration 0, then each change at its iteration; weight edits counted."""
    run = snapshot_cases.valid_run()  # a weight edit at 10, the rate 0.5 from 20
    for k, rate in ((41, 2.0), (42, 0.25)):
        run.train(k - run.newest)
        run.set_learning_rate(k, rate)
    run.train(3)
    save_snapshot(tmp_path / "changes.json", run, dataset_name="xor")
    assert cli.main(["inspect", str(tmp_path / "changes.json")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[5] == ("learning rate 1, then 0.5 from iteration 20, then 2 from iteration 41, "
                        "then 0.25 from iteration 42")
    assert lines[9] == "changes       3 learning-rate changes, 1 weight edit"
    for k in range(43, 53):  # a long schedule is cut short, saying how much is left out
        run.set_learning_rate(k, 1 + k)
        run.train(1)
    save_snapshot(tmp_path / "many.json", run, dataset_name="xor")
    assert cli.main(["inspect", str(tmp_path / "many.json")]) == 0
    line = capsys.readouterr().out.splitlines()[5]
    assert line.endswith("then 45 from iteration 44, then 46 from iteration 45, ... (7 more "
                         "changes)")


def test_counts_agree_with_their_nouns_and_accuracy_never_rounds_up_to_100():
    assert cli_output.count(1, "output") == "1 output"
    assert cli_output.count(2, "output") == "2 outputs"
    assert cli_output.accuracy(199 / 200, 200) == "99% (199 of 200 samples)"
    assert cli_output.accuracy(1.0, 1) == "100% (1 of 1 sample)"
    assert cli_output.accuracy(0.0, 3) == "0% (0 of 3 samples)"


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
    (["train", "--lr", "nan"], "learning_rate: 'nan' is not a finite number"),
    (["train", "--lr", "inf"], "learning_rate: 'inf' is not a finite number"),
    (["train", "--lr", " 1e400"], "learning_rate: ' 1e400' is too large"),
    (["train", "--lr", "1e-400"], "learning_rate: '1e-400' is too small"),
    (["train", "--seed", "-1"], "--seed must be from 0 to 4294967295, got -1"),
    (["train", "--seed", "4294967296"], "--seed must be from 0 to 4294967295"),
    (["train", "--layers", "3,x"], "--layers: expected whole numbers"),
    (["train", "--layers", "2,1"], "dataset 'tutorial' has 3 inputs"),
    (["train", "--layers", "3,0,1"], "each size must be from 1 to 10000"),
    (["train", "--activation", "softmax"], "a softmax output layer needs the ce loss"),
    (["train", "--activation", "softmax,sigmoid", "--layers", "3,2,1"],
     "softmax is for the output layer only, not hidden layer 1"),
    (["train", "--activation", "swish"], "unknown activation 'swish'"),
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
    (["predict", "{good}", "a,b,c"], "inputs: 'a' is not a number"),
    (["predict", "{good}", "nan,0,0"], "inputs: 'nan' is not a finite number"),
    (["predict", "{good}", "1e400,0,1"], "inputs: '1e400' is too large"),
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
    assert result.returncode == 2 and "invalid whole number: 'many'" in result.stderr
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
    assert gc.isenabled()  # off only while a window starts: back on when none does


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


class Terminal(io.StringIO):
    def isatty(self):
        return True


class FakeBar:
    """Records what tqdm is told."""
    made = []

    def __init__(self, total, **kwargs):
        FakeBar.made.append(self)
        self.total, self.desc, self.file, self.steps = total, kwargs["desc"], kwargs["file"], []
        self.closed = False

    def update(self, n):
        self.steps.append(n)

    def close(self):
        self.closed = True


def terminal(monkeypatch):
    """stderr is a terminal, bars start at 1000 iterations, and tqdm is recorded.
    (Called in the test itself: pytest sets its own sys.stderr after the fixtures.)"""
    FakeBar.made = []
    monkeypatch.setattr(sys, "stderr", Terminal())
    monkeypatch.setattr(cli_output, "PROGRESS_THRESHOLD", 1000)
    monkeypatch.setattr(tqdm, "tqdm", FakeBar)
    return FakeBar.made


def test_progress_bar_on_a_terminal_trains_the_same(monkeypatch):
    bars = terminal(monkeypatch)
    X, Y = builtin("tutorial")
    with_bar, plain = Run(X, Y, [3, 1]), Run(X, Y, [3, 1])
    with cli_output.Progress("training") as progress:
        cli._train(with_bar, 5000, progress)
    plain.train(5000)
    [bar] = bars
    assert bar.total == 5000 and sum(bar.steps) == 5000 and len(bar.steps) == 5
    assert bar.file is sys.stderr and bar.desc == "training" and bar.closed
    with cli_output.Progress("training", enabled=False) as progress:  # --json: no bar
        cli._train(Run(X, Y, [3, 1]), 5000, progress)
    with cli_output.Progress("training") as progress:  # short work: no bar
        cli._train(Run(X, Y, [3, 1]), 999, progress)
    assert len(bars) == 1
    assert with_bar.newest == 5000 and np.array_equal(with_bar.params_at(5000),
                                                    plain.params_at(5000))
    assert np.array_equal(with_bar.losses, plain.losses)


@pytest.fixture(scope="module")
def long_snapshot(tmp_path_factory):
    """A snapshot whose replay passes the (patched) bar threshold, with changes."""
    run = snapshot_cases.valid_run()
    run.train(4000)
    path = tmp_path_factory.mktemp("long") / "long.json"
    save_snapshot(path, run, dataset_name="tutorial")
    return path


@pytest.mark.parametrize("args", [["inspect", "{snap}"], ["predict", "{snap}", "1,0,0"],
                                  ["train", "--resume", "{snap}", "--iterations", "10"]])
def test_replaying_a_long_snapshot_shows_a_bar_on_a_terminal(monkeypatch, long_snapshot,
                                                              args):
    bars = terminal(monkeypatch)
    assert cli.main([a.format(snap=long_snapshot) for a in args]) == 0
    [bar] = bars  # train --resume: 10 more iterations are too few for a bar of their own
    assert bar.desc == "replaying" and bar.total == 4040 and bar.closed
    assert sum(bar.steps) == 4040 and len(bar.steps) > 1 and min(bar.steps) > 0
    assert sys.stderr.getvalue() == ""  # the fake bar drew nothing; nothing else was said


def test_no_bar_when_stderr_is_not_a_terminal(monkeypatch, capsys, long_snapshot):
    monkeypatch.setattr(cli_output, "PROGRESS_THRESHOLD", 1000)
    made = []
    monkeypatch.setattr(tqdm, "tqdm", lambda *args, **kwargs: made.append(args))
    for args in (["inspect", str(long_snapshot)], ["train", "--iterations", "5000"]):
        assert cli.main(args) == 0
    assert made == [] and capsys.readouterr().err == ""


def read_all(fd):
    """Everything written to a pseudo-terminal's master until the child closes it."""
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the last slave fd is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks).decode("utf-8", "replace")


def test_a_real_terminal_gets_a_bar_and_a_pipe_gets_none(tmp_path):
    """A child process replays 100,000 iterations (the real threshold) with stderr
    on a pseudo-terminal, and again with stderr on a pipe."""
    run = Run(*builtin("tutorial"), [3, 1])
    run.train(cli_output.PROGRESS_THRESHOLD)
    path = tmp_path / "long.json"
    save_snapshot(path, run, dataset_name="tutorial")
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # 100 columns
    try:
        child = subprocess.Popen([sys.executable, "-m", "gui.cli", "inspect", str(path)],
                                 stdout=subprocess.PIPE, stderr=slave, env=_env())
        os.close(slave)
        shown = read_all(master)
        out = child.communicate(timeout=120)[0].decode()
    finally:
        os.close(master)
    piped = run_cli("inspect", path)
    assert child.returncode == 0 and piped.returncode == 0
    assert shown.startswith("\rreplaying:   0%|") and "| 0/100000 [" in shown
    assert shown.endswith("\r" + " " * 99 + "\r")  # cleared for what follows
    assert out == piped.stdout and "iteration     100000" in out
    assert piped.stderr == ""


# ---- output into a pipe that closed early ---------------------------------------------------


CLOSED_PIPE_COMMANDS = [
    ["train", "--json", "--iterations", "5"],
    ["train", "--iterations", "5"],
    ["train", "--iterations", "5", "--dataset", "xor", "--layers", "3,40,40,1", "--json"],
    ["inspect", "{good}"],
    ["predict", "{good}", "1,0,0"],
]
# argparse prints these itself and drops write errors: quiet too, with its status 0
ARGPARSE_OUTPUT = [["--help"], ["train", "--help"], ["--version"]]


def test_output_into_a_closed_pipe_ends_quietly(files):
    """As ``backprop-lab ... | head -0``: the reader has gone before the first line is
    written. Each command exits with 141 (as SIGPIPE would end it) and says nothing."""
    def closed_pipe(args):
        read, write = os.pipe()
        os.close(read)  # no reader: every write to the pipe fails with EPIPE
        try:
            return subprocess.run([sys.executable, "-m", "gui.cli", *args], stdout=write,
                                  stderr=subprocess.PIPE, text=True, env=_env(), timeout=120)
        finally:
            os.close(write)

    commands = [[a.format(good=files / "good.json") for a in c] for c in CLOSED_PIPE_COMMANDS]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(closed_pipe, commands + ARGPARSE_OUTPUT))
    for args, result in zip(commands + ARGPARSE_OUTPUT, results, strict=True):
        status = 0 if args in ARGPARSE_OUTPUT else cli.CLOSED_PIPE_STATUS
        assert (result.returncode, result.stderr) == (status, ""), args


def test_head_reads_one_line_of_a_long_output(files):
    """The real thing: a reader takes the start of 300 KB (more than a pipe holds)
    and closes the pipe while the command is still writing."""
    big = ["train", "--iterations", "1", "--dataset", "xor", "--layers", "3,120,120,1",
           "--json"]
    child = subprocess.Popen([sys.executable, "-m", "gui.cli", *big], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=_env())
    first = child.stdout.read(100)
    child.stdout.close()
    with child.stderr:
        err = child.stderr.read()
    child.wait(timeout=120)
    assert first.startswith(b'{"iteration": 1')
    assert (child.returncode, err) == (cli.CLOSED_PIPE_STATUS, b"")


def test_closed_stdout_and_stderr(files):
    """Started with stdout closed (``>&-``), or both: no output, no traceback."""
    snap = str(files / "good.json")
    quiet = subprocess.run(["sh", "-c", '"$0" -m gui.cli inspect "$1" >&-', sys.executable,
                            snap], capture_output=True, text=True, env=_env(), timeout=120)
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")
    bad = subprocess.run(["sh", "-c", '"$0" -m gui.cli inspect "$1" >&- 2>&-', sys.executable,
                          snap + ".missing"], capture_output=True, text=True, env=_env(),
                         timeout=120)
    assert (bad.returncode, bad.stderr) == (2, "")


def test_broken_pipe_in_process_returns_the_status(monkeypatch, files):
    class ClosedPipe(io.StringIO):
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    assert cli.main(["inspect", str(files / "good.json")]) == cli.CLOSED_PIPE_STATUS


# ---- numbers on the command line are ASCII decimals -----------------------------------------


@pytest.mark.parametrize("args, message", [
    (["train", "--lr", "1_0"], "learning_rate: '1_0' is not a number"),
    (["train", "--lr", "\u0663"], "learning_rate: '\u0663' is not a number"),
    (["train", "--layers", "3,1_0,1"], "--layers: expected whole numbers"),
    (["train", "--layers", "3,\u0664,1"], "--layers: expected whole numbers"),
    (["predict", "{good}", "1_0,0,0"], "inputs: '1_0' is not a number"),
    (["predict", "{good}", "\u0661,0,0"], "inputs: '\u0661' is not a number"),
    (["screenshot", "out.png", "--size", "\u0661\u0664\u0660\u0660x900"],
     "expected WIDTHxHEIGHT"),  # a str pattern's \d alone matches those digits
])
def test_numbers_python_would_take_but_a_person_would_not_write(files, capsys, args,
                                                                 message):
    args = [a.format(good=files / "good.json") for a in args]
    assert_one_line_error(run_main(args, capsys), message)


@pytest.mark.parametrize("option", ["--iterations", "--seed"])
@pytest.mark.parametrize("value", ["1_0", "\u0663", "ten", "1.5", "1e3", " 1e400", "nan"])
def test_whole_number_options_are_ascii(capsys, option, value):
    with pytest.raises(SystemExit) as info:
        cli.main(["train", option, value])
    assert info.value.code == 2
    assert f"{option}: invalid whole number: {value!r}" in capsys.readouterr().err


def test_resume_with_a_new_learning_rate_records_the_change(files, tmp_path, capsys):
    out = tmp_path / "more.json"
    assert cli.main(["train", "--resume", str(files / "good.json"), "--lr", "0.5",
                     "--iterations", "10", "--save", str(out), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["iteration"] == 1010 and result["learning_rate"] == 0.5
    assert cli.main(["inspect", str(out)]) == 0
    text = capsys.readouterr().out
    assert "learning rate 1, then 0.5 from iteration 1000\n" in text
    assert "changes       1 learning-rate change\n" in text


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
