"""A rebuild while another process commits edits: nothing it commits is lost or left stale."""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from dogs.models import Dog, DogPhoto
from search import maintenance
from search.backends.elasticsearch import ElasticsearchIndex
from search.embeddings import active_model_name
from search.maintenance import check_index
from tests.factories import make_dog, make_owner
from tests.support.other_processes import ROOT, database_for_other_processes, environment, wait_for

from .rebuild_race_writer import LATE_BREED, RACE_BREED

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.elasticsearch, pytest.mark.slow]


@pytest.fixture
def shared_database(elasticsearch_settings, tmp_path):
    with database_for_other_processes(tmp_path) as url:
        yield url


def breeds_in_index(index: ElasticsearchIndex, photo_ids: list[int]) -> dict[int, str]:
    docs = index.client.mget(index=index.alias, ids=[str(pk) for pk in photo_ids], source=["breed"])["docs"]
    return {int(doc["_id"]): doc["_source"]["breed"] for doc in docs if doc.get("found")}


def test_a_rebuild_keeps_every_change_another_process_commits_meanwhile(shared_database, tmp_path, monkeypatch):
    owner = make_owner()
    renamed, photo_dog, late, other = (make_dog(owner, f"Dog {i}", seeds=(600 + i,), breed="Beagle") for i in range(4))
    deleted = make_dog(owner, "Doomed", seeds=(610, 611)).photos.order_by("pk").first()
    handshake = tmp_path / "handshake"
    handshake.mkdir()
    command = [sys.executable, "-m", "search.tests.rebuild_race_writer", str(handshake)]
    command += [str(pk) for pk in (renamed.pk, photo_dog.pk, deleted.pk, late.pk)]
    writer = subprocess.Popen(command, cwd=ROOT, env=environment(shared_database), stderr=subprocess.PIPE, text=True)
    try:
        # The writer's changes are saved, not yet committed, before the rebuild starts.
        wait_for(handshake / "saved", writer)
        read_database = maintenance.documents_for_model

        def read_then_let_the_writer_commit(model):
            documents = list(read_database(model))  # the rebuild's read of the database
            (handshake / "commit").touch()
            wait_for(handshake / "applied", writer)
            yield from documents

        monkeypatch.setattr(maintenance, "documents_for_model", read_then_let_the_writer_commit)
        call_command("search_index", rebuild=True)
        (handshake / "switched").touch()
        wait_for(handshake / "done", writer)
        assert writer.wait(timeout=60) == 0, writer.stderr.read()
    finally:
        writer.kill()

    index = ElasticsearchIndex()
    index.refresh()
    added = int((handshake / "saved").read_text())
    photos = {photo.pk: photo.dog.breed for photo in DogPhoto.objects.select_related("dog")}
    assert added in photos and deleted.pk not in photos
    assert breeds_in_index(index, [*photos, deleted.pk]) == photos, "the index holds exactly the database"
    assert photos[renamed.photos.get().pk] == RACE_BREED and photos[late.photos.get().pk] == LATE_BREED
    assert check_index().in_sync
    assert other.photos.get().pk in index.photo_ids()


def test_check_reports_a_deliberately_stale_document(elasticsearch_settings, capsys):
    dog = make_dog(make_owner(), "Rex", breed="Beagle")
    photo = dog.photos.get()
    call_command("search_index", check=True)
    index = ElasticsearchIndex()
    stored = index.client.get(index=index.alias, id=str(photo.pk), source_exclude_vectors=False)
    # Same version, other breed: what a lost update looks like, and what an id-only check missed.
    index.client.index(
        index=index.alias,
        id=str(photo.pk),
        document={**stored["_source"], "breed": "Poodle"},
        version=stored["_version"],
        version_type="external_gte",
        refresh=True,
    )

    with pytest.raises(CommandError, match="drifted"):
        call_command("search_index", check=True)

    assert f"Stale (differs from the database): {photo.pk} (breed)" in capsys.readouterr().out
    call_command("search_index", fix=True)
    assert Dog.objects.get().breed == "Beagle"
    assert breeds_in_index(index, [photo.pk]) == {photo.pk: "Beagle"}
    assert index.search(photo.vector, 1, active_model_name())[0].photo_id == photo.pk
