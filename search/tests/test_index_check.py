"""`search_index --check` and `--fix`: content, strays, half-built indices, and a stalled server."""

from __future__ import annotations

import time

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from search.backends import elasticsearch as es_backend
from search.backends.base import IndexDocument
from search.backends.elasticsearch import ElasticsearchIndex
from search.embeddings import active_model_name
from search.maintenance import rebuild_index
from tests.factories import make_dog, make_owner
from tests.support.other_processes import database_for_other_processes, run_manage

pytestmark = pytest.mark.django_db(transaction=True)

# Seconds a second process may take to start Django and connect, on a busy machine.
START_UP_S = 30
STALL_TIMEOUT_S = 3


def unit(seed: int, dim: int = 512) -> list[float]:
    vector = np.random.default_rng(seed).standard_normal(dim).astype(np.float32)
    return (vector / np.linalg.norm(vector)).tolist()


def notebook_document() -> dict:
    """A document as the original blog's notebook writes it: its own dog ids, an owner's name, no model or kind."""
    return {
        "image_embedding": unit(42),
        "dog_id": "dog-42",
        "breed": "Beagle",
        "image_path": "images/42.png",
        "owner_name": "Jane Doe",
    }


@pytest.fixture
def shared_database(elasticsearch_settings, tmp_path):
    with database_for_other_processes(tmp_path) as url:
        yield url


@pytest.mark.elasticsearch
def test_it_lists_foreign_documents_as_strays_exits_1_and_fix_removes_them(shared_database):
    photo = make_dog(make_owner(), "Rex").photos.get()
    index = ElasticsearchIndex()
    # Through the alias, as the notebook's bulk insert did: an id Elasticsearch generated ...
    generated = index.client.index(index=index.alias, document=notebook_document(), refresh=True)["_id"]
    # ... and a numeric id on a document without Reunite's `model` and `kind`.
    index.client.index(index=index.alias, id="987654", document=notebook_document(), refresh=True)
    bound = 2 * STALL_TIMEOUT_S + START_UP_S
    options = {"timeout": bound, "ELASTICSEARCH_OPERATION_TIMEOUT": str(STALL_TIMEOUT_S)}

    # A run past `bound` (the old command crashed, then hung at exit in a scroll clean-up) raises TimeoutExpired.
    check = run_manage(shared_database, "search_index", "--check", **options)

    assert check.returncode == 1, check.stderr
    assert "Traceback" not in check.stderr
    assert f"Strays (documents Reunite did not write): 2 (ids: {generated}, 987654)" in check.stdout
    assert "drifted" in check.stderr and "--fix" in check.stderr

    fix = run_manage(shared_database, "search_index", "--fix", **options)

    assert fix.returncode == 0, fix.stderr
    assert f"Will remove 2 stray document(s) (ids: {generated}, 987654)." in fix.stdout
    assert "Repaired: the index matches the database." in fix.stdout
    assert not index.client.exists(index=index.alias, id=generated)
    assert index.photo_ids() == {photo.pk}


@pytest.mark.elasticsearch
def test_fix_with_dry_run_says_what_it_would_do_and_changes_nothing(elasticsearch_settings, capsys):
    make_dog(make_owner(), "Rex")
    index = ElasticsearchIndex()
    stray = index.client.index(index=index.alias, document=notebook_document(), refresh=True)["_id"]

    call_command("search_index", fix=True, dry_run=True)

    out = capsys.readouterr().out
    assert f"Will remove 1 stray document(s) (ids: {stray})." in out
    assert "Dry run: nothing changed." in out
    assert index.client.exists(index=index.alias, id=stray)


@pytest.mark.elasticsearch
def test_it_reports_a_document_whose_photo_is_gone_and_fix_deletes_it(elasticsearch_settings, capsys):
    photo = make_dog(make_owner(), "Rex").photos.get()
    index = ElasticsearchIndex()
    gone = IndexDocument(photo_id=999_999, dog_id=photo.dog_id, vector=photo.vector, model=active_model_name())
    index.upsert([gone])

    with pytest.raises(CommandError, match="drifted"):
        call_command("search_index", check=True)
    assert "In the index but not in the database: 999999" in capsys.readouterr().out

    call_command("search_index", fix=True)

    assert index.photo_ids() == {photo.pk}
    call_command("search_index", check=True)


class Killed(Exception):
    """Stands for SIGKILL: the rebuild stops where it is and cleans nothing up."""


