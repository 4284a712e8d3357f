"""Test set-up shared by every app: a tiny local CLIP, temp media, fast hashing."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session", autouse=True)
def _test_settings(tmp_path_factory):
    from django.conf import settings

    from search import embeddings
    from tests.support.tiny_clip import build_tiny_clip

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")
    settings.EMBEDDING_MODEL = "clip"
    settings.CLIP_MODEL = str(build_tiny_clip(tmp_path_factory.mktemp("tiny-clip")))
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
