"""Our crop-and-normalise gives the model the same input as CLIP's own processor, on real photos."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from django.conf import settings
from PIL import Image
from sentence_transformers import SentenceTransformer

from dogs.photos import EMBEDDING_DRAFT_SIZE
from search.embeddings.clip import ClipEncoder
from search.embeddings.efficientnet import EfficientNetLite0Encoder
from search.tests.vectors import nearest_other
from tests.support.sample_photos import sample_photos


@pytest.fixture(scope="module")
def photos() -> list[Image.Image]:
    """The darknet photos, draft-decoded as the app decodes uploads, in several shapes and sizes."""
    images = []
    for path in sample_photos():
        image = Image.open(path)
        image.draft("RGB", (EMBEDDING_DRAFT_SIZE, EMBEDDING_DRAFT_SIZE))
        images.append(image.convert("RGB"))
    # Portrait, a full-size decode and a tiny one: the crop box must follow each shape.
    return [*images, images[0].rotate(90, expand=True), images[1].resize((1600, 1066)), images[2].resize((97, 61))]


@pytest.fixture(scope="module")
def sentence_transformer() -> SentenceTransformer:
    return SentenceTransformer(settings.CLIP_MODEL, device="cpu", local_files_only=True)


def test_it_gives_the_processors_pixels(photos, sentence_transformer):
    encoder = ClipEncoder(settings.CLIP_MODEL)
    processor = sentence_transformer[0].processor.image_processor

    expected = processor(images=photos, return_tensors="pt")["pixel_values"]
    ours = encoder.input.batch([encoder.pixels(photo) for photo in photos])

    assert ours.shape == expected.shape == (len(photos), 3, 224, 224)
    difference = (ours - expected).abs()
    # One grey level is 1 / (255 * std) ~ 0.015 after normalising: rounding, nothing more.
    assert difference.max() < 0.02
    assert difference.mean() < 1e-3


def test_it_embeds_like_sentence_transformers(photos, sentence_transformer):
    expected = sentence_transformer.encode(photos, convert_to_numpy=True, normalize_embeddings=True)

    ours = ClipEncoder(settings.CLIP_MODEL, precision="float32").encode_images(photos)

    assert ours.shape == expected.shape
    assert (ours * expected).sum(axis=1).min() > 0.9999


def test_grey_and_transparent_photos_become_rgb_input():
    encoder = ClipEncoder(settings.CLIP_MODEL)
    grey = Image.new("L", (300, 200), 128)

    pixels = encoder.pixels(grey)

    assert pixels.shape == (224, 224, 3) and pixels.dtype == np.uint8
    np.testing.assert_array_equal(pixels, encoder.pixels(grey.convert("RGB")))


def test_the_batch_is_normalised_once_per_channel():
    encoder = ClipEncoder(settings.CLIP_MODEL)
    pixels = np.zeros((224, 224, 3), dtype=np.uint8)
    pixels[..., 1] = 255

    batch = encoder.input.batch([pixels])

    mean = torch.tensor([0.48145466, 0.4578275, 0.40821073])
    std = torch.tensor([0.26862954, 0.26130258, 0.27577711])
    torch.testing.assert_close(batch[0, :, 0, 0], (torch.tensor([0.0, 1.0, 0.0]) - mean) / std)


@pytest.mark.slow  # the real EfficientNet weights
def test_draft_decoded_phone_photos_embed_like_full_decodes_with_the_real_model():
    """12 MP JPEGs decode at 1/8 scale at EMBEDDING_DRAFT_SIZE; pretrained EfficientNet-Lite0 sees the same photo."""
    encoder = EfficientNetLite0Encoder()
    full, drafted = [], []
    for path in sample_photos():
        with Image.open(path) as photo:
            side = 4032 / max(photo.size)
            phone = photo.convert("RGB").resize((round(photo.width * side), round(photo.height * side)))
        buffer = io.BytesIO()
        phone.save(buffer, format="JPEG", quality=90)
        full.append(Image.open(io.BytesIO(buffer.getvalue())).convert("RGB"))
        draft = Image.open(io.BytesIO(buffer.getvalue()))
        draft.draft("RGB", (EMBEDDING_DRAFT_SIZE, EMBEDDING_DRAFT_SIZE))
        drafted.append(draft.convert("RGB"))

    assert max(max(image.size) for image in drafted) <= 4032 // 4, "decoded at a fraction of the size"
    a, b = encoder.encode_images(full), encoder.encode_images(drafted)
    assert (a * b).sum(axis=1).min() > 0.99

    np.testing.assert_array_equal(nearest_other(a), nearest_other(b))
