"""Reading with a size cap and saving atomically, shared by CSV, snapshots and exports.

Reading: the size is checked with ``os.stat`` before the file is opened, and at most
``cap + 1`` bytes are ever read, so a huge (or growing, or special) file costs
nothing. Text must be UTF-8; a UTF-8 byte-order mark is accepted and dropped.

Saving follows Qt's ``QSaveFile``: write a temp file in the target's folder, flush,
fsync, then ``os.replace`` it over the target. A failure at any step removes the temp
file and leaves the old file exactly as it was.
"""

from __future__ import annotations

import os
import stat
import tempfile

from .errors import LoadError, SaveError

MIB = 1024 * 1024


def read_capped(path, cap):
    """The bytes of ``path``, refusing a file over ``cap`` bytes before reading it."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise LoadError(path, "no such file") from None
    except OSError as exc:
        raise LoadError(path, f"cannot read: {exc.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise LoadError(path, "is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise LoadError(path, "is not a regular file")
    if info.st_size > cap:
        raise LoadError(path, f"file is {size_text(info.st_size)}, over the {size_text(cap)} limit")
    try:
        with open(path, "rb") as f:
            data = f.read(cap + 1)  # the file may have grown since stat
    except OSError as exc:
        raise LoadError(path, f"cannot read: {exc.strerror}") from None
    if len(data) > cap:
        raise LoadError(path, f"file is over the {size_text(cap)} limit")
    return data


def decode_utf8(path, data):
    """``data`` as text: strict UTF-8, a leading BOM dropped, UTF-16 named as such."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise LoadError(path, "is UTF-16 text; save it as UTF-8")
    if data.startswith(b"\x89PNG"):
        raise LoadError(path, "is a PNG image, not a text file")
    if data.startswith(b"PK\x03\x04"):
        raise LoadError(path, "is a zip archive (e.g. .npz), not a text file")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise LoadError(path, f"not UTF-8 text (byte 0x{data[exc.start]:02x})",
                        f"line {line}") from None
    nul = text.find("\x00")
    if nul >= 0:  # valid UTF-8, but never in a text file: UTF-16 without a BOM, or binary
        raise LoadError(path, "contains NUL bytes: a binary file, or UTF-16 text; save it "
                        "as UTF-8", f"line {text.count(chr(10), 0, nul) + 1}")
    return text


def atomic_write(path, content):
    """Replace ``path`` with ``content`` (bytes, or a function given a binary file).

    Raises ``SaveError`` naming the file on any failure; then the old file is
    untouched and no temp file is left in the folder.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise SaveError(path, "is a folder; choose a file name")
    if not os.path.isdir(folder):
        raise SaveError(path, f"folder {folder!r} does not exist")
    try:
        mode = os.stat(path).st_mode & 0o777
    except OSError:
        mode = 0o666 & ~_umask()
    try:
        fd, temp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".",
                                    suffix=".tmp")
    except OSError as exc:
        raise SaveError(path, f"cannot save: {exc.strerror}") from None
    try:
        with open(fd, "wb") as f:
            if callable(content):
                content(f)
            else:
                f.write(content)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temp, mode)  # mkstemp makes 0600; match what a plain open() makes
        os.replace(temp, path)
    except BaseException as exc:
        try:
            os.unlink(temp)
        except OSError:
            pass
        if not isinstance(exc, Exception):
            raise  # KeyboardInterrupt and friends: cleaned up, now let them through
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise SaveError(path, f"could not save: {reason}; the old file is unchanged") from exc
    _sync_folder(folder)


def _sync_folder(folder):
    """Make the rename itself durable; best effort (not every filesystem allows it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def size_text(n):
    """``n`` bytes for a message: 20 MiB, 1.5 MiB or 800 bytes."""
    if n % MIB == 0:
        return f"{n // MIB} MiB"
    return f"{n / MIB:.1f} MiB" if n >= MIB else f"{n} bytes"
