"""The same behaviour from both VectorIndex implementations."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np
import pytest
from django.urls import reverse

from search.backends.base import IndexDocument, SearchFilters
from search.backends.elasticsearch import ElasticsearchIndex
from search.embeddings import active_model_name
from search.index import get_index
from tests.factories import make_dog, make_owner, make_staff
from tests.support.photos import photo_upload

pytestmark = pytest.mark.django_db

MODEL = "test-model"


def unit(seed: int, dim: int = 512) -> np.ndarray:
    vector = np.random.default_rng(seed).standard_normal(dim).astype(np.float32)
    return vector / np.linalg.norm(vector)


def doc(photo_id: int, **fields) -> IndexDocument:
    fields.setdefault("vector", unit(photo_id))
    fields.setdefault("dog_id", photo_id)
    fields.setdefault("model", MODEL)
    return IndexDocument(photo_id=photo_id, **fields)


# Amsterdam, Utrecht (~35 km away) and Paris (~430 km away).
AMSTERDAM, UTRECHT, PARIS = (52.37, 4.90), (52.09, 5.12), (48.86, 2.35)


@pytest.fixture
def filled(index_backend):
    index = get_index()
    index.upsert(
        [
            doc(
                1,
                breed="Beagle",
                taken_at=datetime(2026, 1, 10, tzinfo=UTC),
                latitude=AMSTERDAM[0],
                longitude=AMSTERDAM[1],
            ),
            doc(
                2, breed="Beagle", taken_at=datetime(2026, 3, 5, tzinfo=UTC), latitude=UTRECHT[0], longitude=UTRECHT[1]
            ),
            doc(3, breed="Poodle", taken_at=datetime(2026, 6, 1, tzinfo=UTC), latitude=PARIS[0], longitude=PARIS[1]),
            doc(4, breed="Poodle"),
            doc(5, breed="Beagle", model="another-model", vector=unit(1)),
        ]
    )
    return index


def ids(matches) -> list[int]:
    return [m.photo_id for m in matches]


def test_it_finds_the_exact_vector_first_with_cosine_scores(filled):
    matches = filled.search(unit(3), 4, MODEL)

    assert ids(matches)[0] == 3
    assert matches[0].score == pytest.approx(1.0, abs=1e-3)
    assert all(-1 <= m.score <= 1 for m in matches)
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)


def test_vectors_of_another_model_are_never_compared(filled):
    assert 5 not in ids(filled.search(unit(1), 10, MODEL))
    assert ids(filled.search(unit(1), 10, "another-model")) == [5]


def test_the_breed_filter(filled):
    assert sorted(ids(filled.search(unit(1), 10, MODEL, SearchFilters(breed="beagle")))) == [1, 2]


def test_the_date_filter(filled):
    filters = SearchFilters(
        taken_after=datetime(2026, 2, 1, tzinfo=UTC), taken_before=datetime(2026, 12, 1, tzinfo=UTC)
    )

    assert sorted(ids(filled.search(unit(1), 10, MODEL, filters))) == [2, 3]


def test_the_distance_filter(filled):
    filters = SearchFilters(near=AMSTERDAM, within_km=50)

    assert sorted(ids(filled.search(unit(3), 10, MODEL, filters))) == [1, 2]


def test_a_filtered_search_still_fills_k(filled):
    # The filter sits inside the kNN clause (a pre-filter), so k hits come back when k exist.
    assert len(filled.search(unit(1), 2, MODEL, SearchFilters(breed="Poodle"))) == 2


def test_upsert_replaces_and_delete_removes(filled):
    filled.upsert([doc(1, breed="Husky", vector=unit(99), version=10)])
    filled.delete([2])

    assert ids(filled.search(unit(99), 1, MODEL)) == [1]
    assert 2 not in filled.photo_ids()
    assert filled.photo_ids() >= {1, 3, 4}


def test_searching_an_empty_index_returns_nothing(index_backend):
    assert get_index().search(unit(1), 10, MODEL) == []


@pytest.mark.elasticsearch
def test_a_stale_write_cannot_overwrite_a_newer_one(elasticsearch_settings):
    index = get_index()
    index.upsert([doc(1, breed="New", version=200)])
    index.upsert([doc(1, breed="Old", version=100)])

    assert ids(index.search(unit(1), 1, MODEL, SearchFilters(breed="New"))) == [1]
    assert index.search(unit(1), 1, MODEL, SearchFilters(breed="Old")) == []


def test_a_dog_registered_through_the_form_is_found(client, index_backend, run_worker):
    owner = make_owner()
    client.force_login(owner.user)
    client.post(reverse("dogs:create"), {"name": "Pip", "breed": "Corgi", "sex": "male", "photos": [photo_upload(11)]})
    run_worker()
    photo = owner.dogs.get().photos.get()

    get_index().ensure(len(photo.vector))
    if index_backend == "elasticsearch":
        get_index().refresh()
    assert ids(get_index().search(photo.vector, 1, active_model_name())) == [photo.pk]


@pytest.mark.elasticsearch
def test_staff_get_a_clear_message_when_elasticsearch_is_unreachable(client, settings):
    settings.SEARCH_BACKEND = "elasticsearch"
    settings.ELASTICSEARCH_URL = "http://127.0.0.1:9"  # nothing listens on the discard port
    settings.ELASTICSEARCH_MAX_RETRIES = 0
    client.force_login(make_staff())

    response = client.post(reverse("search:find_owner"), {"photo": photo_upload(1)})

    assert response.status_code == 503
    assert "The photo index cannot be reached right now" in response.content.decode()


def test_the_elasticsearch_client_writes_vectors_with_orjson():
    from elasticsearch.serializer import OrjsonSerializer

    from search.backends.elasticsearch import make_client

    serializer = make_client().transport.serializers.get_serializer("application/json")
    vector = unit(3)

    assert isinstance(serializer, OrjsonSerializer)
    # Every float32 survives the trip through JSON exactly.
    assert np.array_equal(np.asarray(serializer.loads(serializer.dumps(vector.tolist())), dtype=np.float32), vector)


@pytest.mark.elasticsearch
def test_documents_keep_the_blogs_field_names_and_no_personal_data(elasticsearch_settings):
    owner = make_owner(name="Jane Doe", email="jane@example.com", phone="+1 555 0199", address="12 Elm Street")
    dog = make_dog(owner, "Rex", breed="Beagle")
    photo = dog.photos.get()
    index = get_index()

    # Elasticsearch 9.2 leaves vectors out of `_source` unless asked (index.mapping.exclude_source_vectors).
    source = index.client.get(index=index.alias, id=str(photo.pk), source_exclude_vectors=False)["_source"]

    assert set(source) == {"image_embedding", "dog_id", "breed", "image_path", "kind", "model", "exif"}
    assert (source["dog_id"], source["breed"], source["image_path"]) == (str(dog.pk), "Beagle", photo.image.name)
    assert (source["kind"], source["model"]) == ("registered", active_model_name())
    text = json.dumps(source)
    for personal in ("Jane Doe", "jane@example.com", "555 0199", "Elm Street"):
        assert personal not in text


@pytest.mark.elasticsearch
def test_of_two_processes_creating_the_first_index_at_once_one_index_serves(elasticsearch_settings):
    first, second = ElasticsearchIndex(), ElasticsearchIndex()
    first._new_index(512)  # the other process created it between this one's look-up and its create

    second._create_serving_index(512)
    second.upsert([doc(1)])

    assert len(second.concrete_indices()) == 1
    assert second.photo_ids() == {1}
