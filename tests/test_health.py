from __future__ import annotations

import socket
import time

import pytest
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections
from django.urls import reverse

from search import embeddings
from search.models import PendingIndexUpdate

pytestmark = pytest.mark.django_db

URL_PASSWORD = "url-pa55word-never-shown"
ES_PASSWORD = "es-pa55word-never-shown"


@pytest.fixture
def unreachable_elasticsearch(settings):
    settings.SEARCH_BACKEND = "elasticsearch"
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:9"  # discard port: nothing listens
    settings.ELASTICSEARCH_MAX_RETRIES = 0
    return settings


def test_it_is_ok_with_the_embedded_index_and_never_loads_the_model(client):
    embeddings.reset()

    response = client.get(reverse("health"))

    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == {"ok": True}
    assert body["index"] == {"ok": True, "backend": "embedded", "reachable": True, "pending": 0}
    assert body["model"] == {
        "ok": True,
        "name": embeddings.active_model_name(),
        "loaded": False,
        "precision": "",
        "error": "",
        "state": "cold",
        "retry_in_s": None,
        "precision_choice": "",
    }
    assert not embeddings.model_status().loaded


def test_it_says_the_model_is_loaded_once_a_worker_loaded_it(client):
    embeddings.get_encoder()

    model = client.get(reverse("health")).json()["model"]
    assert model["loaded"] is True
    assert model["precision"] == embeddings.resolve_precision(settings.EMBEDDING_PRECISION)


def test_it_counts_changes_waiting_for_the_index(client):
    PendingIndexUpdate.objects.create(photo_id=1)
    PendingIndexUpdate.objects.create(photo_id=2, attempts=3, last_error="refused")

    assert client.get(reverse("health")).json()["index"]["pending"] == 2


def test_it_is_degraded_when_elasticsearch_is_unreachable(client, unreachable_elasticsearch):
    response = client.get(reverse("health"))

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["database"]["ok"] is True
    assert body["index"]["backend"] == "elasticsearch"
    assert body["index"]["reachable"] is False
    assert "Connection" in body["index"]["error"]


@pytest.mark.parametrize("url", [f"http://elastic:{URL_PASSWORD}@127.0.0.1:9", "http://127.0.0.1:9"])
def test_elasticsearch_passwords_never_appear_in_the_body(client, unreachable_elasticsearch, url):
    unreachable_elasticsearch.ELASTICSEARCH_URL = url
    unreachable_elasticsearch.ELASTICSEARCH_USERNAME = "elastic"
    unreachable_elasticsearch.ELASTICSEARCH_PASSWORD = ES_PASSWORD

    response = client.get(reverse("health"))

    assert response.json()["status"] == "degraded"
    assert URL_PASSWORD not in response.content.decode()
    assert ES_PASSWORD not in response.content.decode()


def test_a_slow_elasticsearch_does_not_hold_the_probe(client, unreachable_elasticsearch):
    # A socket that accepts connections and never answers: a hung node.
    with socket.socket() as hung:
        hung.bind(("127.0.0.1", 0))
        hung.listen(8)
        unreachable_elasticsearch.ELASTICSEARCH_URL = f"http://127.0.0.1:{hung.getsockname()[1]}"
        unreachable_elasticsearch.ELASTICSEARCH_TIMEOUT = 30
        unreachable_elasticsearch.ELASTICSEARCH_MAX_RETRIES = 3
        began = time.monotonic()

        body = client.get(reverse("health")).json()

    assert time.monotonic() - began < 10
    assert body["status"] == "degraded"
    assert body["index"]["reachable"] is False


def test_it_is_degraded_when_the_model_failed_to_load(client, settings, request):
    request.addfinalizer(embeddings.reset)  # forget the failure for later tests
    settings.EMBEDDING_MODEL = "no-such-model"
    with pytest.raises(embeddings.ModelUnavailable):
        embeddings.get_encoder()

    response = client.get(reverse("health"))

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["model"]["ok"] is False
    assert "Unknown EMBEDDING_MODEL" in body["model"]["error"]


def test_model_errors_are_sanitised(client, monkeypatch):
    leaky = f"Could not fetch https://hf-user:{URL_PASSWORD}@models.example.org/clip?token={ES_PASSWORD}"
    monkeypatch.setattr(embeddings, "_last_error", leaky)

    body = client.get(reverse("health")).content.decode()

    assert URL_PASSWORD not in body and ES_PASSWORD not in body
    assert "https://***@models.example.org" in body


def test_it_is_down_with_503_when_the_database_is_unreachable(client, monkeypatch):
    def refuse():
        raise OperationalError(
            f'connection to server at "db.internal" failed: postgres://reunite:{URL_PASSWORD}@db.internal/reunite '
            f"password={ES_PASSWORD}"
        )

    monkeypatch.setattr(connections[DEFAULT_DB_ALIAS], "ensure_connection", refuse)

    response = client.get(reverse("health"))

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["database"]["ok"] is False
    assert body["database"]["error"].startswith("OperationalError: connection to server")
    assert body["index"]["pending"] is None
    assert URL_PASSWORD not in response.content.decode()
    assert ES_PASSWORD not in response.content.decode()


def test_it_answers_get_and_head_only(client):
    assert client.head(reverse("health")).status_code == 200
    assert client.post(reverse("health")).status_code == 405


@pytest.mark.elasticsearch
def test_it_is_ok_with_a_running_elasticsearch(client, elasticsearch_settings):
    body = client.get(reverse("health")).json()

    assert body["status"] == "ok"
    assert body["index"] == {"ok": True, "backend": "elasticsearch", "reachable": True, "pending": 0}
