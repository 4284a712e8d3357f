"""Start and stop a throw-away PostgreSQL server, to run the test suite on PostgreSQL.

The server comes from Debian's ``postgresql`` package (installed with apt-get
when missing and running as root). Each instance gets a fresh cluster in a
temporary directory, listens on 127.0.0.1 on a free port with trust
authentication, and is removed again by ``stop()``. PostgreSQL refuses to run
as root, so as root the cluster belongs to the system user ``reunite-pg``
(created on first use), as Elasticsearch's belongs to ``reunite-es``.

Usage from Python::

    with PostgresServer() as pg:
        os.environ["DATABASE_URL"] = pg.url
        ...

Usage from the shell::

    python -m tests.support.postgres_server run -- python -m pytest -q   # DATABASE_URL exported
    python -m tests.support.postgres_server run                           # print the URL, serve until Ctrl-C

The database user is a superuser, so pytest-django can create its ``test_<name>``
databases. Durability is switched off (``fsync=off``): the data is thrown away.

Environment variables:

``PG_TEST_BIN``
    Directory holding ``initdb`` and ``postgres``; otherwise ``pg_config --bindir``
    and the newest ``/usr/lib/postgresql/*/bin`` are tried.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import apt
from .processes import ThrowawayServer, ensure_system_user, free_port, raise_keyboard_interrupt, tail

PG_USER = "reunite-pg"
DB_USER = "reunite"
DB_NAME = "reunite"

START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 30.0

# Nothing here must survive a crash, so trade durability for speed.
SERVER_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "50",
    "shared_buffers": "64MB",
    "log_min_messages": "warning",
}


class PostgresServerError(RuntimeError):
    """Raised when the test server cannot be installed, started or stopped."""


def _has_server(bindir: Path) -> bool:
    return all(os.access(bindir / name, os.X_OK) for name in ("initdb", "postgres", "pg_isready"))


def _candidate_bindirs() -> list[Path]:
    candidates = []
    explicit = os.environ.get("PG_TEST_BIN")
    if explicit:
        return [Path(explicit)]
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, timeout=10).stdout
            candidates.append(Path(out.strip()))
    versioned = []
    for path in Path("/usr/lib/postgresql").glob("*/bin"):
        match = re.fullmatch(r"\d+", path.parent.name)
        if match:
            versioned.append((int(path.parent.name), path))
    candidates += [path for _, path in sorted(versioned, reverse=True)]
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).resolve().parent)
    return candidates


def find_bindir() -> Path | None:
    for bindir in _candidate_bindirs():
        if _has_server(bindir):
            return bindir
    return None


def ensure_bindir() -> Path:
    """The server binaries, installing Debian's ``postgresql`` package when missing (as root)."""
    bindir = find_bindir()
    if bindir is not None:
        return bindir
    if os.environ.get("PG_TEST_BIN"):
        raise PostgresServerError(f"PG_TEST_BIN={os.environ['PG_TEST_BIN']} has no initdb/postgres/pg_isready.")
    if not apt.can_install():
        raise PostgresServerError(
            "PostgreSQL server binaries not found. Install them ('apt-get install postgresql') "
            "or point PG_TEST_BIN at the directory holding initdb and postgres."
        )
    apt.install("postgresql", error=PostgresServerError)
    bindir = find_bindir()
    if bindir is None:
        raise PostgresServerError("apt-get installed postgresql, but initdb/postgres/pg_isready are still missing.")
    return bindir


