"""Tasks the worker tests enqueue: module-level functions, as django-tasks requires."""

from __future__ import annotations

import os
import time
from pathlib import Path

from django_tasks import task


@task()
def note(path: str, number: int, pause: float = 0.0) -> None:
    """Append "number pid" to a file: a task run twice leaves two lines. `pause` makes it take a while."""
    time.sleep(pause)
    with Path(path).open("a") as handle:
        handle.write(f"{number} {os.getpid()}\n")


class Flaky(RuntimeError):
    pass


@task()
def fail_until(path: str, failures: int) -> None:
    """Fail the first `failures` runs (counted in a file), then succeed."""
    runs = Path(path)
    count = int(runs.read_text()) if runs.exists() else 0
    runs.write_text(str(count + 1))
    if count < failures:
        raise Flaky(f"run {count + 1} fails on purpose")
