"""Debian packages for the test set-up (Chromium, PostgreSQL, the darknet sample photos), with apt-get.

Only root on a Debian machine (CI, fresh containers) installs anything or refreshes the package
lists; callers check `can_install()` and tell everyone else what to install by hand. Each caller
passes its own error class, so a failure reads as that caller's (ChromiumNotFound, ...).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

UPDATE_TIMEOUT_S = 300
INSTALL_TIMEOUT_S = 900
DOWNLOAD_TIMEOUT_S = 300
# How long apt-get waits for dpkg's lock when something outside the tests holds it.
DPKG_LOCK_TIMEOUT_S = 120
# Parallel test processes take turns: dpkg's own lock would make all but one of them fail.
LOCK_FILE = Path("/tmp/reunite-apt.lock")
LISTS = Path("/var/lib/apt/lists")


def can_install() -> bool:
    """Whether this process may install packages and refresh the package lists."""
    return os.geteuid() == 0 and Path("/etc/debian_version").is_file() and shutil.which("apt-get") is not None


def install(*packages: str, error: type[Exception]) -> None:
    """Install `packages` without their recommends (needs `can_install()`)."""
    with _one_at_a_time():
        # Another process may have installed them while this one waited for its turn with apt-get.
        missing = [package for package in packages if not _installed(package)]
        if missing:
            _run("install", "-y", "--no-install-recommends", *missing, error=error, timeout=INSTALL_TIMEOUT_S)


def download(package: str, folder: Path, *, error: type[Exception]) -> None:
    """Fetch `package`'s .deb into `folder` without installing it (no root needed once the lists are there)."""
    with _one_at_a_time():
        _run("download", package, error=error, timeout=DOWNLOAD_TIMEOUT_S, cwd=folder)


@contextlib.contextmanager
def _one_at_a_time() -> Iterator[None]:
    try:
        # Read-only is enough for flock, and works when another user (root) created the file.
        handle = LOCK_FILE.open()
    except FileNotFoundError:
        handle = LOCK_FILE.open("a")
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _installed(package: str) -> bool:
    proc = subprocess.run(["dpkg-query", "--show", "--showformat=${Status}", package], capture_output=True, text=True)
    return proc.returncode == 0 and proc.stdout.endswith(" installed")


def _run(*args: str, error: type[Exception], timeout: int, cwd: Path | None = None) -> None:
    """`apt-get args`, refreshing the package lists (as root) when apt does not know the package.

    A fresh container (or an image that ran `rm -rf /var/lib/apt/lists/*`) knows no packages at
    all; stale lists name versions the mirror no longer has.
    """
    refreshed = False
    if can_install() and not any(LISTS.glob("*_Packages*")):
        _check(_apt_get("update", error=error, timeout=UPDATE_TIMEOUT_S), error)
        refreshed = True
    proc = _apt_get(*args, error=error, timeout=timeout, cwd=cwd)
    if proc.returncode != 0 and not refreshed and can_install():
        _check(_apt_get("update", error=error, timeout=UPDATE_TIMEOUT_S), error)
        proc = _apt_get(*args, error=error, timeout=timeout, cwd=cwd)
    _check(proc, error)


def _apt_get(*args: str, error: type[Exception], timeout: int, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    cmd = ["apt-get", "-q", "-o", f"DPkg::Lock::Timeout={DPKG_LOCK_TIMEOUT_S}", *args]
    try:
        return subprocess.run(
            cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired:
        raise error(f"'{' '.join(cmd)}' took longer than {timeout} s; run it by hand.") from None


def _check(proc: subprocess.CompletedProcess, error: type[Exception]) -> None:
    if proc.returncode != 0:
        output = (proc.stdout + proc.stderr).strip()[-3000:]
        hint = "" if can_install() else " (run once as root so 'apt-get update' can refresh the package lists)"
        raise error(f"'{' '.join(proc.args)}' failed (exit {proc.returncode}){hint}:\n{output}")
