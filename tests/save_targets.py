"""Save targets that are not plain files (RELIABILITY 11 and 27), shared by the tests
of every writer: the engine's, the window's and the command line's.

``make(kind, folder, suffix)`` builds one in ``folder`` and returns a ``Target``:
``path`` is what the writer is given. ``Target.refused(message)`` checks that the
writer said so, naming the path, and that nothing in the folder changed (every
entry keeps its type, inode, link text and bytes: no special file was replaced and
no temp file was left). ``Target.written()`` checks that only the file the path
leads to changed, and that links are still links.

FIFOs are created with a non-blocking reader held open, so a writer that wrongly
opened one would not block the test; ``refused`` then checks nothing reached it.
Device nodes are made with ``mknod`` in ``folder`` (never the real /dev: a writer
that wrongly replaced one must not break the machine); that needs root, as CI has.
"""

from __future__ import annotations

import errno
import os
import socket
import stat
import tempfile

import pytest

OLD = b"the previous file, which must survive\n"
OLD_MODE = 0o640

# kind -> what the message says
REFUSED = {
    "fifo": "is a named pipe (FIFO), not a regular file; not saved, and left as it was",
    "null-device": "is a character device, not a regular file",
    "full-device": "is a character device, not a regular file",
    "socket": "is a socket, not a regular file",
    "folder": "is a folder; choose a file name",
    "link-to-fifo": "which is a named pipe (FIFO), not a regular file",
    "link-to-device": "which is a character device, not a regular file",
    "link-to-folder": "which is a folder; choose a file name",
    "link-loop": "too many levels of symbolic links",
}
WRITTEN = ["link", "link-chain", "dangling-link", "spaces-and-non-ascii"]
NULL, FULL = os.makedev(1, 3), os.makedev(1, 7)  # the kernel's /dev/null and /dev/full


class Target:
    def __init__(self, folder, path, lands=None, fifo_reader=None):
        self.folder, self.path, self.lands = str(folder), str(path), lands
        self.fifo_reader = fifo_reader
        self.before = tree(self.folder)

    def refused(self, message):
        """``message`` (the error text or the dialog's) names the path and the reason."""
        assert self.path in message and REFUSED[self.kind] in message, message
        self._check_fifo_untouched()
        assert tree(self.folder) == self.before

    def written(self):
        """The file the path leads to holds new bytes; everything else is as it was."""
        self._check_fifo_untouched()
        after = tree(self.folder)
        lands = os.path.relpath(self.lands, self.folder)
        kind, _, _, data = after.pop(lands)
        assert kind == "file" and data and data != OLD
        old = self.before.pop(lands, None)
        if old is not None:  # an existing file keeps its permission bits
            assert stat.S_IMODE(os.stat(self.lands).st_mode) == OLD_MODE
        assert after == self.before  # links still links, no temp file left
        return data

    def _check_fifo_untouched(self):
        if self.fifo_reader is not None:
            try:
                assert os.read(self.fifo_reader, 1) == b""  # no writer ever opened it
            except BlockingIOError:
                pass  # a writer has it open but wrote nothing: not ours, closed by now
            os.close(self.fifo_reader)
            self.fifo_reader = None


def tree(folder):
    """{relative name: (kind, inode, mode or link text, bytes)} for everything under it."""
    found = {}
    for parent, dirs, files in os.walk(folder):
        for name in dirs + files:
            full = os.path.join(parent, name)
            info = os.lstat(full)
            rel = os.path.relpath(full, folder)
            if stat.S_ISLNK(info.st_mode):
                found[rel] = ("link", info.st_ino, os.readlink(full), None)
            elif stat.S_ISREG(info.st_mode):
                with open(full, "rb") as f:
                    found[rel] = ("file", info.st_ino, stat.S_IMODE(info.st_mode), f.read())
            else:
                found[rel] = (stat.S_IFMT(info.st_mode), info.st_ino, info.st_rdev, None)
    return found