class PostgresServer(ThrowawayServer):
    """A PostgreSQL cluster in a temporary directory on 127.0.0.1 and a free port.

    ``start()`` runs initdb, starts the server and creates the database;
    ``stop()`` shuts the server down and deletes the cluster.
    """

    name = "PostgreSQL"
    error = PostgresServerError
    ready_means = "accept connections"
    # SIGINT is PostgreSQL's fast shutdown: roll back open transactions, disconnect, exit cleanly.
    stop_signal = signal.SIGINT
    stop_timeout_s = STOP_TIMEOUT_S

    def __init__(self, *, bindir: Path | None = None, start_timeout: float = START_TIMEOUT_S) -> None:
        self._bindir = bindir
        self.port: int | None = None
        self._base_dir: Path | None = None
        self._user: pwd.struct_passwd | None = None
        super().__init__(start_timeout)

    @property
    def url(self) -> str:
        """A ``dj-database-url`` URL; trust authentication, so no password."""
        if self.port is None:
            raise PostgresServerError("Server has not been started yet")
        return f"postgres://{DB_USER}@127.0.0.1:{self.port}/{DB_NAME}"

    @property
    def log_file(self) -> Path | None:
        return self._base_dir / "postgres.log" if self._base_dir else None

    def _prepare(self) -> None:
        if self._bindir is None:
            self._bindir = ensure_bindir()
        if os.geteuid() == 0:
            self._user = ensure_system_user(PG_USER, PostgresServerError)
        base = Path(tempfile.mkdtemp(prefix="reunite-pg-"))
        (base / "run").mkdir()
        if self._user is not None:
            for path in (base, base / "run"):
                os.chown(path, self._user.pw_uid, self._user.pw_gid)
        # initdb wants to create (or own) the data directory itself; base must be traversable.
        base.chmod(0o755)
        self._base_dir = base
        self.port = free_port()
        self._initdb()

    def _as_user(self) -> dict[str, object]:
        if self._user is None:
            return {}
        # user=/group= switch identity right before exec: no su/runuser wrapper in between.
        return {"user": self._user.pw_uid, "group": self._user.pw_gid, "extra_groups": []}

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env.update(LC_ALL="C.UTF-8", LANG="C.UTF-8", TZ="UTC")
        if self._user is not None:
            env.update(HOME=str(self._base_dir), USER=PG_USER, LOGNAME=PG_USER)
        return env

    def _run(self, program: str, *args: str) -> None:
        assert self._bindir is not None and self._base_dir is not None
        proc = subprocess.run(
            [str(self._bindir / program), *args],
            cwd=self._base_dir,
            env=self._env(),
            capture_output=True,
            text=True,
            timeout=120,
            **self._as_user(),  # type: ignore[arg-type]
        )
        if proc.returncode != 0:
            raise PostgresServerError(f"{program} failed ({proc.returncode}):\n{(proc.stdout + proc.stderr)[-3000:]}")

    def _initdb(self) -> None:
        assert self._base_dir is not None
        self._run(
            "initdb",
            "--pgdata",
            str(self._base_dir / "data"),
            "--username",
            DB_USER,
            "--auth",
            "trust",
            "--encoding",
            "UTF8",
            "--locale",
            "C.UTF-8",
            "--no-sync",
            "--no-instructions",
        )

    def _spawn(self) -> subprocess.Popen[bytes]:
        assert self._bindir and self._base_dir and self.port
        base = self._base_dir
        settings = {**SERVER_SETTINGS, "port": str(self.port), "unix_socket_directories": str(base / "run")}
        cmd = [str(self._bindir / "postgres"), "-D", str(base / "data")]
        for key, value in settings.items():
            cmd += ["-c", f"{key}={value}"]
        log = base / "postgres.log"
        log.touch()
        if self._user is not None:
            os.chown(log, self._user.pw_uid, self._user.pw_gid)
        return self._popen(cmd, log, cwd=base, env=self._env(), **self._as_user())

    def _ready(self) -> bool:
        assert self._bindir is not None
        ready = [str(self._bindir / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port), "-U", DB_USER]
        return subprocess.run(ready, env=self._env(), capture_output=True).returncode == 0

    def _after_ready(self) -> None:
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", DB_USER, DB_NAME)

    def _log_tail(self) -> str:
        return tail(self.log_file) if self.log_file else ""

    def _port(self) -> int | None:
        return self.port

    def _teardown(self) -> None:
        if self._base_dir is not None:
            shutil.rmtree(self._base_dir, ignore_errors=True)
        self._base_dir = None
        self.port = None


def _run_command(command: list[str], url: str) -> int:
    child = subprocess.Popen(command, env={**os.environ, "DATABASE_URL": url})
    try:
        return child.wait()
    except KeyboardInterrupt:
        # A terminal's Ctrl-C reached the child too; SIGTERM is for a `kill` of this process.
        with contextlib.suppress(ProcessLookupError):
            child.terminate()
        try:
            child.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        return 130


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.support.postgres_server")
    sub = parser.add_subparsers(dest="action", required=True)
    run = sub.add_parser("run", help="start a server; run COMMAND with DATABASE_URL set, or serve until Ctrl-C")
    run.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND [ARGS...]")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command

    server = PostgresServer()
    signal.signal(signal.SIGTERM, raise_keyboard_interrupt)
    try:
        server.start()
        print(
            f"PostgreSQL ready at {server.url} (started in {server.last_start_seconds:.1f}s)",
            file=sys.stderr,
            flush=True,
        )
        if command:
            return _run_command(command, server.url)
        print(f"DATABASE_URL={server.url}", flush=True)
        while server.is_running():
            time.sleep(1)
        print(f"PostgreSQL exited unexpectedly:\n{server._log_tail()}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130 if command else 0
    except PostgresServerError as exc:
        print(exc, file=sys.stderr)
        return 1
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
