"""Test set-up shared by every app: a tiny local CLIP, temp media, fast hashing."""

from __future__ import annotations

import uuid

import pytest

from tests.support.elasticsearch_server import ElasticsearchServer


@pytest.fixture(scope="session", autouse=True)
def _test_settings(tmp_path_factory):
    from django.conf import settings

    from search import embeddings
    from tests.support.tiny_clip import build_tiny_clip

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")
    settings.EMBEDDING_MODEL = "clip"
    settings.CLIP_MODEL = str(build_tiny_clip(tmp_path_factory.mktemp("tiny-clip")))
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
    from search.backends import reset_index

    reset_index()
    yield
    reset_index()


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
