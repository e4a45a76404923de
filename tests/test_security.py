"""Security review, as tests: nothing in a file is ever run, every reader has limits,
and the app never touches the network (docs/security.md, linked from the README).

Already covered elsewhere, and not repeated here: every hostile snapshot
(tests/test_snapshot.py::test_bad_snapshot_is_refused_with_file_and_field, including
100k-level nesting, a 5000-digit integer and 1e400), the snapshot and CSV size caps
(test_snapshot.py::test_huge_file_is_refused_without_reading,
test_csv.py::test_file_over_the_size_cap_is_refused_without_reading, test_row_cap,
test_column_cap) and the .npz pickle payload
(test_snapshot.py::test_npz_pickle_payload_never_runs).
"""

import ast
import io
import json
import os
import re
import subprocess
import sys
import time
import tokenize

import pytest
import snapshot_cases

import nncore.datasets
import nncore.export
import nncore.files
import nncore.snapshot
from gui import cli
from nncore import LoadError, Run, SaveError, builtin, load_csv, load_snapshot, load_weights
from nncore.snapshot import snapshot_bytes

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGES = ("gui", "nncore", "resources")

# ---- no code from data: pickle, eval, exec, shell -----------------------------------------

UNSAFE_MODULES = {"pickle", "cPickle", "_pickle", "cloudpickle", "dill", "marshal", "shelve",
                  "joblib", "yaml"}
UNSAFE_CALLS = {"eval", "exec", "compile", "__import__", "execfile"}


def unsafe_uses(source, filename="<source>"):
    """Every use of a code-loading primitive in ``source``, as "file:line: what".

    Works on tokens, not text: "pickle" in a docstring or an error message is not a
    use, and ``app.exec()`` (Qt's event loop) or ``re.compile`` are methods, not the
    builtins. ``allow_pickle=`` is allowed only with ``False``.
    """
    found = []
    tokens = [t for t in tokenize.generate_tokens(io.StringIO(source).readline)
              if t.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE,
                                tokenize.INDENT, tokenize.DEDENT)]
    for i, tok in enumerate(tokens):
        if tok.type != tokenize.NAME:
            continue
        before = tokens[i - 1].string if i else ""
        after = [t.string for t in tokens[i + 1:i + 3]]
        where = f"{filename}:{tok.start[0]}"
        if tok.string in UNSAFE_MODULES:
            found.append(f"{where}: {tok.string}")
        elif tok.string in UNSAFE_CALLS and before != "." and after[:1] == ["("]:
            found.append(f"{where}: {tok.string}(")
        elif tok.string == "allow_pickle" and after[:1] == ["="] and after[1:] != ["False"]:
            found.append(f"{where}: allow_pickle={''.join(after[1:])}")
        elif tok.string == "shell" and after[:1] == ["="] and after[1:] != ["False"]:
            found.append(f"{where}: shell={''.join(after[1:])}")
        elif tok.string in ("system", "popen", "startfile") and before == ".":
            found.append(f"{where}: .{tok.string}")
    return found


def source_files():
    for package in PACKAGES:
        for folder, _, names in os.walk(os.path.join(REPO, package)):
            for name in sorted(names):
                if name.endswith(".py"):
                    yield os.path.join(folder, name)


def test_the_checker_finds_what_it_looks_for():
    bad = ["import pickle", "from pickle import loads", "x = eval(text)", "exec(code)",
           "np.load(f, allow_pickle=True)", "subprocess.run(c, shell=True)",
           "os.system('ls')", "import marshal", "data = yaml.load(f)", "f = __import__(name)"]
    for line in bad:
        assert unsafe_uses(line), line
    fine = ['"""Never unpickles: no pickle, no eval(."""', "app.exec()", "box.exec()",
            "re.compile(pattern)", "read_array(f, allow_pickle=False)",
            "# eval( in a comment", "message = 'holds Python objects (pickle)'"]
    for line in fine:
        assert unsafe_uses(line) == [], line


def test_no_pickle_eval_exec_or_shell_in_the_app():
    files = list(source_files())
    assert len(files) > 20  # the walk really found the packages
    found = []
    for path in files:
        with open(path, encoding="utf-8") as f:
            found += unsafe_uses(f.read(), os.path.relpath(path, REPO))
    assert found == []


def test_every_numpy_array_read_refuses_pickles_explicitly():
    """``np.load`` defaults to allow_pickle=False since numpy 1.16.3; we do not rely
    on a default: every read passes it."""
    calls = []
    for path in source_files():
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read())
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("load", "read_array", "loadtxt", "genfromtxt")
                    and "np" in ast.unparse(node.func.value)):
                keywords = {k.arg: ast.unparse(k.value) for k in node.keywords}
                calls.append((os.path.relpath(path, REPO), node.lineno, keywords))
    assert calls, "expected the .npz reader's read_array call"
    for path, line, keywords in calls:
        assert keywords.get("allow_pickle") == "False", (path, line, keywords)


