"""Every writer and its save target (RELIABILITY 10, 11, 27): a symbolic link is written
through to the file it names, atomically in that file's folder; a target that exists
and is not a regular file is refused with a message naming it and left as it was; a
failure at any step keeps the old file and leaves no temp file. Run as root in CI,
where permission bits protect nothing.

The window's own commands meet the same targets in test_file_actions.py.
"""

import contextlib
import io
import os
import stat
import subprocess
import sys

import numpy as np
import pytest
import save_targets
import snapshot_cases

import nncore.files
from gui import cli
from gui.app import screenshot
from gui.common.exports import export_plots, write_history_csv
from nncore import SaveError, export_weights, load_snapshot, load_weights, save_csv, save_snapshot
from nncore.files import atomic_file, save_target

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUN = snapshot_cases.valid_run()


@pytest.fixture(scope="module")
def plot_items(qapp):
    import pyqtgraph as pg

    widget = pg.GraphicsLayoutWidget()
    widget.resize(400, 300)
    plot = widget.addPlot()
    plot.plot(np.arange(41), RUN.losses)
    widget.show()
    yield {"loss": plot}
    widget.close()


def run_cli_save(path):
    """``backprop-lab train --save PATH`` in this process; its one-line error raised."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(["train", "--iterations", "3", "--save", str(path)])
    if code:
        assert code == 2 and err.getvalue().count("\n") == 1 and out.getvalue() == ""
        raise SaveError(None, err.getvalue().removeprefix("error: ").strip())
    through = f" (written to {os.path.realpath(path)}, which it links to)"
    assert out.getvalue().endswith(f"saved {path}{through if os.path.islink(path) else ''}\n")


WRITERS = {  # name: (suffix, write(path, plot_items))
    "snapshot": (".json", lambda p, _: save_snapshot(p, RUN)),
    "dataset-csv": (".csv", lambda p, _: save_csv(p, RUN.X, RUN.Y)),
    "safetensors": (".safetensors", lambda p, _: export_weights(p, RUN.weights_at(40))),
    "npz": (".npz", lambda p, _: export_weights(p, RUN.weights_at(40))),
    "history-csv": (".csv", lambda p, _: write_history_csv(p, RUN)),
    "plots-png": (".png", export_plots),
    "plots-svg": (".svg", export_plots),
    "cli-train-save": (".json", lambda p, _: run_cli_save(p)),
}


def check_content(writer, path, data):
    """What a writer put down reads back as what it wrote."""
    if writer == "snapshot":
        assert load_snapshot(path)[1] == 40
    elif writer in ("safetensors", "npz"):
        np.testing.assert_array_equal(load_weights(path)[0], RUN.weights_at(40)[0])
    elif writer == "plots-png":
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
    elif writer == "plots-svg":
        assert b"<svg" in data
    elif writer == "cli-train-save":
        assert load_snapshot(path)[1] == 3
    else:
        assert data.startswith(b"x1,x2,x3,y\n" if writer == "dataset-csv" else b"iteration,")


@pytest.mark.parametrize("kind", save_targets.WRITTEN)
@pytest.mark.parametrize("writer", WRITERS)
def test_links_are_written_through_to_their_target(tmp_path, plot_items, writer, kind):
    suffix, write = WRITERS[writer]
    target = save_targets.make(kind, tmp_path, suffix)
    write(target.path, plot_items)
    data = target.written()
    check_content(writer, target.path, data)  # read back through the link


@pytest.mark.parametrize("kind", save_targets.REFUSED)
@pytest.mark.parametrize("writer", WRITERS)
def test_special_targets_are_refused_and_left_as_they_were(tmp_path, plot_items, writer,
                                                           kind):
    suffix, write = WRITERS[writer]
    target = save_targets.make(kind, tmp_path, suffix)
    with pytest.raises(SaveError) as info:
        write(target.path, plot_items)
    target.refused(str(info.value))


@pytest.mark.parametrize("kind", save_targets.REFUSED)
def test_screenshot_refuses_special_targets_before_drawing(tmp_path, capsys, kind):
    target = save_targets.make(kind, tmp_path, ".png")
    assert screenshot(target.path, 0, "800x500") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ")
    target.refused(err)


SCREENSHOT_THROUGH_LINKS = r"""
import errno, os, sys
from gui.app import screenshot
link, dangling = sys.argv[1:3]
real_replace = os.replace

def failing(src, dst):
    raise OSError(errno.EXDEV, os.strerror(errno.EXDEV))

