"""What the throwaway servers of the test set-up (Elasticsearch, PostgreSQL, moto S3) share:
their life cycle (ThrowawayServer), free ports, a child that dies with its parent, stopping a
process group, log tails, the system user a server that refuses root runs as."""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import pwd
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any, Self


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


def ensure_system_user(name: str, error: type[Exception]) -> pwd.struct_passwd:
    """The system user `name` (no home, no login shell), created on first use.

    Elasticsearch and PostgreSQL refuse to run as root, so as root each runs as its own user.
    """
    try:
        return pwd.getpwnam(name)
    except KeyError:
        pass
    proc = subprocess.run(
        ["useradd", "--system", "--no-create-home", "--user-group", "--shell", "/usr/sbin/nologin", name],
        capture_output=True,
        text=True,
    )
    try:
        # Re-read even on failure: a parallel test process may have created it first.
        return pwd.getpwnam(name)
    except KeyError:
        raise error(f"Could not create system user {name!r}: {proc.stderr.strip()}") from None


class ThrowawayServer:
    """The life cycle of a server process started for tests and thrown away after them.

    `start()` prepares (`_prepare`), spawns (`_spawn`), polls `_ready()` until the server answers
    (failing early, with `_log_tail()`, when the process dies) and runs `_after_ready()`; on any
    failure it stops again, so nothing is left half-started. `stop()` stops the process with
    `stop_signal` and then runs `_teardown()`. `close()` (also `__exit__` and interpreter exit)
    releases everything; a subclass that keeps data across `stop()` (Elasticsearch: outage and
    recovery tests) overrides it.
    """

    name = "server"  # as the error messages call it
    error: type[Exception] = RuntimeError  # each server raises its own
    ready_means = "answer"  # "<name> did not <ready_means> within N s"
    ready_poll_s = 0.2
    # Also what the kernel sends the server if the test process dies first (die_with_parent).
    stop_signal = signal.SIGTERM
    stop_timeout_s = 30.0

    def __init__(self, start_timeout: float) -> None:
        self.start_timeout = start_timeout
        self.last_start_seconds: float | None = None
        self._process: subprocess.Popen[bytes] | None = None
        # One start or stop at a time, even when a test drives the server from a second thread.
        self._lock = threading.RLock()
        atexit.register(self.close)

    def is_running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> Self:
        with self._lock:
            if self.is_running():
                return self
            began = time.monotonic()
            try:
                self._prepare()
                self._process = self._spawn()
                self._wait_until_ready()
                self._after_ready()
            except BaseException:
                self.stop()
                raise
            self.last_start_seconds = time.monotonic() - began
            return self

    def stop(self) -> None:
        with self._lock:
            process, self._process = self._process, None
            if process is not None:
                self._terminate(process)
            self._teardown()

    def close(self) -> None:
        self.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _prepare(self) -> None:
        """Whatever the server needs before it runs: binaries, users, directories, ports."""

    def _spawn(self) -> subprocess.Popen[bytes]:
        raise NotImplementedError

    def _ready(self) -> bool:
        """Whether the server answers yet (asked again every `ready_poll_s` until `start_timeout`)."""
        raise NotImplementedError

    def _after_ready(self) -> None:
        """Set-up that needs the running server (PostgreSQL: its database)."""

    def _log_tail(self) -> str:
        """The end of the server's log, for the error when it does not start."""
        raise NotImplementedError

    def _port(self) -> int | None:
        """The port the server listens on: `stop()` waits until it is closed, so a restart does not race."""
        return None

    def _teardown(self) -> None:
        """What goes once the process is stopped (temporary directories, ports)."""

    def _popen(self, cmd: list[str], log: Path, **kwargs: Any) -> subprocess.Popen[bytes]:
        """Start `cmd` with its output appended to `log`, in its own session, dying with this process."""
        with open(log, "ab") as output:
            return subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                # Own session: a terminal's Ctrl-C reaches only us, we stop the server in order, and
                # stop_session can kill whatever the server forked.
                start_new_session=True,
                preexec_fn=die_with_parent(self.stop_signal),
                **kwargs,
            )

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                raise self.error(
                    f"{self.name} exited with code {self._process.returncode} during startup.\n{self._log_tail()}"
                )
            if self._ready():
                return
            time.sleep(self.ready_poll_s)
        raise self.error(
            f"{self.name} did not {self.ready_means} within {self.start_timeout:.0f}s.\n{self._log_tail()}"
        )

    def _terminate(self, process: subprocess.Popen[bytes]) -> None:
        stop_session(process, self.stop_signal, self.stop_timeout_s, self._port())