# ---- limits on everything read ---------------------------------------------------------------


def test_the_limits():
    """The numbers docs/security.md and docs/snapshot-format.md promise (checked below)."""
    mib = 1024 * 1024
    assert nncore.snapshot.SIZE_CAP == 20 * mib
    assert nncore.datasets.CSV_SIZE_CAP == 10 * mib
    assert nncore.datasets.CSV_ROW_CAP == 100_000
    assert nncore.datasets.CSV_COLUMN_CAP == 1_000
    assert nncore.export.WEIGHTS_SIZE_CAP == 256 * mib
    assert nncore.snapshot.MAX_NESTING == 16
    assert nncore.snapshot.MAX_ITERATION == 10_000_000
    assert nncore.snapshot.MAX_UNITS == 10_000
    assert nncore.snapshot.MAX_SAMPLES == 100_000
    assert nncore.snapshot.MAX_CHANGES == 100_000
    assert nncore.snapshot.HISTORY_BYTES_CAP == 2 * 1024 * mib
    assert nncore.snapshot.REPLAY_WORK_CAP == 10**10


def security_texts():
    """The README's Security section and the page it links to for the full promises,
    each with its whitespace folded."""
    with open(os.path.join(REPO, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    match = re.search(r"^## Security\n(.*?)(?=^## |\Z)", readme, re.M | re.S)
    assert match, "README has no '## Security' section"
    summary = match.group(1)
    link = re.search(r"\]\(([^)#]*security\.md)\)", summary)
    assert link, "README's Security section does not link to the security page"
    with open(os.path.join(REPO, link.group(1)), encoding="utf-8") as f:
        page = f.read()
    return " ".join(summary.split()), " ".join(page.split())


def test_security_page_states_the_code_limits():
    summary, page = security_texts()
    for phrase in ("20 MiB", "10 MiB", "100,000 rows", "1,000 columns", "256 MiB",
                   "16 levels", "4,300 digits", "10,000,000 iterations", "10,000 units",
                   "100,000 samples", "2 GiB", "10^10", "allow_pickle=False",
                   "os.replace", "fsync", "No network access", "backprop-lab inspect"):
        assert phrase in page, phrase
    for phrase in ("20 MiB snapshots", "10 MiB CSV files", "backprop-lab inspect"):
        assert phrase in summary, phrase


def test_snapshot_format_page_states_the_code_limits():
    with open(os.path.join(REPO, "docs", "snapshot-format.md"), encoding="utf-8") as f:
        page = " ".join(f.read().split())
    for phrase in ("| file size | 20 MiB", "| JSON nesting | 16 levels", "4,300 digits",
                   "| `iteration` | 0 to 10,000,000", "1 to 10,000 units",
                   "1 to 100,000 samples", "at most 100,000, in order", "2 GiB",
                   "10^10", "256 MiB", "allow_pickle=False"):
        assert phrase in page, phrase


@pytest.mark.parametrize("name, size, load, limit", [
    ("huge.json", 2 ** 30, load_snapshot, "file is 1024 MiB, over the 20 MiB limit"),
    ("big.csv", 2 ** 30, load_csv, "big.csv: file is 1024 MiB, over the 10 MiB limit"),
    ("big.safetensors", nncore.export.WEIGHTS_SIZE_CAP + 1, load_weights,
     "over the 256 MiB limit"),
    ("big.npz", nncore.export.WEIGHTS_SIZE_CAP + 1, load_weights, "over the 256 MiB limit"),
])
def test_files_over_the_size_cap_are_refused_without_reading(tmp_path, monkeypatch, name,
                                                             size, load, limit):
    """RELIABILITY 6 and 14: a (sparse) file over the cap is refused from its size alone,
    at once, without being opened."""
    path = tmp_path / name
    with open(path, "wb") as f:
        f.truncate(size)

    def no_reading(*args, **kwargs):
        raise AssertionError("the file was opened")

    monkeypatch.setattr(nncore.files, "open", no_reading, raising=False)
    start = time.perf_counter()
    with pytest.raises(LoadError, match=limit):
        load(path)
    assert time.perf_counter() - start < 1.0


def special_files(folder, suffix):
    fifo = folder / f"pipe{suffix}"
    os.mkfifo(fifo)  # opening it for reading would wait for a writer forever
    link = folder / f"zero{suffix}"
    link.symlink_to("/dev/zero")  # endless zero bytes
    return [str(fifo), str(link)]


@pytest.mark.parametrize("suffix, load", [(".json", load_snapshot), (".csv", load_csv),
                                          (".npz", load_weights),
                                          (".safetensors", load_weights)])
def test_devices_and_pipes_are_refused_without_blocking(tmp_path, suffix, load):
    start = time.perf_counter()
    paths = special_files(tmp_path, suffix)
    if suffix in (".json", ".csv"):
        paths += ["/dev/zero", "/dev/urandom"]
    for path in paths:
        with pytest.raises(LoadError, match="is not a regular file"):
            load(path)
    assert time.perf_counter() - start < 2.0


@pytest.mark.parametrize("depth, refused", [(16, False), (17, True), (40, True)])
def test_json_nesting_limit(tmp_path, depth, refused):
    """A valid snapshot nests 4 levels; anything past MAX_NESTING is refused, even
    under a key the loader does not know."""
    doc = snapshot_cases.valid_doc()
    doc["notes"] = json.loads("[" * depth + "]" * depth)
    path = tmp_path / "nested.json"
    path.write_bytes(snapshot_bytes(doc))
    if refused:
        with pytest.raises(LoadError, match="nested more than 16 levels deep"):
            load_snapshot(path)
    else:
        assert load_snapshot(path)[1] == 40


def test_non_finite_numbers_are_refused_even_under_unknown_keys(tmp_path):
    path = tmp_path / "nan.json"
    path.write_bytes(snapshot_bytes(snapshot_cases.valid_doc())[:-3] + b',\n  "x": [NaN]\n}\n')
    with pytest.raises(LoadError, match=r"field 'x\[0\]': nan is not a finite number"):
        load_snapshot(path)


def expensive_doc(hidden=2000, iteration=10_000_000):
    """A 120 KB file asking for 10^7 steps of an 8000-weight network: hours of work."""
    doc = snapshot_cases.valid_doc()
    weights = [[[0.001] * hidden] * 3, [[0.001]] * hidden]
    doc.update(layer_sizes=[3, hidden, 1], activations=["sigmoid", "sigmoid"],
               initial_weights=weights, weights=weights, changes=[], iteration=iteration)
    return doc


def test_a_replay_that_would_take_hours_is_refused_before_any_step(tmp_path, monkeypatch,
                                                                    capsys):
    path = tmp_path / "slow.json"
    path.write_bytes(snapshot_bytes(expensive_doc()))
    assert path.stat().st_size < 200_000

    def no_training(*args, **kwargs):
        raise AssertionError("the replay started")

    monkeypatch.setattr(Run, "train", no_training)
    with pytest.raises(LoadError, match=r"field 'iteration': replaying 10000000 iterations of "
                       r"8000 weights on 4 samples is 3.2e\+11 weight updates, over the "
                       r"1e\+10 limit"):
        load_snapshot(path)
    # `backprop-lab inspect` says so on one line, at once.
    assert cli.main(["inspect", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "over the 1e+10 limit" in err


def test_what_could_not_be_opened_is_not_saved(tmp_path, monkeypatch):
    X, Y = builtin("tutorial")
    run = Run(X, Y, [3, 1])
    run.train(300)
    monkeypatch.setattr(nncore.snapshot, "REPLAY_WORK_CAP", 256 * 299)
    with pytest.raises(SaveError, match="cannot save: replaying 300 iterations"):
        nncore.snapshot.save_snapshot(tmp_path / "s.json", run)
    assert os.listdir(tmp_path) == []
    nncore.snapshot.save_snapshot(tmp_path / "s.json", run, 299)  # just within the cap
    assert load_snapshot(tmp_path / "s.json")[1] == 299


# ---- at run time: no network, nothing from a file executed -------------------------------

AUDIT_SCRIPT = r"""
import json, os, sys
FOLDER = sys.argv[1]
NETWORK = ("socket.", "urllib.", "http.", "ftplib.", "smtplib.", "imaplib.", "poplib.",
           "nntplib.", "telnetlib.", "webbrowser.", "ssl.")
RUNNING = ("subprocess.", "os.system", "os.exec", "os.spawn", "os.posix_spawn", "os.fork",
           "pickle.", "marshal.", "exec", "compile", "ctypes.", "code.", "builtins.input")
network, running = [], []
strict = False  # after the warm-up: every module is imported, nothing may compile or run

def audit(event, args):
    if event.startswith(NETWORK):
        network.append(event)
    elif strict and event.startswith(RUNNING):
        # numpy reads a .npy header with ast.literal_eval: that parses to a syntax
        # tree and accepts literals only; it runs nothing.
        if event == "compile" and sys._getframe(1).f_code.co_filename == ast_file:
            return
        running.append(event)

import ast
ast_file = ast.__file__
sys.addaudithook(audit)
import numpy as np
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox
app = QApplication(["backprop-lab"])
QMessageBox.warning = staticmethod(lambda *a, **k: QMessageBox.Ok)
from gui.main_window import MainWindow
from gui.docks.dataset.dataset_dock import DatasetDock
from nncore import LoadError, load_weights

class Sentinel:
    def __reduce__(self):
        return (open, (os.path.join(FOLDER, "pwned"), "w"))

def hostile_files(tag):
    np.savez(os.path.join(FOLDER, f"evil{tag}.npz"),
             **{"layers.0.weight": np.array([Sentinel()], dtype=object)})
    with open(os.path.join(FOLDER, f"bad{tag}.csv"), "w") as f:
        f.write("x1,x2,x3,y\n0,0,1,__import__('os').system('touch pwned')\n")
    with open(os.path.join(FOLDER, f"bad{tag}.json"), "w") as f:
        f.write('{"format": "backprop-lab/snapshot", "__reduce__": "os.system"}')

window = MainWindow(settings=QSettings(os.path.join(FOLDER, "s.ini"), QSettings.IniFormat))
window.show()
s, files = window.session, window.files
dock = window.findChild(DatasetDock)

def exercise(tag):
    path = lambda name: os.path.join(FOLDER, name.format(tag))
    s.player.set_pace("max")  # every frame trains
    window.action_play.trigger()
    for _ in range(20):
        s.player.advance_frame()
        app.processEvents()
    window.action_play.trigger()
    assert files.save_snapshot_as(path("good{}.json"))
    assert files.open_snapshot(path("good{}.json"))
    assert not files.open_snapshot(path("bad{}.json"))
    files.export_weights(path("w{}.npz"), suffix=".npz")
    files.export_weights(path("w{}.safetensors"), suffix=".safetensors")
    files.export_history(path("h{}.csv"))
    for name in ("w{}.npz", "w{}.safetensors"):
        load_weights(path(name))
    try:
        load_weights(path("evil{}.npz"))
    except LoadError:
        pass
    QFileDialog.getOpenFileName = staticmethod(lambda *a, **k: (path("bad{}.csv"), ""))
    dock.import_csv()

hostile_files(1)
hostile_files(2)  # written before the strict part: np.savez pickles the payload
exercise(1)
strict = True
exercise(2)
strict = False
window.close()
app.processEvents()
modules = sorted(m for m in ("http.client", "urllib.request", "ssl", "requests",
                             "PySide6.QtNetwork", "ftplib", "smtplib") if m in sys.modules)

def target(fd):
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:  # the fd listdir itself used, closed by now
        return ""

sockets = [fd for fd in os.listdir("/proc/self/fd") if target(fd).startswith("socket:")]
print(json.dumps({"network": sorted(set(network)), "running": sorted(set(running)),
                  "modules": modules, "sockets": len(sockets),
                  "pwned": os.path.exists(os.path.join(FOLDER, "pwned"))}))
"""


def test_the_app_opens_no_socket_and_runs_nothing_from_files(tmp_path):
    """Build the window, play, save, open good and bad files, export, import a
    hostile CSV, load a pickle-payload .npz, twice. Python's audit hooks see every
    socket the whole time; in the second round, when every module is already
    imported, they also see any exec, compile, unpickling, process or ctypes call,
    and there must be none: nothing in a file is ever run."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=REPO, HOME=str(tmp_path))
    result = subprocess.run([sys.executable, "-c", AUDIT_SCRIPT, str(tmp_path), REPO],
                            capture_output=True, text=True, env=env, timeout=120,
                            cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.splitlines()[-1])
    # pyqtgraph imports `socket` (for its multiprocess module) but nothing opens one.
    assert report == {"network": [], "running": [], "modules": [], "sockets": 0,
                      "pwned": False}


@pytest.mark.parametrize("name, shown", [
    ("\x1b]0;pwned\x07\x1b[2J", r"\x1b]0;pwned\x07\x1b[2J"),  # set title, clear screen
    ("line\nbreak\r", r"line\nbreak\r"),
    ("\ud800lone", r"\ud800lone"),  # invalid Unicode that json accepts as an escape
    ("ü data ✓", "ü data ✓"),  # printable text is left alone
])
def test_inspect_never_prints_a_files_text_raw(tmp_path, capsys, name, shown):
    """A dataset name is the one piece of free text `inspect` prints: escape
    sequences in it must not reach the terminal, and invalid Unicode must not cut
    the summary short."""
    doc = snapshot_cases.valid_doc()
    doc["dataset"]["name"] = name
    path = tmp_path / "named.json"
    path.write_bytes(snapshot_bytes(doc))
    assert cli.main(["inspect", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"dataset       {shown}: 4 samples, 3 inputs, 1 output" in out
    assert "\x1b" not in out and "\x07" not in out and "\r" not in out
    assert out.count("\n") == 10  # every line of the summary, each line one line
