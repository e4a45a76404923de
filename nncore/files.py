"""Reading with a size cap and saving atomically, shared by CSV, snapshots and exports.

Reading: the size is checked with ``os.stat`` before the file is opened, and at most
``cap + 1`` bytes are ever read, so a huge (or growing, or special) file costs
nothing. Text must be UTF-8; a UTF-8 byte-order mark is accepted and dropped.

Saving follows Qt's ``QSaveFile`` and editors such as Vim and Emacs: a symbolic link
is written through to the file it names; the data goes to a temp file in that file's
folder, is flushed and fsynced, then ``os.replace`` puts it over the file. A failure
at any step removes the temp file and leaves the old file exactly as it was. A target
that exists and is not a regular file (a folder, FIFO, device or socket) is refused
before anything is written: replacing it would break whatever uses it.
"""

from __future__ import annotations

import contextlib
import errno
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


MAX_LINKS = 40  # as Linux's own limit on symbolic links followed in one path

SPECIAL_KINDS = {stat.S_IFDIR: "a folder", stat.S_IFIFO: "a named pipe (FIFO)",
                 stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device",
                 stat.S_IFSOCK: "a socket"}


def save_target(path):
    """The file that saving to ``path`` replaces: ``path`` itself, or, if ``path`` is a
    symbolic link, the file at the end of its chain of links (which may not exist yet:
    a dangling link names the file to create).

    Raises ``SaveError`` naming ``path`` when the target exists and is not a regular
    file (a folder, a FIFO, a device, a socket), when the links loop, or when its
    folder does not exist. Nothing is opened, so a FIFO never blocks.
    """
    path = os.fspath(path)
    if not path:
        raise SaveError(path, "no file name given")
    try:
        final = os.stat(path)  # the kernel's own view, through every kind of link
    except FileNotFoundError:
        final = None  # a new file, or a dangling link
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise SaveError(path, "too many levels of symbolic links (a link loop?)") from None
        raise SaveError(path, f"cannot save: {exc.strerror}") from None
    if final is not None:
        _refuse_special(path, path, final)
    target = _follow_links(path)
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise SaveError(path, f"cannot save: {exc.strerror}") from None
    if final is not None and (info is None or (info.st_dev, info.st_ino)
                              != (final.st_dev, final.st_ino)):
        # e.g. /proc/self/fd/1: a link the kernel follows but whose text names no file
        raise SaveError(path, "is a link that does not name a file; choose a file name")
    folder = os.path.dirname(target) or os.curdir
    if not os.path.isdir(folder):
        raise SaveError(path, f"folder {os.path.abspath(folder)!r} does not exist")
    return target


def _follow_links(path):
    """The name at the end of ``path``'s chain of symbolic links.

    Relative link text is joined to the folder of the link, and never normalised:
    ``..`` after a linked folder must be resolved by the kernel, not by text.
    """
    target = path
    for _ in range(MAX_LINKS):
        if not os.path.islink(target):
            return target
        target = os.path.join(os.path.dirname(target), os.readlink(target))
    raise SaveError(path, "too many levels of symbolic links (a link loop?)")


def _refuse_special(path, target, info):
    """Refuse, naming ``path``, a target that exists and is not a regular file."""
    if stat.S_ISREG(info.st_mode):
        return
    kind = SPECIAL_KINDS.get(stat.S_IFMT(info.st_mode), "a special file")
    what = (f"is a link to {os.path.realpath(target)!r}, which is {kind}"
            if os.path.islink(path) else f"is {kind}")
    if stat.S_ISDIR(info.st_mode):
        raise SaveError(path, f"{what}; choose a file name")
    raise SaveError(path, f"{what}, not a regular file; not saved, and left as it was")


@contextlib.contextmanager
def atomic_file(path):
    """A binary file to write; on leaving the block it replaces ``save_target(path)``.

    As Qt's ``QSaveFile``: the data goes to a temp file in the target's folder, is
    flushed and fsynced, takes the target's permission bits (and, where allowed, its
    owner and group), then ``os.replace`` puts it in place in one step. If the block
    raises (or a generator around it is closed), or any step fails, the temp file is
    removed, the old file is untouched, and ``SaveError`` names ``path``.
    """
    target = save_target(path)
    folder = os.path.dirname(target) or os.curdir
    try:
        old = os.stat(target)
    except OSError:
        old = None
    try:
        fd, temp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(target) + ".",
                                    suffix=".tmp")
    except OSError as exc:
        raise SaveError(path, f"cannot save: {exc.strerror}") from None
    try:
        with open(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        _copy_permissions(temp, old)
        try:  # the target may have been swapped for a FIFO or a folder meanwhile
            _refuse_special(path, target, os.lstat(target))
        except FileNotFoundError:
            pass
        os.replace(temp, target)
    except BaseException as exc:
        try:
            os.unlink(temp)
        except OSError:
            pass
        if not isinstance(exc, Exception) or isinstance(exc, SaveError):
            raise  # KeyboardInterrupt, a closed generator: cleaned up, now let them through
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise SaveError(path, f"could not save: {reason}; the old file is unchanged") from exc
    _sync_folder(folder)


def atomic_write(path, content):
    """Replace the target of ``path`` with ``content`` (bytes, or a function given a
    binary file); see :func:`atomic_file`."""
    with atomic_file(path) as f:
        if callable(content):
            content(f)
        else:
            f.write(content)


def _copy_permissions(temp, old):
    """Give ``temp`` the old file's permission bits (mkstemp makes 0600), or for a
    new file what a plain ``open()`` makes; the old owner and group where allowed."""
    if old is None:
        os.chmod(temp, 0o666 & ~_umask())
        return
    if (old.st_uid, old.st_gid) != (os.getuid(), os.getgid()):
        for owner in (old.st_uid, -1):  # only root may give a file away; a group, maybe
            try:
                os.chown(temp, owner, old.st_gid)
                break
            except OSError:
                pass
    os.chmod(temp, stat.S_IMODE(old.st_mode) & 0o777)


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
