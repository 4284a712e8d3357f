"""The embedded index in a second process: loaded from the database, it answers like the writer."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from dogs.models import Dog, DogPhoto
from search.backends.base import SearchFilters
from search.backends.embedded import _ARRAYS, EmbeddedIndex, _Snapshot
from search.documents import documents_for_model, snapshot_rows
from search.embeddings import active_model_name, embed_image
from search.index import DatabaseSource, get_index
from tests.factories import make_dog, make_owner
from tests.support.photos import make_image
from worker.loop import drain

pytestmark = pytest.mark.django_db


@pytest.fixture
def registered_dogs():
    owner = make_owner()
    dogs = [
        make_dog(owner, "Luna", seeds=(1, 2), breed="Beagle"),
        make_dog(owner, "Max", seeds=(3,), breed="beagle"),
        make_dog(owner, "Bella", seeds=(4,), breed="Poodle", kind=Dog.Kind.FOUND),
        make_dog(owner, "Rocky", seeds=(5,), breed=""),
    ]
    # Photo metadata of every sort, including none at all; saved as the admin would, so the index hears of it.
    for photo in DogPhoto.objects.filter(dog=dogs[0]):
        photo.taken_at, photo.latitude, photo.longitude = datetime(2026, 3, 1, 12, 30, tzinfo=UTC), 52.37, 4.9
        photo.save()
    for photo in DogPhoto.objects.filter(dog=dogs[2]):
        photo.taken_at = datetime(2026, 6, 2, tzinfo=UTC)
        photo.save()
    drain()
    return dogs


def results(index, query, **filters):
    return [(m.photo_id, m.dog_id, round(m.score, 6)) for m in index.search(query, 10, active_model_name(), **filters)]


def test_a_snapshot_loaded_from_rows_equals_one_built_from_documents(registered_dogs):
    model = active_model_name()

    from_rows = _Snapshot.from_rows(model, list(snapshot_rows(model)))
    from_documents = _Snapshot.from_documents(model, list(documents_for_model(model)))

    assert len(from_rows.photo_ids) == 5
    assert from_rows.dimension == from_documents.dimension == 512
    for name in _ARRAYS:
        np.testing.assert_array_equal(getattr(from_rows, name), getattr(from_documents, name), err_msg=name)


def test_another_process_answers_every_filter_like_the_writer(registered_dogs):
    writer = get_index()
    reader = EmbeddedIndex(DatabaseSource())  # what a second web worker holds: nothing until it loads from the database
    query = embed_image(make_image(1))

    cases = [
        None,
        SearchFilters(kinds=("registered",)),
        SearchFilters(breed="BEAGLE"),
        SearchFilters(taken_after=datetime(2026, 2, 1, tzinfo=UTC), taken_before=datetime(2026, 4, 1, tzinfo=UTC)),
        SearchFilters(near=(52.37, 4.9), within_km=5),
    ]
    for filters in cases:
        assert results(reader, query, filters=filters) == results(writer, query, filters=filters), filters

    assert len(results(reader, query)) == 5
    # Any case, and a dog of unknown breed (Rocky) is never left out by a breed filter.
    assert {m[1] for m in results(reader, query, filters=SearchFilters(breed="beagle"))} == {
        registered_dogs[0].pk,
        registered_dogs[1].pk,
        registered_dogs[3].pk,
    }


def test_another_process_sees_a_dog_registered_after_it_loaded(registered_dogs):
    reader = EmbeddedIndex(DatabaseSource())
    query = embed_image(make_image(9))
    assert len(results(reader, query)) == 5  # loaded now

    newcomer = make_dog(make_owner("bo"), "Newcomer", seeds=(9,))

    after = results(reader, query)
    assert len(after) == 6
    assert after[0][1] == newcomer.pk
