"""The production set-up end to end: DEBUG off, collectstatic, gunicorn, WhiteNoise, /health/."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def production_env(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("production")
    return {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "a-long-random-production-secret-value-0123456789-abcdefghijklmnop",
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": str(tmp / "static"),
        "MEDIA_ROOT": str(tmp / "media"),
        "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
        "LOG_FORMAT": "json",
    }


@pytest.fixture(scope="module")
def collected(production_env):
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=ROOT,
        env=production_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return Path(production_env["STATIC_ROOT"])


@pytest.fixture(scope="module")
def gunicorn(production_env, collected):
    port = _free_port()
    cmd = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1", "shelter.wsgi"]
    process = subprocess.Popen(cmd, cwd=ROOT, env=production_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            urllib.request.urlopen(f"{base}/health/", timeout=2)
            break
        except urllib.error.HTTPError:
            break
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    try:
        yield base
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0].decode(errors="replace")
        print(output[-3000:])


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect comes back as the response itself


def _get(url: str, **headers: str):
    request = urllib.request.Request(url, headers=headers)
    try:
        return urllib.request.build_opener(_NoRedirects).open(request, timeout=10)
    except urllib.error.HTTPError as response:
        return response


@pytest.mark.parametrize("name", ["css/reunite.css", "js/upload-previews.js"])
def test_collectstatic_writes_hashed_and_compressed_files(collected, name):
    manifest = json.loads((collected / "staticfiles.json").read_text())
    hashed = manifest["paths"][name]

    assert hashed != name
    assert (collected / hashed).is_file()
    assert (collected / f"{hashed}.gz").is_file()


def test_gunicorn_serves_static_files_with_whitenoise(gunicorn, collected):
    hashed = json.loads((collected / "staticfiles.json").read_text())["paths"]["css/reunite.css"]

    response = _get(f"{gunicorn}/static/{hashed}", **{"X-Forwarded-Proto": "https", "Accept-Encoding": "gzip"})

    assert response.status == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "immutable" in response.headers["Cache-Control"]


def test_pages_load_the_hashed_upload_preview_script(gunicorn, collected):
    hashed = json.loads((collected / "staticfiles.json").read_text())["paths"]["js/upload-previews.js"]

    html = _get(f"{gunicorn}/accounts/login/", **{"X-Forwarded-Proto": "https"}).read().decode()

    assert f'<script src="/static/{hashed}" defer></script>' in html
    assert _get(f"{gunicorn}/static/{hashed}", **{"X-Forwarded-Proto": "https"}).status == 200


def test_health_answers_over_plain_http_behind_the_proxy(gunicorn):
    # Every other page redirects to HTTPS; the load balancer's probe must not.
    assert _get(f"{gunicorn}/accounts/login/").status == 301

    response = _get(f"{gunicorn}/health/")

    assert response.status == 200
    assert json.load(response)["database"] == {"ok": True}
