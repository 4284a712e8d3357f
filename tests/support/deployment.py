"""A throwaway Reunite as real processes for drills: gunicorn and background workers on the test's database."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests
from django.conf import settings
from django.test import Client

from .other_processes import ROOT, environment
from .processes import die_with_parent, free_port, stop_session


class Deployment:
    """Web and worker processes configured like this test (database, index, model), with their own media folder.

    Fast polling and short back-offs, so a drill sees the worker recover in seconds rather than minutes.
    """

    def __init__(self, database_url: str, folder: Path, **overrides: str) -> None:
        self.media = folder / "media"
        self.logs = folder / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.env = environment(
            database_url,
            # As `make run`: plain HTTP with ordinary cookies. (Production settings are drilled in
            # tests/test_production_serving.py.)
            DEBUG="1",
            SECRET_KEY=settings.SECRET_KEY,  # sessions made by the test's own client stay valid
            MEDIA_ROOT=str(self.media),
            MATCH_THRESHOLD="0.999",
            WORKER_POLL_SECONDS="0.1",
            WORKER_RETRY_BASE_SECONDS="0.2",
            WORKER_RETRY_MAX_SECONDS="2",
            LOG_LEVEL="WARNING",
            **overrides,
        )
        self.processes: dict[str, subprocess.Popen] = {}
        self.url = ""

    def _spawn(self, name: str, command: list[str]) -> subprocess.Popen:
        log = (self.logs / f"{name}.log").open("ab")
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=die_with_parent(),
        )
        self.processes[name] = process
        return process

    def start_web(self, workers: int = 2, threads: int = 4) -> str:
        port = free_port()
        command = [sys.executable, "-m", "gunicorn", "shelter.wsgi", "--bind", f"127.0.0.1:{port}"]
        command += ["--worker-class", "gthread", "--workers", str(workers), "--threads", str(threads)]
        self._spawn("web", command)
        self.url = f"http://127.0.0.1:{port}"
        self._wait_for_web()
        return self.url

    def _wait_for_web(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.processes["web"].poll() is not None:
                raise AssertionError(f"gunicorn exited:\n{self.log('web')}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{self.url}/health/", timeout=2).status_code < 500:
                    return
            time.sleep(0.2)
        raise AssertionError(f"gunicorn did not answer within {timeout} s:\n{self.log('web')}")

    def start_worker(self, name: str = "worker") -> subprocess.Popen:
        return self._spawn(name, [sys.executable, "manage.py", "run_worker", "--worker-id", name])

    def kill(self, name: str) -> None:
        """Kill a process and its children at once (SIGKILL): a crash, not a shutdown."""
        process = self.processes.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def log(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def stop(self) -> None:
        for process in self.processes.values():
            stop_session(process, signal.SIGTERM, timeout=20)
        self.processes.clear()

    def session_for(self, user) -> requests.Session:
        """A browser-like session logged in as `user`, with a CSRF token for its forms."""
        client = Client()
        client.force_login(user)
        session = requests.Session()
        session.cookies.set("sessionid", client.cookies["sessionid"].value)
        session.get(f"{self.url}/dogs/new/", timeout=30)  # a page with a form: sets the CSRF cookie
        return session

    def post(self, session: requests.Session, path: str, data: dict, files=None, timeout: float = 60):
        form = {"csrfmiddlewaretoken": session.cookies["csrftoken"], **data}
        return session.post(f"{self.url}{path}", data=form, files=files, timeout=timeout, allow_redirects=False)


def wait_until(condition, timeout: float, message: str, every: float = 0.2):
    """Poll `condition` until it returns something truthy; fail with `message` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(every)
    raise AssertionError(message)
