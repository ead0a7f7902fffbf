"""Outputs written whole or not at all, one writer per model directory, errors that name the file.

- :func:`atomic_file` / :func:`atomic_path`: write a temporary file beside the target and
  rename it over the target once complete, so a reader (or a run killed half-way) sees the
  old file or the new one, never a part;
- :func:`replace_dir`: put a directory built beside the target in its place in one step
  (Linux ``renameat2(RENAME_EXCHANGE)``; elsewhere two renames);
- :func:`lock_dir`: an advisory lock (``flock``) on ``<dir>/.lock`` that a second writer is
  refused at once;
- :class:`OutputError`: every failure to write, as one message naming the path.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import functools
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

#: Name of the lock file inside a locked directory.
LOCK_NAME = ".lock"

#: ``renameat2`` arguments: the current directory as the base, and the swap flag.
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


class OutputError(OSError):
    """An output that cannot be written; ``str()`` names the path and the reason."""

    def __init__(self, path: str | Path, reason: str) -> None:
        super().__init__(reason)
        self.path, self.reason = str(path), reason

    def __str__(self) -> str:
        return f"cannot write {self.path}: {self.reason}"


def _reason(exc: OSError) -> str:
    """Return the operating system's words for an error (``No space left on device``)."""
    if isinstance(exc, OutputError):
        return exc.reason
    return exc.strerror or str(exc)


@functools.cache
def _umask() -> int:
    """Return the process's file-creation mask (read once: reading it means setting it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _fsync_dir(directory: Path) -> None:
    """Make a rename in ``directory`` durable (ignored where directories cannot be synced)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def make_parents(path: str | Path) -> list[Path]:
    """Create the missing parent directories of ``path``; return those created, deepest last.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    list of Path
        For :func:`remove_made` to take back when the write fails.

    Raises
    ------
    OutputError
        When a parent cannot be created.
    """
    made: list[Path] = []
    for parent in reversed(Path(path).absolute().parents):
        if parent.is_dir():
            continue
        try:
            parent.mkdir()
        except FileExistsError:
            if not parent.is_dir():
                remove_made(made)
                raise OutputError(path, f"{parent} is not a directory") from None
            continue
        except OSError as exc:
            remove_made(made)
            raise OutputError(path, _reason(exc)) from None
        made.append(parent)
    return made


def remove_made(made: list[Path]) -> None:
    """Remove directories made by :func:`make_parents` that are still empty, deepest first.

    Parameters
    ----------
    made : list of Path
    """
    for d in reversed(made):
        with contextlib.suppress(OSError):
            d.rmdir()


