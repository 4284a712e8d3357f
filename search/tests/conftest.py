from __future__ import annotations

import uuid

import pytest

from tests.support.elasticsearch_server import ElasticsearchServer


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