os.replace = failing
print(screenshot(link, 0, "400x300"))
os.replace = real_replace
print(screenshot(link, 0, "400x300"), screenshot(dangling, 0, "400x300"))
"""


def test_screenshot_writes_through_links(tmp_path):
    """The window's picture (a child process: it sets the application's name) goes
    through a link and a dangling link, and a failed replace keeps the old file."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    link = save_targets.make("link", tmp_path / "a", ".png")
    dangling = save_targets.make("dangling-link", tmp_path / "b", ".png")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=REPO, HOME=str(tmp_path))
    result = subprocess.run([sys.executable, "-c", SCREENSHOT_THROUGH_LINKS, link.path,
                             dangling.path], capture_output=True, text=True, env=env,
                            timeout=120)
    assert result.stdout.split() == ["2", "0", "0"], result.stderr
    assert f"error: {link.path}: could not save: Invalid cross-device link" in result.stderr
    for target in (link, dangling):
        assert target.written().startswith(b"\x89PNG\r\n\x1a\n")


# ---- faults in the middle of a save, through a link ------------------------------------------


@pytest.mark.parametrize("fault", save_targets.FAULTS)
@pytest.mark.parametrize("writer", WRITERS)
def test_a_failed_save_through_a_link_keeps_the_old_file(tmp_path, monkeypatch, plot_items,
                                                         writer, fault):
    suffix, write = WRITERS[writer]
    target = save_targets.make("link-chain", tmp_path, suffix)
    inject, reason = save_targets.FAULTS[fault]
    inject(monkeypatch)
    with pytest.raises(SaveError) as info:
        write(target.path, plot_items)
    monkeypatch.undo()
    assert target.path in str(info.value) and reason in str(info.value)
    assert "the old file is unchanged" in str(info.value)
    assert save_targets.tree(target.folder) == target.before  # old bytes, no temp file


# ---- the rules themselves ---------------------------------------------------------------------


def test_the_target_keeps_its_owner_group_and_permission_bits(tmp_path):
    path = tmp_path / "shared.json"
    path.write_bytes(b"old")
    os.chmod(path, 0o604)
    if os.geteuid() == 0:  # as root, a file another user owns stays theirs
        os.chown(path, 1234, 4321)
    os.symlink("shared.json", tmp_path / "link.json")
    nncore.files.atomic_write(tmp_path / "link.json", b"new")
    info = os.stat(path)
    assert path.read_bytes() == b"new" and stat.S_IMODE(info.st_mode) == 0o604
    if os.geteuid() == 0:
        assert (info.st_uid, info.st_gid) == (1234, 4321)
    os.chmod(path, 0o4755)  # set-user-ID is not carried over to new contents
    nncore.files.atomic_write(path, b"newer")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o755


def test_a_new_file_gets_what_open_would_give(tmp_path):
    mask = os.umask(0o027)
    try:
        nncore.files.atomic_write(tmp_path / "new.csv", b"x")
    finally:
        os.umask(mask)
    assert stat.S_IMODE(os.stat(tmp_path / "new.csv").st_mode) == 0o640


def test_save_target_resolves_without_normalising(tmp_path):
    target = save_targets.make("link-chain", tmp_path, ".json")
    resolved = save_target(target.path)
    assert os.path.samefile(resolved, target.lands)
    assert save_target(tmp_path / "fresh.json") == str(tmp_path / "fresh.json")


@pytest.mark.parametrize("path, message", [
    ("", "no file name given"),
    ("{dir}/missing/x.json", "folder '{dir}/missing' does not exist"),
    ("{dir}/file.json/x.json", "cannot save: Not a directory"),
    ("/proc/self/fd/{fd}", "is a link to"),  # the kernel's magic link to a pipe
])
def test_save_target_names_the_problem(tmp_path, path, message):
    (tmp_path / "file.json").write_bytes(b"")
    read, write = os.pipe()
    try:
        path, message = (t.format(dir=tmp_path, fd=write) for t in (path, message))
        with pytest.raises(SaveError, match=message.replace("(", r"\(")):
            save_target(path)
    finally:
        os.close(read)
        os.close(write)


def test_a_target_swapped_for_a_fifo_during_the_save_is_left_alone(tmp_path):
    """Between the check and the rename the target may change; it is checked again
    just before the rename (a smaller window, not none: see docs/security.md)."""
    path = tmp_path / "swapped.json"
    path.write_bytes(b"old")
    with pytest.raises(SaveError, match="is a named pipe"):
        with atomic_file(path) as f:
            f.write(b"new")
            path.unlink()
            os.mkfifo(path)
    assert stat.S_ISFIFO(os.lstat(path).st_mode) and os.listdir(tmp_path) == [path.name]


def test_closing_a_generator_mid_save_removes_the_temp_file(tmp_path):
    """A long export written from a generator (advanced in slices by the window) and
    cancelled: the generator is closed, the old file stays, no temp file is left."""
    path = tmp_path / "history.csv"
    path.write_bytes(b"old")

    def rows():
        with atomic_file(path) as f:
            for i in range(10):
                f.write(b"%d\n" % i)
                yield i

    writing = rows()
    assert next(writing) == 0 and len(os.listdir(tmp_path)) == 2
    writing.close()
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["history.csv"]
    assert list(rows()) == list(range(10))
    assert path.read_bytes() == b"".join(b"%d\n" % i for i in range(10))