def make(kind, folder, suffix):
    """A save target of ``kind`` (a key of REFUSED, or one of WRITTEN) in ``folder``."""
    folder = str(folder)
    here = os.path.join(folder, f"target{suffix}")
    reader = None
    pipe, device = f"pipe{suffix}", f"device{suffix}"  # writers choose a format by suffix
    if kind in ("fifo", "link-to-fifo"):
        os.mkfifo(os.path.join(folder, pipe))
        reader = os.open(os.path.join(folder, pipe), os.O_RDONLY | os.O_NONBLOCK)
    if kind in ("null-device", "full-device", "link-to-device"):
        if os.geteuid() != 0:
            pytest.skip("making a device node needs root (CI runs as root)")
        os.mknod(os.path.join(folder, device), 0o666 | stat.S_IFCHR,
                 FULL if kind == "full-device" else NULL)
    lands = None
    if kind in ("fifo", "null-device", "full-device"):
        here = os.path.join(folder, pipe if kind == "fifo" else device)
    elif kind == "socket":
        _bind_socket(folder, f"s{suffix}")
        here = os.path.join(folder, f"s{suffix}")
    elif kind == "folder":
        os.mkdir(here)
    elif kind.startswith("link-to-"):
        os.mkdir(os.path.join(folder, f"dir{suffix}"))
        os.symlink({"fifo": pipe, "device": device, "folder": f"dir{suffix}"}[kind[8:]], here)
    elif kind == "link-loop":
        os.symlink("other", here)
        os.symlink(f"target{suffix}", os.path.join(folder, "other"))
    elif kind == "link":
        lands = _old_file(os.path.join(folder, f"real{suffix}"))
        os.symlink(f"real{suffix}", here)
    elif kind == "link-chain":  # relative links across folders, through a linked folder
        os.makedirs(os.path.join(folder, "a"))
        os.makedirs(os.path.join(folder, "b", "deep"))
        os.symlink("b/deep", os.path.join(folder, "deep-link"))
        lands = _old_file(os.path.join(folder, "b", f"real{suffix}"))
        os.symlink(f"../real{suffix}", os.path.join(folder, "b", "deep", "mid"))
        here = os.path.join(folder, "a", f"target{suffix}")
        os.symlink("../deep-link/mid", here)
    elif kind == "dangling-link":
        os.mkdir(os.path.join(folder, "sub"))
        os.symlink(f"sub/new {suffix}", here)
        lands = os.path.join(folder, "sub", f"new {suffix}")
    elif kind == "spaces-and-non-ascii":
        os.mkdir(os.path.join(folder, "my runs ü 名前"))
        here = os.path.join(folder, "my runs ü 名前", f"snäp shot ✓{suffix}")
        lands = _old_file(here)
    else:
        raise ValueError(kind)
    target = Target(folder, here, lands, reader)
    target.kind = kind
    return target


def _old_file(path):
    with open(path, "wb") as f:
        f.write(OLD)
    os.chmod(path, OLD_MODE)
    return path


def _bind_socket(folder, name):
    # A relative name: a socket path must fit in 108 bytes, and tmp_path may not.
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        with socket.socket(socket.AF_UNIX) as s:
            s.bind(name)
    finally:
        os.chdir(cwd)


# ---- faults in the middle of a save -------------------------------------------------------


def fill_disk(monkeypatch):
    """The temp file's writes go to a full device: a real ENOSPC from the kernel."""
    real_mkstemp = tempfile.mkstemp

    def mkstemp(*args, **kwargs):
        fd, path = real_mkstemp(*args, **kwargs)
        os.close(fd)
        return os.open("/dev/full", os.O_WRONLY), path

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)


def fail(name, error):
    def inject(monkeypatch):
        def failing(*args, **kwargs):
            raise OSError(error, os.strerror(error))
        monkeypatch.setattr(os, name, failing)
    return inject


FAULTS = {"disk-full": (fill_disk, "No space left on device"),
          "fsync": (fail("fsync", errno.EIO), "Input/output error"),
          "replace": (fail("replace", errno.EXDEV), "Invalid cross-device link")}
