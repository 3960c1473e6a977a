"""Where the fetcher's downloads wait for the checkers, so that a killed process leaves none for ever.

Every process gets its own folder under one root (`$TMPDIR/oerlint-<uid>`) and holds an exclusive
`flock` on a file in it while it lives. The kernel drops the lock when the process ends, however it
ends (SIGKILL included), so a folder whose lock can be taken belongs to a dead process. The first
time a process needs its folder it empties those: only files named with the fetcher's prefix are
removed, and a folder only once nothing else is left in it. A live process's folder (locked, also
by its forked children, which share the lock) is never touched.

Downloads used to go to the temp directory itself; files of ours there older than this process's
start are removed once as well (no live process writes there any more).
"""
from __future__ import annotations

import fcntl
import os
import stat
import tempfile
import threading
import time
from pathlib import Path

import psutil

PREFIX = "oerlint-fetch-"    # every temporary download file's name starts with it
FOLDER_PREFIX = "proc-"
LOCK_NAME = ".lock"

_lock = threading.Lock()
_claimed: dict[Path, tuple[Path, int]] = {}   # root -> (this process's folder, fd holding its lock)


def default_root() -> Path:
    return Path(tempfile.gettempdir()) / f"oerlint-{os.getuid()}"


def process_dir(root: Path | None = None, legacy_dir: Path | None = None) -> Path:
    """This process's folder under `root` (default `default_root()`), made on first use, when the
    folders of dead processes under `root` and our old files in `legacy_dir` (default: the temp
    directory, for the default root) are cleaned."""
    if root is None:
        root, legacy_dir = default_root(), Path(tempfile.gettempdir())
    root = Path(root)
    with _lock:
        if root not in _claimed:
            _claimed[root] = _claim(root, legacy_dir)
        return _claimed[root][0]


def _claim(root: Path, legacy_dir: Path | None) -> tuple[Path, int]:
    started = _process_start()
    root = _own_root(root)
    for folder in root.iterdir():
        if folder.name.startswith(FOLDER_PREFIX) and folder.is_dir() and not folder.is_symlink():
            _clear_if_dead(folder, started)
    if legacy_dir is not None:
        _clear_files(Path(legacy_dir), older_than=started)
    folder = Path(tempfile.mkdtemp(prefix=FOLDER_PREFIX, dir=root))
    fd = os.open(folder / LOCK_NAME, os.O_CREAT | os.O_RDWR, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)   # held until the process (and its forked children) end
    return folder, fd


def _own_root(root: Path) -> Path:
    """`root`, made private to this user; a fresh folder instead when `root` is not ours (a shared
    temp directory where someone else made the name first, or a symlink)."""
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = os.lstat(root)
    if stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid():
        return root
    return Path(tempfile.mkdtemp(prefix=f"oerlint-{os.getuid()}-"))


def _clear_if_dead(folder: Path, started: float) -> None:
    try:
        fd = os.open(folder / LOCK_NAME, os.O_RDWR)
    except FileNotFoundError:
        # no lock yet: a process is making this folder right now, unless it was left before we
        # started (a process killed between making the folder and locking it)
        if _mtime(folder) < started:
            _clear_files(folder)
            _remove_empty(folder)
        return
    except OSError:
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return   # its process is alive
        _clear_files(folder)
        (folder / LOCK_NAME).unlink(missing_ok=True)
        _remove_empty(folder)
    finally:
        os.close(fd)


def _clear_files(folder: Path, older_than: float | None = None) -> None:
    """Remove our regular files in `folder` (those older than `older_than`, when given)."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if not entry.name.startswith(PREFIX):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid():
                continue
            if older_than is None or info.st_mtime < older_than:
                os.unlink(entry.path)
        except OSError:
            continue


def _remove_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass   # something not ours is left in it


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return time.time()


def _process_start() -> float:
    try:
        return psutil.Process().create_time()
    except psutil.Error:
        return time.time()
