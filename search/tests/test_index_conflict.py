"""An index (not an alias) named like Reunite's alias, as the blog's notebook leaves one when it runs first."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from search.backends.elasticsearch import ElasticsearchIndex
from search.embeddings import active_model_name
from search.models import PendingIndexUpdate
from tests.factories import make_dog, make_owner, make_staff
from tests.support.photos import photo_upload

from .test_index_check import notebook_document

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.elasticsearch]

BLOG_MAPPING = {
    "properties": {
        "image_embedding": {"type": "dense_vector", "dims": 512, "index": True, "similarity": "cosine"},
        "dog_id": {"type": "keyword"},
        "breed": {"type": "keyword"},
        "image_path": {"type": "keyword"},
        "owner_name": {"type": "keyword"},
        "exif": {"properties": {"location": {"type": "geo_point"}, "date": {"type": "date"}}},
    }
}


@pytest.fixture
def notebook_index(elasticsearch_settings) -> str:
    """The blog's notebook ran first: a real index holds the name Reunite's alias needs."""
    client = ElasticsearchIndex().client
    name = elasticsearch_settings.ELASTICSEARCH_INDEX
    client.indices.create(index=name, mappings=BLOG_MAPPING)
    client.index(index=name, document=notebook_document(), refresh=True)
    yield name
    # Once adopted the name is an alias, and this deletes nothing: the settings fixture drops that.
    client.indices.delete(index=name, ignore_unavailable=True)


def is_alias(name: str) -> bool:
    return bool(ElasticsearchIndex().client.indices.exists_alias(name=name))


@pytest.mark.parametrize("action", ["create", "rebuild"])
def test_create_and_rebuild_name_the_conflict_not_an_outage(notebook_index, action):
    make_dog(make_owner(), "Rex")

    with pytest.raises(CommandError) as error:
        call_command("search_index", **{action: True})

    message = str(error.value)
    assert f"An index (not an alias) named '{notebook_index}' exists" in message
    assert "search_index --adopt" in message and "--replace" in message
    assert "unavailable" not in message
    assert not ElasticsearchIndex().client.indices.get(index=f"{notebook_index}-*"), "nothing half-made left"


def test_writes_wait_in_the_outbox_with_the_reason(notebook_index):
    make_dog(make_owner(), "Rex")

    assert "An index (not an alias) named" in PendingIndexUpdate.objects.get().last_error


def test_check_health_and_staff_search_report_the_conflict(client, notebook_index, capsys):
    make_dog(make_owner(), "Rex", seeds=(5,))

    with pytest.raises(CommandError, match="--adopt"):
        call_command("search_index", check=True)
    assert f"An index (not an alias) named '{notebook_index}' exists" in capsys.readouterr().out

    health = client.get(reverse("health")).json()
    assert health["status"] == "degraded"
    assert health["index"]["reachable"] is True and health["index"]["conflict"] is True
    assert "search_index --adopt" in health["index"]["error"]

    client.force_login(make_staff())
    search = client.post(reverse("search:find_owner"), {"photo": photo_upload(5)})
    assert search.status_code == 503, "not an empty result page"


def test_adopt_lists_what_it_drops_then_moves_the_name_to_an_alias(client, notebook_index, capsys):
    dog = make_dog(make_owner(), "Rex", seeds=(5,))
    photo = dog.photos.get()

    call_command("search_index", adopt=True, dry_run=True)
    out = capsys.readouterr().out
    assert f"'{notebook_index}' is an index, not Reunite's alias. It holds 1 documents" in out
    assert "1 not written by Reunite (ids: " in out
    assert "Dry run: nothing changed." in out
    assert not is_alias(notebook_index)

    call_command("search_index", adopt=True)

    assert f"Adopted: '{notebook_index}' is now an alias on an index of 1 photos." in capsys.readouterr().out
    assert is_alias(notebook_index)
    index = ElasticsearchIndex()
    assert index.search(photo.vector, 1, active_model_name())[0].photo_id == photo.pk
    assert index.photo_ids() == {photo.pk}, "the notebook's document went with its index"
    call_command("search_index", check=True)
    client.force_login(make_staff())
    assert client.post(reverse("search:find_owner"), {"photo": photo_upload(5)}).status_code == 200


def test_replace_asks_first_and_then_takes_the_name(notebook_index, monkeypatch, capsys):
    make_dog(make_owner(), "Rex")
    monkeypatch.setattr("builtins.input", lambda prompt: "no")

    with pytest.raises(CommandError, match="Not confirmed: nothing changed"):
        call_command("search_index", replace=True)
    assert not is_alias(notebook_index)

    monkeypatch.setattr("builtins.input", lambda prompt: "yes")
    call_command("search_index", replace=True)

    assert f"Replaced: '{notebook_index}' is now an alias on an index of 1 photos." in capsys.readouterr().out
    assert is_alias(notebook_index)


def test_delete_leaves_an_index_reunite_did_not_create(notebook_index, capsys):
    call_command("search_index", delete=True)

    assert f"Left alone: the index named '{notebook_index}'" in capsys.readouterr().out
    assert ElasticsearchIndex().client.indices.exists(index=notebook_index)


def test_adopt_and_replace_have_nothing_to_do_without_a_conflict(elasticsearch_settings, capsys):
    make_dog(make_owner(), "Rex")

    call_command("search_index", adopt=True)
    call_command("search_index", replace=True, interactive=False)

    out = capsys.readouterr().out
    assert "nothing to adopt" in out and "nothing to replace" in out