def written_in_place(path: str | Path) -> bool:
    """Whether ``path`` is a device, FIFO or socket (links followed), written where it is.

    ``/dev/stdout`` when standard output is a pipe links to ``/proc/<pid>/fd/1``, whose target
    (``pipe:[...]``) is no path: the test is a ``stat`` of the path as given, never of the
    path a link resolves to.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    bool
        False for a regular file, a directory, or a path that does not exist.
    """
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return False
    return stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` when the block succeeds.

    Missing parent directories are created (and removed again when the write fails); the
    temporary file is removed when the block raises.  The new file gets the old file's
    permissions, or the usual ones for a new file.  A symbolic link is followed (the file it
    points to is replaced); a device, FIFO or socket (``/dev/stdout``, ``/dev/null``; see
    :func:`written_in_place`) is written in place at the path as given, as a stream cannot
    be replaced.

    Parameters
    ----------
    path : str or Path
        The output.

    Yields
    ------
    Path
        Where to write.

    Raises
    ------
    OutputError
        When anything about the write fails (disk full, read-only, missing permission).
    """
    if written_in_place(path):
        try:
            yield Path(path)
        except OSError as exc:
            raise OutputError(path, _reason(exc)) from exc
        return
    target = Path(os.path.realpath(path)) if os.path.islink(path) else Path(path)
    made = make_parents(target)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.close(fd)
    except OSError as exc:
        remove_made(made)
        raise OutputError(target, _reason(exc)) from None
    tmp = Path(tmp_name)
    try:
        yield tmp
        _commit(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        remove_made(made)
        if isinstance(exc, OSError):
            raise OutputError(target, _reason(exc)) from exc
        raise


def _commit(tmp: Path, target: Path) -> None:
    """Flush ``tmp`` to disk, give it the target's permissions and rename it over the target."""
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(tmp, mode)
    os.replace(tmp, target)
    _fsync_dir(target.parent)


@contextlib.contextmanager
def atomic_file(path: str | Path) -> Iterator[BinaryIO]:
    """Yield a binary file beside ``path``; it becomes ``path`` when the block succeeds.

    Parameters
    ----------
    path : str or Path
        The output.

    Yields
    ------
    binary file

    Raises
    ------
    OutputError
        As :func:`atomic_path`.
    """
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        yield fh


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux); False where the system cannot."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p]
    renameat2.argtypes += [ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def replace_dir(built: Path, target: Path) -> None:
    """Put the directory ``built`` at ``target``, replacing what was there, in one step.

    Where the system cannot swap two directories at once, the old one is renamed away first:
    a run killed between the two renames leaves it beside the target as ``.<name>.old-*``.

    Parameters
    ----------
    built : Path
        A complete directory beside ``target`` (same file system).
    target : Path
        Where it goes; an existing directory there is removed.
    """
    if not target.exists():
        os.rename(built, target)
    elif _exchange(built, target):
        shutil.rmtree(built, ignore_errors=True)  # now the previous directory
    else:
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        os.rename(target, old / "d")
        os.rename(built, target)
        shutil.rmtree(old, ignore_errors=True)
    _fsync_dir(target.parent)


def new_dir_beside(target: Path) -> Path:
    """Create an empty, hidden directory beside ``target`` to build its replacement in.

    Parameters
    ----------
    target : Path

    Returns
    -------
    Path
        ``<parent>/.<name>.tmp-<random>``, with the usual permissions of a new directory.
    """
    built = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    os.chmod(built, 0o777 & ~_umask())
    return built


def remove_stale_beside(target: Path) -> None:
    """Remove what killed writers of ``target`` left beside it (call with the lock held).

    Parameters
    ----------
    target : Path
    """
    for pattern in (f".{target.name}.tmp-*", f".{target.name}.old-*"):
        for p in target.parent.glob(pattern):
            shutil.rmtree(p, ignore_errors=True)


#: Directories this process holds the lock of -> (lock file descriptor, nesting depth).
_HELD: dict[Path, list[int]] = {}


@contextlib.contextmanager
def lock_dir(directory: str | Path, *, what: str = "directory") -> Iterator[Path]:
    """Hold the write lock of ``directory`` (created when missing) for the block.

    Re-entrant within a process.  A directory this call created is removed again when the
    block leaves nothing but the lock file in it.

    Parameters
    ----------
    directory : str or Path
    what : str, default "directory"
        What the directory is, for the refusal message (``"model directory"``).

    Yields
    ------
    Path
        The directory.

    Raises
    ------
    OutputError
        When another process holds the lock, or the directory cannot be created.
    """
    d = Path(directory)
    key = d.absolute()
    if key in _HELD:
        _HELD[key][1] += 1
        try:
            yield d
        finally:
            _HELD[key][1] -= 1
        return
    made = make_parents(d / LOCK_NAME)
    fd = _acquire(d, what)
    _HELD[key] = [fd, 1]
    try:
        yield d
    finally:
        del _HELD[key]
        if made and made[-1] == key and [p.name for p in d.iterdir()] == [LOCK_NAME]:
            with contextlib.suppress(OSError):
                (d / LOCK_NAME).unlink()
            remove_made(made)
        os.close(fd)


def _acquire(d: Path, what: str) -> int:
    """Open and lock ``d/.lock``; make sure the locked file is still the one at that path."""
    path = d / LOCK_NAME
    for _ in range(5):
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666 & ~_umask())
        except OSError as exc:
            raise OutputError(d, _reason(exc)) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise OutputError(
                    d,
                    f"another process is writing this {what} (it holds {path}); wait for "
                    f"it to finish, or write to another {what}",
                ) from None
            raise OutputError(d, _reason(exc)) from None
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)  # the directory was replaced meanwhile: lock the new one
    raise OutputError(d, f"the {what} keeps being replaced by another process")
