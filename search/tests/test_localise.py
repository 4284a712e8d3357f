"""Finding the dog in a photo (search/embeddings/localise.py) and the recipes built on it.

EfficientNet-Lite0 has real ImageNet weights, so its figures on darknet's photos mean something;
the tiny random CLIP only shows that CLIP's localiser runs.
"""

from __future__ import annotations

import numpy as np
import pytest
from django.core.management import call_command
from PIL import Image

from dogs.models import DogPhoto
from search import embeddings
from search.embeddings.localise import square_around
from tests.factories import make_dog, make_owner
from tests.support.sample_photos import sample_photos_dir

# Checked by eye on darknet's dog.jpg (768 x 576): the dog sits in the lower left, from the
# tip of its ears to its tail on the porch floor.
DOG_BOX = (130, 220, 312, 542)


def iou(a, b) -> float:
    width = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    height = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    overlap = width * height
    return overlap / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - overlap)


def photo(name: str) -> Image.Image:
    with Image.open(sample_photos_dir() / f"{name}.jpg") as opened:
        return opened.convert("RGB")


@pytest.fixture
def bundled_model(settings):
    settings.EMBEDDING_MODEL = "efficientnet-lite0"
    settings.EMBEDDING_PRECISION = "float32"
    embeddings.reset()
    yield settings
    embeddings.reset()


def test_it_finds_the_dog_in_darknets_dog_photo(bundled_model):
    found = embeddings.find_dog(photo("dog"))

    assert found.found
    assert iou(found.box, DOG_BOX) >= 0.5, found


@pytest.mark.parametrize("scene", ["giraffe", "kite", "scream"])
def test_it_finds_no_dog_in_a_scene_without_one(bundled_model, scene):
    image = photo(scene)

    found = embeddings.find_dog(image)

    assert not found.found, found
    assert found.box == (0, 0, *image.size), "the photo stays whole"


def test_the_crop_is_a_square_inside_the_photo():
    assert square_around((100, 50, 140, 250), (400, 300)) == (20, 50, 220, 250)
    assert square_around((0, 0, 400, 100), (400, 300)) == (50, 0, 350, 300)


def test_clips_localiser_runs_on_the_tiny_model():
    image = photo("dog")
    embeddings.reset()

    found = embeddings.find_dog(image)

    left, top, right, bottom = found.box
    assert 0 <= left < right <= image.width and 0 <= top < bottom <= image.height


def test_every_recipe_gives_one_unit_vector_per_photo(bundled_model):
    images = [photo("dog"), photo("giraffe")]
    for recipe in ("flip", "crop", "crop+flip", "whole+crop", "pool"):
        bundled_model.EMBEDDING_RECIPE = recipe
        vectors = embeddings.embed_images(images)
        assert vectors.shape == (2, 1280)
        assert abs(float((vectors**2).sum(axis=1).min()) - 1) < 1e-4


def test_the_recipe_is_part_of_the_model_version(settings):
    settings.EMBEDDING_MODEL = "efficientnet-lite0"
    settings.EMBEDDING_RECIPE = "whole"
    assert embeddings.active_model_name() == "efficientnet-lite0", "today's stored vectors stay valid"

    settings.EMBEDDING_RECIPE = "crop+flip"
    assert embeddings.active_model_name() == "efficientnet-lite0@crop+flip"


def test_an_unknown_recipe_makes_the_model_unavailable(settings):
    settings.EMBEDDING_RECIPE = "zoom"
    embeddings.reset()
    try:
        with pytest.raises(embeddings.ModelUnavailable) as raised:
            embeddings.get_encoder()
        assert "EMBEDDING_RECIPE" in raised.value.detail
    finally:
        embeddings.reset()


def test_the_pool_recipe_needs_efficientnet(settings):
    settings.EMBEDDING_RECIPE = "pool"  # the tiny CLIP is configured
    embeddings.reset()
    try:
        with pytest.raises(embeddings.ModelUnavailable) as raised:
            embeddings.get_encoder()
        assert "pool recipe needs EfficientNet" in raised.value.detail
    finally:
        embeddings.reset()


@pytest.mark.django_db
def test_changing_the_recipe_re_embeds_every_photo_through_change_model(settings, capsys):
    settings.SEARCH_BACKEND = "embedded"
    make_dog(make_owner(), "Rex", seeds=(811, 812))
    before = {p.pk: bytes(p.embedding) for p in DogPhoto.objects.all()}
    old_model = embeddings.active_model_name()

    settings.EMBEDDING_RECIPE = "crop+flip"
    embeddings.reset()
    try:
        call_command("change_model", batch_size=4)
    finally:
        embeddings.reset()

    photos = list(DogPhoto.objects.all())
    assert {p.embedding_model for p in photos} == {f"{old_model}@crop+flip"}
    assert all(bytes(p.embedding) != before[p.pk] for p in photos)
    assert "Switched 2 photos" in capsys.readouterr().out


def test_pool_gives_each_photo_in_a_batch_what_it_gets_alone(bundled_model):
    # Photos of one shape share the network pass; a portrait one goes through on its own.
    bundled_model.EMBEDDING_RECIPE = "pool"
    dog = photo("dog")
    images = [dog, photo("giraffe"), dog.crop((0, 0, 400, 576)), photo("horses")]

    batched = list(embeddings.embed_and_find_dogs([lambda image=image: image for image in images], batch_size=4))

    for image, (vector, dog_in_photo) in zip(images, batched, strict=True):
        alone, found = embeddings.embed_image_and_find_dog(image)
        np.testing.assert_allclose(vector, alone, atol=1e-4)
        assert dog_in_photo == found
        assert dog_in_photo.found == embeddings.find_dog(image).found
    assert batched[0][1].found and not batched[1][1].found
