"""A model that cannot be loaded is remembered, with back-off: callers fail at once, not after retries."""

from __future__ import annotations

import socket

import pytest
from django.urls import reverse

from search import embeddings
from tests.support.photos import make_image


@pytest.fixture
def unloadable(settings, monkeypatch, request):
    """A model whose every load attempt fails, and a count of the attempts."""
    request.addfinalizer(embeddings.reset)
    embeddings.reset()
    attempts = []

    def fail_to_load(*key):
        attempts.append(key)
        raise embeddings.ModelUnavailable("Could not fetch https://huggingface.co/x: set CLIP_MODEL to a folder.")

    monkeypatch.setattr(embeddings, "_build_encoder", fail_to_load)
    return attempts


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(embeddings, "_monotonic", lambda: now[0])
    return now


def test_the_second_call_fails_without_trying_to_load_again(unloadable):
    with pytest.raises(embeddings.ModelUnavailable):
        embeddings.embed_image(make_image(1))
    with pytest.raises(embeddings.ModelUnavailable) as second:
        embeddings.embed_images([make_image(2)])

    assert len(unloadable) == 1
    assert str(second.value) == embeddings.UNAVAILABLE_MESSAGE
    assert "huggingface.co" in second.value.detail


def test_it_tries_again_after_a_minute_then_waits_twice_as_long_up_to_ten(unloadable, clock):
    waits = []
    for _ in range(6):
        with pytest.raises(embeddings.ModelUnavailable):
            embeddings.get_encoder()
        waits.append(embeddings.model_status().retry_in_s)
        clock[0] += waits[-1] - 1
        with pytest.raises(embeddings.ModelUnavailable):
            embeddings.get_encoder()  # still waiting: no attempt
        clock[0] += 1

    assert waits == [60, 120, 240, 480, 600, 600]
    assert len(unloadable) == 6


def test_changing_the_model_setting_tries_at_once(unloadable, settings):
    with pytest.raises(embeddings.ModelUnavailable):
        embeddings.get_encoder()
    settings.CLIP_MODEL = settings.CLIP_MODEL + "-elsewhere"
    with pytest.raises(embeddings.ModelUnavailable):
        embeddings.get_encoder()

    assert len(unloadable) == 2


def test_a_model_that_loads_again_clears_the_failure(settings, monkeypatch, clock, request):
    request.addfinalizer(embeddings.reset)
    embeddings.reset()
    real_build = embeddings._build_encoder

    def unmounted(*key):
        raise OSError("disk not mounted")

    monkeypatch.setattr(embeddings, "_build_encoder", unmounted)
    with pytest.raises(embeddings.ModelUnavailable) as error:
        embeddings.get_encoder()
    assert "OSError: disk not mounted" in error.value.detail, "unexpected errors are remembered like the rest"

    monkeypatch.setattr(embeddings, "_build_encoder", real_build)
    clock[0] += 60
    embeddings.get_encoder()

    status = embeddings.model_status()
    assert (status.state, status.error, status.retry_in_s) == ("ready", "", None)


def test_health_shows_the_detail_and_when_it_tries_again(client, unloadable, clock, db):
    with pytest.raises(embeddings.ModelUnavailable):
        embeddings.get_encoder()
    clock[0] += 15

    body = client.get(reverse("health")).json()

    assert body["status"] == "degraded"
    assert body["model"]["state"] == "unavailable"
    assert body["model"]["retry_in_s"] == 45
    assert "set CLIP_MODEL to a folder" in body["model"]["error"]


def test_a_missing_hub_model_fails_without_touching_the_network(settings, monkeypatch, request):
    request.addfinalizer(embeddings.reset)
    embeddings.reset()
    settings.CLIP_MODEL = "sentence-transformers/no-such-model-here"
    connections = []

    def refuse(sock, address):
        connections.append(address)
        raise OSError("the test allows no network")

    monkeypatch.setattr(socket.socket, "connect", refuse)

    with pytest.raises(embeddings.ModelUnavailable) as error:
        embeddings.embed_image(make_image(1))

    assert connections == [], "the app loads from disk only; manage.py download_model downloads"
    assert "download_model" in error.value.detail
