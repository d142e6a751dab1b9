"""Atomic writes: a crash never leaves a half-written output, and no temp file outlives a run.

Every file casecoder writes goes to a temporary file in the destination's folder, is flushed
and fsynced, and is then renamed over the destination (``os.replace`` is atomic on POSIX and
Windows when both are on one file system). Folders are built beside the destination and
renamed into place the same way.

Two promises a team sharing a folder relies on:

* **Permissions.** ``tempfile`` creates private files (0600) and folders (0700). Before the
  rename, a new output gets the mode an ordinary ``open()`` would give it (0666, or 0777 for a
  folder, less the process umask) and a file that already exists keeps its own mode, so a
  0664 overrides file stays 0664 after it is rewritten.
* **No litter.** A temporary name carries the writing process's id
  (``.NAME.<pid>-<random>.tmp<suffix>``). A run killed with ``kill -9`` cannot remove its temp
  file, so the next write of the same output removes every temp file of that output whose
  process is gone (a live writer's temp file is left alone).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

__all__ = ["atomic_dir", "atomic_path", "atomic_write_bytes", "atomic_write_text", "current_umask",
           "remove_stale_temps", "spreadsheet_safe", "spreadsheet_text", "write_with"]

#: A cell starting with one of these is run as a formula by Excel, LibreOffice Calc or Google
#: Sheets when a researcher opens the CSV (OWASP's "CSV injection" list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

_UMASK_LOCK = threading.Lock()


def current_umask() -> int:
    """Return the process umask without changing it for longer than a moment.

    On Linux it is read from ``/proc/self/status``; elsewhere it is read the only portable way
    (set and restore), under a lock so threads of this process never see a changed umask.

    Examples
    --------
    >>> 0 <= current_umask() <= 0o777
    True
    """
    with contextlib.suppress(OSError, ValueError):
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    with _UMASK_LOCK:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def _mode_for(target: Path, *, folder: bool) -> int:
    """The mode a new output gets: the existing one's, else what ``open``/``mkdir`` would give."""
    with contextlib.suppress(OSError):
        return target.stat().st_mode & 0o7777
    return (0o777 if folder else 0o666) & ~current_umask()


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):  # another user's live process, or no way to tell: keep
        return True
    return True


def _temp_name(target: Path, suffix: str) -> Path:
    return target.with_name(f".{target.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp{suffix}")


def remove_stale_temps(target: str | os.PathLike[str]) -> list[Path]:
    """Remove temporary files and folders of ``target`` left by processes that are gone.

    Returns the paths removed. Temp entries of a live process (another run writing the same
    output right now) are kept.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / ".codings.csv.999999999-ab12cd34.tmp.csv").write_text("half")
    >>> [p.name for p in remove_stale_temps(d / "codings.csv")]
    ['.codings.csv.999999999-ab12cd34.tmp.csv']
    """
    target = Path(target)
    pattern = re.compile(re.escape(f".{target.name}.") + r"(\d+)-[0-9a-f]{8}\.tmp(\..*)?$")
    removed: list[Path] = []
    try:
        entries = list(target.parent.iterdir())
    except OSError:
        return removed
    for entry in entries:
        m = pattern.match(entry.name)
        if not m or _pid_alive(int(m.group(1))):
            continue
        with contextlib.suppress(OSError):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            removed.append(entry)
    return sorted(removed)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` if the block succeeds.

    Use it with writers that insist on a file name (``DataFrame.to_parquet``,
    ``Figure.savefig``). On an exception the temporary file is removed and ``path`` is left as
    it was. The new file gets the existing file's mode, or 0666 less the umask.

    Examples
    --------
    >>> with atomic_path("out/codings.parquet") as tmp:  # doctest: +SKIP
    ...     df.to_parquet(tmp)
    """
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temps(target)
        tmp = _temp_name(target, target.suffix)
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError as exc:  # name the file the user asked for, not the temporary one
        raise OSError(exc.errno, exc.strerror, str(target)) from exc
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, _mode_for(target, folder=False))
        try:
            os.replace(tmp, target)
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror, str(target)) from exc
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically and return the path.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = atomic_write_bytes(pathlib.Path(tempfile.mkdtemp()) / "a.txt", b"x")
    >>> p.read_bytes()
    b'x'
    """
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def atomic_write_text(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically (UTF-8, LF line ends kept as given).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> atomic_write_text(pathlib.Path(tempfile.mkdtemp()) / "a.md", "£\\n").read_text("utf-8")
    '£\\n'
    """
    return atomic_write_bytes(path, text.encode(encoding))


@contextlib.contextmanager
def atomic_dir(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary folder beside ``path``; on success it replaces ``path`` whole.

    An existing folder at ``path`` is replaced only after the new one is complete, so readers
    see either the old site or the new one, never a mix. On an exception the temporary folder
    is removed and ``path`` is untouched. The new folder gets the old one's mode, or 0777 less
    the umask.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> site = pathlib.Path(tempfile.mkdtemp()) / "site"
    >>> with atomic_dir(site) as tmp:
    ...     _ = (tmp / "index.html").write_text("ok")
    >>> sorted(p.name for p in site.iterdir())
    ['index.html']
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(target)
    tmp = _temp_name(target, "")
    tmp.mkdir(mode=0o700)
    old = target.with_name(f".{target.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp.old")
    try:
        yield tmp
        os.chmod(tmp, _mode_for(target, folder=True))
        if target.exists():
            os.replace(target, old)
            os.replace(tmp, target)
            shutil.rmtree(old)
        else:
            os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_with(path: str | os.PathLike[str], writer: Callable[[Path], object]) -> Path:
    """Call ``writer(tmp_path)`` and rename the result onto ``path`` atomically.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = write_with(pathlib.Path(tempfile.mkdtemp()) / "b.txt", lambda p: p.write_text("y"))
    >>> out.read_text()
    'y'
    """
    with atomic_path(path) as tmp:
        writer(tmp)
    return Path(path)


def _needs_guard(value: str) -> bool:
    return value.startswith(FORMULA_STARTS) or (value.startswith("'") and _needs_guard(value[1:]))


def spreadsheet_safe(value: str) -> str:
    """Return ``value`` as a CSV cell no spreadsheet will run: a leading apostrophe if needed.

    A cell that starts with ``= + - @``, a tab or a carriage return gets an apostrophe in front
    (spreadsheets show the text, not a formula); so does a cell that already starts with
    apostrophes before one of those, so that :func:`spreadsheet_text` undoes it exactly.
    Parquet outputs keep the raw text: only CSV is guarded.

    Examples
    --------
    >>> spreadsheet_safe("=1+2")
    "'=1+2"
    >>> spreadsheet_safe("we went door to door"), spreadsheet_safe("'quoted")
    ('we went door to door', "'quoted")
    >>> all(spreadsheet_text(spreadsheet_safe(v)) == v for v in ["-1", "'=x", "''+y", "'a", "@"])
    True
    """
    return "'" + value if _needs_guard(value) else value


def spreadsheet_text(cell: str) -> str:
    """Undo :func:`spreadsheet_safe` on a cell read back from a CSV casecoder wrote.

    Examples
    --------
    >>> spreadsheet_text("'=SUM(A1)"), spreadsheet_text("'quoted")
    ('=SUM(A1)', "'quoted")
    """
    return cell[1:] if cell.startswith("'") and _needs_guard(cell[1:]) else cell
