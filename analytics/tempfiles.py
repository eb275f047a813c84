"""Private temporary files: an upload's copies kept in memory, and the private directory they belong to.

An upload can hold personal data (phone numbers, names) in clear: its personal columns are hashed or
dropped only when it is loaded. So its copies (the uploaded bytes of a text file, a UTF-8 transcode of a
GBK or UTF-16 file, a decompressed ``.csv.gz``) are never written to disk: :func:`memory_file` keeps
each in an anonymous in-memory file (Linux ``memfd_create``), which DuckDB's CSV reader opens by its
path ``/proc/self/fd/N`` like any file. It takes memory, not disk, and vanishes with the process,
even one killed by SIGKILL; its size is bounded by the upload limit (``upload_max_mb``). On a system
without ``memfd_create`` the copy falls back to a file (0600) in the private directory below.

The private directories live in ``<data dir>/.jingmin_tmp/<pid>-<random>/`` (the data
dir is the database file's folder), the directories mode 0700 and the files mode 0600. The
directory is removed when the work ends (success, error, or a signal the CLI turns into a clean
exit), and at interpreter exit; one left by a process that died without cleaning up (SIGKILL, power
loss) is removed by :func:`sweep_stale`, which :func:`analytics.store.connect` and the ingest entry
call: a directory whose pid is no longer running belongs to nobody.

This module imports nothing from the rest of the package, so the store can use it.
"""

from __future__ import annotations

import atexit
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TEMP_DIR_NAME = ".jingmin_tmp"
_LIVE: set[Path] = set()  # this process's private directories, removed at exit if still there
_MEMORY: dict[Path, list[int]] = {}  # the in-memory files (descriptors) of each private directory


def temp_root(data_dir: str | os.PathLike[str] | None) -> Path:
    """The folder holding every process's private directory: ``<data_dir>/.jingmin_tmp``.

    ``None`` (an in-memory database has no folder) falls back to a per-user folder in the system
    temp directory, still 0700 so other accounts cannot list or read it.
    """
    if data_dir is None:
        return Path(tempfile.gettempdir()) / f"{TEMP_DIR_NAME}-{os.getuid()}"
    return Path(data_dir) / TEMP_DIR_NAME


def _make_private(path: Path) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    # mkdir's mode is masked by the umask and ignored for an existing folder: set it outright.
    os.chmod(path, 0o700)


@contextmanager
def private_dir(root: Path) -> Iterator[Path]:
    """A new directory ``<root>/<pid>-<random>`` (0700), removed with its contents when the block ends."""
    sweep_stale(root)
    _make_private(root)
    path = root / f"{os.getpid()}-{secrets.token_hex(6)}"
    path.mkdir(mode=0o700)
    os.chmod(path, 0o700)
    _LIVE.add(path)
    try:
        yield path
    finally:
        remove(path)


def new_file(directory: Path, suffix: str = "") -> Path:
    """A new empty file (mode 0600) on disk in a private directory made by :func:`private_dir`."""
    fd, name = tempfile.mkstemp(prefix="jingmin_", suffix=suffix, dir=directory)
    os.close(fd)  # mkstemp creates the file 0600 whatever the umask
    return Path(name)


def memory_file(directory: Path, suffix: str = "", data: bytes | None = None) -> Path:
    """A new file held in memory only, with ``data`` written to it; its path opens it like a file.

    The path is ``/proc/self/fd/N``: valid in this process only (DuckDB's threads included), and for as
    long as ``directory`` (made by :func:`private_dir`) lives; its removal closes the file and frees
    the memory. Opening the path for writing truncates the file, as for a file on disk. Where Linux's
    ``memfd_create`` is missing, a file (0600) in ``directory`` instead (see the module's docstring).
    """
    if not hasattr(os, "memfd_create"):
        path = new_file(directory, suffix)
        if data is not None:
            path.write_bytes(data)
        return path
    # CLOEXEC: a process this one starts must not inherit the upload.
    fd = os.memfd_create(f"jingmin-upload{suffix}", os.MFD_CLOEXEC)
    _MEMORY.setdefault(directory, []).append(fd)
    if data is not None:
        with open(fd, "wb", closefd=False) as out:
            out.write(data)
    return Path(f"/proc/self/fd/{fd}")


def remove(path: Path) -> None:
    """Remove one private directory and everything in it, and close its in-memory files (no error if it is
    already gone)."""
    for fd in _MEMORY.pop(path, []):
        os.close(fd)
    shutil.rmtree(path, ignore_errors=True)
    _LIVE.discard(path)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # a running process of another account
    return True


def sweep_stale(root: Path) -> list[Path]:
    """Remove private directories under ``root`` whose process is no longer running; return them.

    Only names of the form ``<pid>-<hex>`` are touched; the caller's own pid is never stale.
    """
    removed: list[Path] = []
    if not root.is_dir():
        return removed
    for child in root.iterdir():
        pid_text, sep, token = child.name.partition("-")
        if not (sep and pid_text.isdigit() and token and child.is_dir()):
            continue
        pid = int(pid_text)
        if pid != os.getpid() and not _pid_alive(pid):
            shutil.rmtree(child, ignore_errors=True)
            removed.append(child)
    return removed


@atexit.register
def _remove_live() -> None:
    # An interpreter that exits normally (the dashboard stopped with SIGTERM or Ctrl-C, a script that
    # returned from inside an upload) leaves nothing; SIGKILL is left to sweep_stale.
    for path in list(_LIVE):
        remove(path)
