"""What the throwaway servers of the test set-up (Elasticsearch, PostgreSQL, moto S3) share:
free ports, a child that dies with its parent, stopping a process group, log tails."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def die_with_parent(sig: signal.Signals = signal.SIGTERM) -> Callable[[], None]:
    """A `preexec_fn` that has the kernel send `sig` to the child when its parent dies.

    Without it a test run killed with SIGKILL (CI timeout, OOM killer) would leave the
    server running forever in its own session. Popen runs it after switching uid, so
    the kernel does not clear the flag on the uid change. The "parent" is the *thread*
    that called Popen: start servers from a long-lived thread (pytest's main thread).
    """

    def set_parent_death_signal() -> None:
        with contextlib.suppress(OSError, AttributeError):
            pr_set_pdeathsig = 1
            ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, int(sig))

    return set_parent_death_signal


def stop_session(process: subprocess.Popen, sig: signal.Signals, timeout: float, port: int | None = None) -> None:
    """Ask a session leader (started with start_new_session=True) to stop with `sig`; kill what is left.

    Then wait until `port` is closed, so a restart on the same port does not race the old server.
    """
    if process.poll() is None:
        process.send_signal(sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=timeout)
    # Whatever is left in the session (a hung parent or an orphaned child) is killed, so the
    # ports and data-directory locks are really released.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    if port is not None:
        deadline = time.monotonic() + 10
        while port_open(port) and time.monotonic() < deadline:
            time.sleep(0.1)


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"<{path} not readable>"


def raise_keyboard_interrupt(signum: int, frame: object) -> None:
    """A signal handler: SIGTERM (CI, `kill`) takes the same clean path as Ctrl-C."""
    raise KeyboardInterrupt
