"""manage.py download_model: fetch the model ahead of time, check it, fail loudly."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from search import embeddings
from search.embeddings import clip

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def fresh_model(settings, tmp_path, request):
    request.addfinalizer(embeddings.reset)
    embeddings.reset()
    settings.EMBEDDING_PRECISION_CACHE = str(tmp_path / "precision.json")
    return settings


def download(*args: str) -> str:
    out = io.StringIO()
    call_command("download_model", *args, stdout=out)
    return out.getvalue()


def test_it_checks_a_model_already_on_disk_and_measures_the_precision(fresh_model):
    fresh_model.EMBEDDING_PRECISION = "auto"

    out = download()

    assert "is on disk at" in out and "nothing to download" in out
    assert "512 dimensions" in out
    assert "measured" in out
    assert "The model is ready." in out
    assert embeddings.model_status().state == "ready"


def test_a_dry_run_loads_nothing(fresh_model):
    out = download("--dry-run")

    assert "nothing to download" in out
    assert embeddings.model_status().state == "cold"


def test_a_dry_run_says_what_it_would_fetch_from_the_hub(fresh_model, monkeypatch):
    fresh_model.CLIP_MODEL = "clip-ViT-B-32"
    monkeypatch.setattr(clip, "folder_on_disk", lambda name: None)
    monkeypatch.setattr(clip, "download", lambda name: pytest.fail("a dry run must not download"))

    out = download("--dry-run")

    assert "Would download sentence-transformers/clip-ViT-B-32 from the Hugging Face hub" in out


def test_an_unreachable_hub_fails_with_the_reason(fresh_model, monkeypatch):
    fresh_model.CLIP_MODEL = "clip-ViT-B-32"
    monkeypatch.setattr(clip, "folder_on_disk", lambda name: None)

    def unreachable(name):
        raise embeddings.ModelUnavailable("Could not load the CLIP model 'clip-ViT-B-32': hub unreachable.")

    monkeypatch.setattr(clip, "download", unreachable)

    with pytest.raises(CommandError, match="hub unreachable"):
        download()


def test_a_missing_folder_fails_and_says_what_to_set(fresh_model, tmp_path):
    fresh_model.CLIP_MODEL = str(tmp_path / "clip-ViT-B-32")

    with pytest.raises(CommandError, match="CLIP_MODEL"):
        download()


def test_the_bundled_model_needs_no_download(fresh_model):
    fresh_model.EMBEDDING_MODEL = "efficientnet-lite0"

    out = download()

    assert "comes with Reunite's requirements" in out
    assert "1280 dimensions" in out


@pytest.mark.slow
def test_it_exits_with_status_1_when_the_model_cannot_be_had(tmp_path):
    env = {**os.environ, "CLIP_MODEL": str(tmp_path / "missing"), "DATABASE_URL": f"sqlite:///{tmp_path / 'db'}"}

    result = subprocess.run(
        [sys.executable, "manage.py", "download_model"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 1
    assert "CLIP_MODEL" in result.stderr
