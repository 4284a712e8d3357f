"""Test set-up shared by every app: a tiny local CLIP, temp media, fast hashing."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.support.elasticsearch_server import ElasticsearchServer

pytest_plugins = ["tests.fixtures"]


def pytest_configure(config):
    """Current .mo files for whoever runs pytest directly (`make install` compiles them too)."""
    from tests.support.translations import compile_catalogues

    compile_catalogues()


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(config, items):
    """Tests on the real EfficientNet weights are slow; PostgreSQL-only tests are deselected (not
    skipped) on another database, and the run says so."""
    from django.conf import settings

    for item in items:
        if "bundled_model" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)

    if "postgresql" in settings.DATABASES["default"]["ENGINE"]:
        return
    elsewhere = [item for item in items if item.get_closest_marker("postgres")]
    if elsewhere:
        config.hook.pytest_deselected(items=elsewhere)
        items[:] = [item for item in items if not item.get_closest_marker("postgres")]
        config._postgres_deselected = len(elsewhere)


def pytest_terminal_summary(terminalreporter, config):
    count = getattr(config, "_postgres_deselected", 0)
    if count:
        terminalreporter.write_line(f"{count} PostgreSQL-only test(s) deselected: `make test` runs them on PostgreSQL.")


@pytest.fixture(scope="session", autouse=True)
def _test_settings(tmp_path_factory):
    from django.conf import settings

    from search import embeddings
    from tests.support.tiny_clip import build_tiny_clip

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")
    settings.EMBEDDING_MODEL = "clip"
    settings.CLIP_MODEL = str(build_tiny_clip(tmp_path_factory.mktemp("tiny-clip")))
    # The tiny CLIP has random weights: different photos reach cosines of 0.99, so only the very same
    # photo is a likely match. Tests of other bands set their own thresholds.
    settings.MATCH_THRESHOLDS = {
        **settings.MATCH_THRESHOLDS,
        Path(settings.CLIP_MODEL).name: {"likely": 0.999, "possible": 0.999, "measured_on": "the tiny test CLIP"},
    }
    # EMBEDDING_PRECISION=auto measures and caches its choice: never in the developer's own cache.
    settings.EMBEDDING_PRECISION_CACHE = str(tmp_path_factory.mktemp("precision") / "embedding-precision.json")
    settings.SEARCH_BACKEND = "embedded"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    embeddings.reset()
    yield


@pytest.fixture(autouse=True)
def _fresh_index():
    """Each test starts with a backend that has not cached another test's rows."""
    from search.index import reset_index

    reset_index()
    yield
    reset_index()


@pytest.fixture
def run_worker():
    """What the background worker does, done here and now: returns how many things it did."""
    from worker.loop import drain

    return drain


@pytest.fixture(scope="session")
def elasticsearch_server():
    """A real Elasticsearch, started once for the session and stopped afterwards."""
    server = ElasticsearchServer()
    server.start()
    yield server
    server.stop(remove_data=True)


@pytest.fixture
def elasticsearch_settings(request, settings):
    server = request.getfixturevalue("elasticsearch_server")
    settings.SEARCH_BACKEND = "elasticsearch"
    settings.ELASTICSEARCH_URL = server.url
    settings.ELASTICSEARCH_INDEX = f"test-{uuid.uuid4().hex[:12]}"
    settings.ELASTICSEARCH_REFRESH_ON_WRITE = True
    settings.ELASTICSEARCH_TIMEOUT = 30
    yield settings
    from search.backends.elasticsearch import ElasticsearchIndex

    if server.is_running():
        ElasticsearchIndex().drop()


@pytest.fixture(params=["embedded", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
def index_backend(request, settings):
    if request.param == "elasticsearch":
        request.getfixturevalue("elasticsearch_settings")
    else:
        settings.SEARCH_BACKEND = "embedded"
    return request.param
