"""EMBEDDING_PRECISION: bfloat16 where the CPU computes it natively, embeddings that still match float32."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from search import embeddings
from search.embeddings.efficientnet import EfficientNetLite0Encoder
from tests.support.photos import make_image
from tests.support.sample_photos import sample_photos


@pytest.fixture
def fresh_model(settings):
    embeddings.reset()
    yield settings
    embeddings.reset()


def embed_with(settings, precision: str, images: list[Image.Image]) -> np.ndarray:
    settings.EMBEDDING_PRECISION = precision
    vectors = embeddings.embed_images(images)
    assert embeddings.model_status().precision == precision
    return vectors


@pytest.mark.parametrize(
    ("capabilities", "expected"),
    [
        ({"avx512_bf16": True, "amx_bf16": False}, "bfloat16"),
        ({"avx512_bf16": False, "amx_bf16": True}, "bfloat16"),
        ({"avx512_bf16": False, "amx_bf16": False, "avx2": True}, "float32"),
        ({}, "float32"),
    ],
)
def test_auto_uses_bfloat16_only_where_the_cpu_computes_it(monkeypatch, capabilities, expected):
    monkeypatch.setattr(torch.cpu, "get_capabilities", lambda: capabilities)

    assert embeddings.resolve_precision("auto") == expected
    assert embeddings.resolve_precision("float32") == "float32"
    assert embeddings.resolve_precision("bfloat16") == "bfloat16"


def test_an_unknown_precision_says_what_is_allowed(fresh_model):
    fresh_model.EMBEDDING_PRECISION = "fp8"

    with pytest.raises(embeddings.ModelUnavailable, match=r"EMBEDDING_PRECISION 'fp8'.*auto, float32, bfloat16"):
        embeddings.embed_image(make_image(1))


def test_bfloat16_clip_embeddings_match_float32(fresh_model):
    images = [make_image(seed, size=(320, 240)) for seed in range(6)]

    full = embed_with(fresh_model, "float32", images)
    embeddings.reset()
    reduced = embed_with(fresh_model, "bfloat16", images)

    assert reduced.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(reduced, axis=1), 1.0, atol=1e-5)
    assert not np.array_equal(full, reduced), "the bfloat16 setting must change how the model computes"
    assert (full * reduced).sum(axis=1).min() > 0.99


def test_bfloat16_keeps_the_real_model_on_real_photos_close_to_float32(settings):
    """Pretrained weights (EfficientNet-Lite0) on real photos: the case random weights cannot show."""
    images = [Image.open(path).convert("RGB") for path in sample_photos()]

    full = EfficientNetLite0Encoder(precision="float32").encode_images(images)
    reduced = EfficientNetLite0Encoder(precision="bfloat16").encode_images(images)

    assert not np.array_equal(full, reduced)
    assert (full * reduced).sum(axis=1).min() > 0.99

    # Each photo's nearest other photo is the same under both precisions.
    def nearest(vectors):
        similarity = vectors @ vectors.T
        np.fill_diagonal(similarity, -1)
        return similarity.argmax(axis=1)

    np.testing.assert_array_equal(nearest(full), nearest(reduced))
