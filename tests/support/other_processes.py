"""Real second processes for tests: `manage.py` commands and writers that share the test's database and index."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connections

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def database_for_other_processes(directory: Path) -> Iterator[str]:
    """Yield a DATABASE_URL that opens the database this test uses, from another process.

    pytest-django keeps a SQLite test database in memory, where no other process can see it: inside
    the block the test's connection uses a file copy of it (schema and rows, in WAL mode so one process
    can read while another writes), and the in-memory database waits untouched for the next test.
    A PostgreSQL test database (`make test-postgres`) is shared as it is.
    """
    connection = connections["default"]
    if connection.vendor != "sqlite":
        yield urlsplit(os.environ["DATABASE_URL"])._replace(path="/" + connection.settings_dict["NAME"]).geturl()
        return
    if not connection.is_in_memory_db():
        yield f"sqlite:///{connection.settings_dict['NAME']}"
        return
    connection.ensure_connection()
    in_memory = connection.connection
    path = directory / "shared.sqlite3"
    copy = sqlite3.connect(path)
    in_memory.backup(copy)
    copy.execute("PRAGMA journal_mode=WAL")
    copy.close()
    name = connection.settings_dict["NAME"]
    # Django connects anew, to the file; `in_memory` keeps the in-memory database alive meanwhile.
    connection.connection = None
    connection.settings_dict["NAME"] = str(path)
    try:
        yield f"sqlite:///{path}"
    finally:
        connection.close()
        connection.settings_dict["NAME"] = name
        connection.connection = in_memory


def environment(database_url: str, **overrides: str) -> dict[str, str]:
    """The environment of a process configured like this test: database, index, model and media."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "shelter.settings",
        "DATABASE_URL": database_url,
        "SEARCH_BACKEND": settings.SEARCH_BACKEND,
        "ELASTICSEARCH_URL": settings.ELASTICSEARCH_URL,
        "ELASTICSEARCH_INDEX": settings.ELASTICSEARCH_INDEX,
        "ELASTICSEARCH_REFRESH_ON_WRITE": "1" if settings.ELASTICSEARCH_REFRESH_ON_WRITE else "0",
        "ELASTICSEARCH_TIMEOUT": str(settings.ELASTICSEARCH_TIMEOUT),
        "ELASTICSEARCH_MAX_RETRIES": str(settings.ELASTICSEARCH_MAX_RETRIES),
        "ELASTICSEARCH_OPERATION_TIMEOUT": str(settings.ELASTICSEARCH_OPERATION_TIMEOUT),
        "EMBEDDING_MODEL": settings.EMBEDDING_MODEL,
        "CLIP_MODEL": str(settings.CLIP_MODEL),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    env.update(overrides)
    return env


def run_manage(database_url: str, *args: str, timeout: float, **overrides: str) -> subprocess.CompletedProcess:
    """Run `manage.py ARGS` to its end; a run longer than `timeout` (a hang) raises TimeoutExpired."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment(database_url, **overrides),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def wait_for(path: Path, process: subprocess.Popen | None = None, timeout: float = 60) -> None:
    """Wait until `path` exists (a handshake file); fail at once if `process` died meanwhile."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        if process is not None and process.poll() is not None:
            raise AssertionError(f"the other process exited ({process.returncode}):\n{process.stderr.read()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"no {path.name} within {timeout} s")
        time.sleep(0.05)
