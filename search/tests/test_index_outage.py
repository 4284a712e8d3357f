"""The database is the source of truth: an index outage loses nothing and leaks nothing."""

from __future__ import annotations

import time

import numpy as np
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from dogs.models import Dog, DogPhoto
from search.backends.base import IndexUnavailable
from search.backends.elasticsearch import ElasticsearchIndex
from search.embeddings import active_model_name
from search.index import get_index
from search.maintenance import rebuild_index
from search.models import PendingIndexUpdate
from tests.factories import make_dog, make_owner, make_staff
from tests.support.photos import photo_upload

pytestmark = [pytest.mark.django_db, pytest.mark.elasticsearch, pytest.mark.slow]


@pytest.fixture
def es(elasticsearch_settings, elasticsearch_server):
    elasticsearch_settings.ELASTICSEARCH_MAX_RETRIES = 0
    elasticsearch_settings.ELASTICSEARCH_TIMEOUT = 5
    yield elasticsearch_server
    if not elasticsearch_server.is_running():
        elasticsearch_server.start()


def assert_index_matches_database():
    index = ElasticsearchIndex()
    index.refresh()
    photos = {p.pk: p for p in DogPhoto.objects.all()}
    assert index.photo_ids() == set(photos)
    stored = index.vectors(list(photos))
    for pk, photo in photos.items():
        np.testing.assert_allclose(stored[pk], photo.vector, atol=1e-6)


def test_writes_during_an_outage_are_kept_and_applied_in_order_once_it_ends(client, es, run_worker):
    owner = make_owner()
    client.force_login(owner.user)
    es.stop()

    for i in range(50):
        response = client.post(
            reverse("dogs:create"), {"name": f"Dog {i}", "sex": "unknown", "photos": [photo_upload(500 + i)]}
        )
        assert response.status_code == 302, "the site keeps working"
    dogs = list(Dog.objects.order_by("pk"))
    for dog in dogs[:10]:
        response = client.post(
            reverse("dogs:edit", args=[dog.pk]), {"name": dog.name, "breed": "Edited", "sex": "male"}
        )
        assert response.status_code == 302
    for dog in dogs[10:15]:
        assert client.post(reverse("dogs:delete", args=[dog.pk])).status_code == 302
    # A photo added then deleted while the index is down must not come back.
    client.post(reverse("dogs:photo_add", args=[dogs[20].pk]), {"photos": [photo_upload(999)]})
    ghost = dogs[20].photos.order_by("-pk").first()
    client.post(reverse("dogs:photo_delete", args=[ghost.pk]))
    run_worker()  # while the index is down: everything is embedded, nothing can be indexed

    assert Dog.objects.count() == 45
    pending = PendingIndexUpdate.objects.all()
    assert pending.count() == 51
    assert all(row.attempts >= 1 and "unavailable" in row.last_error for row in pending)

    staff = client
    staff.force_login(make_staff())
    page = staff.post(reverse("search:find_owner"), {"photo": photo_upload(500)})
    assert page.status_code == 503
    assert "cannot be reached" in page.content.decode()

    es.start()
    PendingIndexUpdate.objects.update(next_attempt_at=timezone.now())  # their back-off has passed
    run_worker()

    assert not PendingIndexUpdate.objects.exists()
    assert_index_matches_database()
    assert ghost.pk not in ElasticsearchIndex().photo_ids()
    edited = get_index().search(dogs[0].photos.get().vector, 1, active_model_name())
    assert edited[0].dog_id == dogs[0].pk


def test_the_worker_keeps_changes_with_a_back_off_while_the_index_is_down(es, run_worker):
    dog = make_dog(make_owner(), "Rex", seeds=(3,))
    PendingIndexUpdate.objects.create(photo_id=dog.photos.get().pk)
    es.stop()

    assert run_worker() == 1, "tried once, then left for its back-off: the worker does not spin"

    row = PendingIndexUpdate.objects.get()
    assert row.attempts == 1 and "unavailable" in row.last_error
    assert row.next_attempt_at > timezone.now()
    assert row.locked_until is None, "released for any worker"


def test_an_interrupted_rebuild_leaves_the_old_alias_serving_and_a_rerun_completes(client, es, run_worker):
    owner = make_owner()
    client.force_login(owner.user)
    for i in range(12):
        client.post(reverse("dogs:create"), {"name": f"Dog {i}", "sex": "unknown", "photos": [photo_upload(700 + i)]})
    run_worker()
    index = ElasticsearchIndex()
    serving = index.concrete_indices()
    probe = Dog.objects.get(name="Dog 4").photos.get()
    seen = []

    def stop_half_way(step: int) -> None:
        seen.append(step)
        if len(seen) == 6:
            es.stop()

    from django.test import override_settings

    with override_settings(ELASTICSEARCH_BULK_CHUNK_SIZE=2), pytest.raises(IndexUnavailable):
        rebuild_index(progress=stop_half_way)

    es.start()
    assert index.concrete_indices() == serving, "the alias never moved"
    assert index.search(probe.vector, 1, active_model_name())[0].photo_id == probe.pk

    call_command("search_index", rebuild=True)

    assert index.concrete_indices() != serving
    leftovers = index.client.indices.get(index=f"{index.alias}-*")
    assert list(leftovers) == index.concrete_indices(), "the half-built index was cleaned up"
    assert_index_matches_database()


def test_a_staff_search_against_a_stalled_elasticsearch_answers_within_5_seconds(
    client, elasticsearch_settings, elasticsearch_server
):
    # The write timeout stays long (30 s here, retried): staff searches have their own.
    make_dog(make_owner(), "Rex", seeds=(5,))
    client.force_login(make_staff())
    assert client.post(reverse("search:find_owner"), {"photo": photo_upload(5)}).status_code == 200

    with elasticsearch_server.paused():
        began = time.monotonic()
        page = client.post(reverse("search:find_owner"), {"photo": photo_upload(5)})
        answered_after = time.monotonic() - began

    assert page.status_code == 503
    assert "cannot be reached" in page.content.decode()
    assert answered_after < 5