@pytest.mark.elasticsearch
def test_a_half_built_index_of_a_killed_rebuild_is_reported_and_removed_once_abandoned(
    elasticsearch_settings, monkeypatch, capsys
):
    owner = make_owner()
    for i in range(3):
        make_dog(owner, f"Dog {i}", seeds=(800 + i,))
    monkeypatch.setattr(ElasticsearchIndex, "_discard", lambda self, name: None)

    def killed(step: int) -> None:
        raise Killed

    with pytest.raises(Killed):
        rebuild_index(progress=killed)
    monkeypatch.undo()
    index = ElasticsearchIndex()
    serving = index.concrete_indices()
    half_built = [name for name in index.client.indices.get(index=f"{index.alias}-*") if name not in serving]
    assert len(half_built) == 1
    # Until it is removed, writes still reach it through the marker: nothing is lost if it were finished.
    late = make_dog(owner, "Late", seeds=(810,)).photos.get()
    assert index.client.exists(index=half_built[0], id=str(late.pk))

    with pytest.raises(CommandError, match="drifted"):
        call_command("search_index", check=True)
    assert f"Half-built index {half_built[0]}: a rebuild is filling it" in capsys.readouterr().out
    with pytest.raises(CommandError, match="remain"):
        call_command("search_index", fix=True)
    assert f"Leaves {half_built[0]}: a rebuild made progress" in capsys.readouterr().out

    monkeypatch.setattr(es_backend, "ABANDONED_AFTER_S", 0.0)
    call_command("search_index", fix=True)

    out = capsys.readouterr().out
    assert f"Half-built index {half_built[0]}: abandoned by a rebuild" in out
    assert f"Will delete the half-built index {half_built[0]}." in out
    assert not index.client.indices.exists(index=half_built[0])
    assert not index.client.indices.exists_alias(name=index.marker)
    call_command("search_index", check=True)


@pytest.mark.elasticsearch
def test_vectors_are_compared_when_asked(elasticsearch_settings, capsys):
    photo = make_dog(make_owner(), "Rex").photos.get()
    index = ElasticsearchIndex()
    stored = index.client.get(index=index.alias, id=str(photo.pk), source_exclude_vectors=False)
    index.client.index(
        index=index.alias,
        id=str(photo.pk),
        document={**stored["_source"], "image_embedding": unit(7)},
        version=stored["_version"],
        version_type="external_gte",
        refresh=True,
    )

    call_command("search_index", check=True)  # the version and fields still match
    with pytest.raises(CommandError, match="drifted"):
        call_command("search_index", check=True, vectors=True)
    assert f"{photo.pk} (vector)" in capsys.readouterr().out

    call_command("search_index", fix=True, vectors=True)

    assert np.array_equal(index.vectors([photo.pk])[photo.pk], photo.vector)


def test_the_embedded_index_matches_the_database_by_construction(capsys):
    make_dog(make_owner(), "Rex", seeds=(1, 2))

    call_command("search_index", check=True)
    call_command("search_index", fix=True)

    out = capsys.readouterr().out
    assert "The embedded index reads the database directly: it holds its 2 photos." in out
    assert "Nothing to fix" in out


def test_vectors_go_with_check_or_fix_only():
    with pytest.raises(CommandError, match="--vectors goes with --check or --fix"):
        call_command("search_index", rebuild=True, vectors=True)


@pytest.mark.elasticsearch
def test_check_against_a_stalled_elasticsearch_ends_with_an_error_within_its_timeout(
    shared_database, elasticsearch_server
):
    make_dog(make_owner(), "Rex")

    with elasticsearch_server.paused():
        # A run past the bound raises TimeoutExpired: the command must end on its own.
        check = run_manage(
            shared_database,
            "search_index",
            "--check",
            timeout=2 * STALL_TIMEOUT_S + START_UP_S,
            ELASTICSEARCH_OPERATION_TIMEOUT=str(STALL_TIMEOUT_S),
        )

    assert check.returncode == 1
    assert "Elasticsearch is unavailable: it did not answer in time" in check.stderr
    assert "Traceback" not in check.stderr


@pytest.mark.elasticsearch
def test_a_server_that_stalls_in_the_middle_of_a_scan_ends_the_check_with_an_error(
    elasticsearch_settings, elasticsearch_server, monkeypatch
):
    elasticsearch_settings.ELASTICSEARCH_OPERATION_TIMEOUT = STALL_TIMEOUT_S
    make_dog(make_owner(), "Rex", seeds=(1, 2, 3))
    monkeypatch.setattr(es_backend, "SCAN_PAGE_SIZE", 1)
    read_hit = es_backend._state_of

    def stall_after_the_first_page(hit: dict, with_vectors: bool):
        elasticsearch_server.pause()
        return read_hit(hit, with_vectors)

    monkeypatch.setattr(es_backend, "_state_of", stall_after_the_first_page)
    began = time.monotonic()
    try:
        with pytest.raises(CommandError, match="did not answer in time"):
            call_command("search_index", check=True)
    finally:
        elasticsearch_server.resume()

    # The scroll request times out once; the clean-up is skipped (it would wait as long again).
    assert time.monotonic() - began < 2 * STALL_TIMEOUT_S + 5
