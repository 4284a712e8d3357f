"""Workers load the model as they start, so no request pays for it; /health/ says "warming" until then."""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from search import embeddings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def gunicorn_config():
    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "shelter" / "gunicorn.conf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def slow_load(monkeypatch, request):
    """Loading blocks until the test releases it."""
    request.addfinalizer(embeddings.reset)
    embeddings.reset()
    release = threading.Event()
    real_build = embeddings._build_encoder

    def build(*key):
        release.wait(timeout=30)
        return real_build(*key)

    monkeypatch.setattr(embeddings, "_build_encoder", build)
    return release


@pytest.mark.django_db
def test_health_says_warming_until_the_model_is_loaded(client, slow_load):
    thread = embeddings.warm_up()

    warming = client.get(reverse("health"))
    slow_load.set()
    thread.join(timeout=30)
    ready = client.get(reverse("health"))

    assert warming.status_code == 503
    assert warming.json()["status"] == "warming"
    assert warming.json()["model"]["state"] == "warming"
    assert ready.status_code == 200
    assert ready.json()["status"] == "ok"
    assert ready.json()["model"]["state"] == "ready" and ready.json()["model"]["loaded"] is True
    assert embeddings.model_status().precision_choice


def test_a_failed_warm_up_is_remembered_not_raised(settings, tmp_path, request):
    request.addfinalizer(embeddings.reset)
    embeddings.reset()
    settings.CLIP_MODEL = str(tmp_path / "missing")

    embeddings.warm_up().join(timeout=30)

    status = embeddings.model_status()
    assert status.state == "unavailable"
    assert "CLIP_MODEL" in status.error


class FakeWorker:
    def __init__(self, age: int) -> None:
        self.age = age
        self.notified = 0

    def notify(self) -> None:
        self.notified += 1


def warm_up_taking(monkeypatch, seconds: float) -> list:
    started = []

    def warm_up():
        thread = threading.Thread(target=time.sleep, args=(seconds,))
        thread.start()
        started.append(thread)
        return thread

    monkeypatch.setattr(embeddings, "warm_up", warm_up)
    return started


def test_gunicorn_workers_warm_up_only_when_the_setting_is_on(gunicorn_config, monkeypatch, settings):
    started = warm_up_taking(monkeypatch, 0)

    settings.EMBEDDING_WARM_START = False
    gunicorn_config.post_worker_init(FakeWorker(age=1))
    assert started == []

    settings.EMBEDDING_WARM_START = True
    gunicorn_config.post_worker_init(FakeWorker(age=1))
    assert len(started) == 1


def test_the_first_worker_serves_while_warming_and_the_others_wait_until_warm(gunicorn_config, monkeypatch, settings):
    settings.EMBEDDING_WARM_START = True
    started = warm_up_taking(monkeypatch, 1.5)

    first, second = FakeWorker(age=1), FakeWorker(age=2)
    gunicorn_config.post_worker_init(first)
    first_still_warming = started[0].is_alive()
    gunicorn_config.post_worker_init(second)

    assert first_still_warming, "the first worker starts serving (and answering /health/) at once"
    assert not started[1].is_alive(), "the second took no request before its model was loaded"
    assert second.notified >= 1, "it kept telling the arbiter it is alive"


def test_each_worker_gets_its_share_of_the_cores_for_torch(gunicorn_config, monkeypatch):
    monkeypatch.delenv("TORCH_THREADS", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    server = type("Server", (), {"cfg": type("Config", (), {"workers": 2})()})()

    gunicorn_config.post_fork(server, FakeWorker(age=1))
    assert os.environ["TORCH_THREADS"] == "4"

    monkeypatch.setenv("TORCH_THREADS", "3")
    gunicorn_config.post_fork(server, FakeWorker(age=1))
    assert os.environ["TORCH_THREADS"] == "3", "an explicit TORCH_THREADS wins"


@pytest.mark.django_db
def test_management_commands_never_load_the_model(settings, request):
    request.addfinalizer(embeddings.reset)
    embeddings.reset()
    settings.EMBEDDING_WARM_START = True

    call_command("check")
    call_command("migrate", verbosity=0)

    assert embeddings.model_status().state == "cold"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _health(port: int) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=5) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as response:
        return response.code, json.load(response)


@pytest.mark.slow
@pytest.mark.parametrize("warm_start", ["1", "0"])
def test_the_production_command_loads_the_model_in_every_worker_before_any_request(settings, tmp_path, warm_start):
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "a-long-random-test-secret-value-0123456789-abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "CLIP_MODEL": settings.CLIP_MODEL,
        "EMBEDDING_PRECISION_CACHE": str(tmp_path / "precision.json"),
        "EMBEDDING_WARM_START": warm_start,
        "LOG_LEVEL": "INFO",
    }
    port = _free_port()
    command = [sys.executable, "-m", "gunicorn", "-c", "shelter/gunicorn.conf.py", "--bind", f"127.0.0.1:{port}"]
    log_path = tmp_path / "gunicorn.log"
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log_path.open("w"), stderr=subprocess.STDOUT)
    try:
        answer = _wait_for_ok(server, port)
        # Only /health/ was asked, and it never loads: any load here is a warm-up.
        loads_expected = 2 if warm_start == "1" else 0
        deadline = time.monotonic() + 60
        while log_path.read_text().count("Loaded embedding model") < loads_expected and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=30)
    log = log_path.read_text(errors="replace")

    assert answer is not None and answer[0] == 200, log[-3000:]
    model = answer[1]["model"]
    if warm_start == "1":
        assert (model["state"], model["loaded"]) == ("ready", True), "ok only once the worker holds the model"
        assert log.count("Loaded embedding model") == 2, "both workers loaded it without being asked"
    else:
        assert (model["state"], model["loaded"]) == ("cold", False)
        assert "Loaded embedding model" not in log


def _wait_for_ok(server: subprocess.Popen, port: int) -> tuple[int, dict] | None:
    deadline, answer = time.monotonic() + 120, None
    while time.monotonic() < deadline and server.poll() is None:
        try:
            answer = _health(port)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            answer = None
        if answer is not None and answer[1]["status"] == "ok":
            break
        time.sleep(0.1)
    return answer
