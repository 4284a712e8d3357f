from __future__ import annotations

import io

import numpy as np
import pytest
from django.test import override_settings
from PIL import Image

from dogs.photos import upright_rgb
from search import embeddings
from tests.support.photos import image_bytes, make_image


def test_it_returns_normalised_512_d_float32_rows():
    vectors = embeddings.embed_images([make_image(1), make_image(2), make_image(3)])

    assert vectors.shape == (3, 512)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_it_is_deterministic():
    first = embeddings.embed_image(make_image(7))
    second = embeddings.embed_image(make_image(7))

    np.testing.assert_allclose(first, second, atol=1e-6)


def test_different_photos_embed_differently():
    a, b = embeddings.embed_images([make_image(1), make_image(2)])

    assert float(a @ b) < 0.999


def test_an_exif_rotated_copy_embeds_like_the_upright_photo():
    upright = make_image(5, size=(320, 240))
    # What a phone does: store the pixels sideways and record the turn in EXIF.
    sideways = upright.transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 CW to display
    stored = Image.open(io.BytesIO(image_bytes(sideways, "PNG", exif=exif.tobytes())))

    # Opened as the app opens every photo (dogs.photos), the turn is applied before embedding.
    upright_vector, rotated_vector = embeddings.embed_images([upright, upright_rgb(stored)])
    ignoring_exif = embeddings.embed_image(sideways)

    assert float(upright_vector @ rotated_vector) > 0.9999
    assert float(upright_vector @ ignoring_exif) < float(upright_vector @ rotated_vector)


def test_the_model_is_loaded_once_per_process():
    assert embeddings.get_encoder() is embeddings.get_encoder()


def test_an_unloadable_model_says_what_to_do(tmp_path):
    embeddings.reset()
    try:
        with override_settings(CLIP_MODEL=str(tmp_path / "missing-model")):
            with pytest.raises(embeddings.ModelUnavailable) as error:
                embeddings.embed_image(make_image(1))
            assert "CLIP_MODEL" in error.value.detail
            assert "efficientnet-lite0" in error.value.detail
            assert "download_model" in error.value.detail
            assert str(error.value) == embeddings.UNAVAILABLE_MESSAGE, "pages get the short message"
            assert embeddings.model_status().error == error.value.detail
    finally:
        embeddings.reset()
