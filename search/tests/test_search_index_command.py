from __future__ import annotations

import threading

import pytest
from django.core.management import CommandError, call_command

from dogs.models import DogPhoto
from search.backends.elasticsearch import ElasticsearchIndex
from search.embeddings import active_model_name
from search.index import get_index
from tests.factories import make_dog, make_owner

pytestmark = pytest.mark.django_db


@pytest.fixture
def dogs(index_backend):
    owner = make_owner()
    return [make_dog(owner, f"Dog {i}", seeds=(300 + i,)) for i in range(6)]


def test_check_reports_a_matching_index(dogs, capsys):
    call_command("search_index", check=True)

    assert "The index matches the database." in capsys.readouterr().out


@pytest.mark.elasticsearch
def test_check_reports_a_document_removed_behind_the_apps_back(elasticsearch_settings, capsys):
    dogs = [make_dog(make_owner(), "Dog", seeds=(1, 2))]
    victim = dogs[0].photos.first()
    ElasticsearchIndex().client.delete(
        index=elasticsearch_settings.ELASTICSEARCH_INDEX, id=str(victim.pk), refresh=True
    )

    with pytest.raises(CommandError, match="drifted"):
        call_command("search_index", check=True)

    assert f"Missing from the index: {victim.pk}" in capsys.readouterr().out


def test_rebuild_restores_a_wiped_index(dogs, capsys):
    get_index().drop()
    call_command("search_index", rebuild=True)

    assert get_index().photo_ids() == set(DogPhoto.objects.values_list("pk", flat=True))
    assert "Rebuilt the index with 6 photos." in capsys.readouterr().out


@pytest.mark.elasticsearch
def test_rebuild_moves_the_alias_and_search_works_throughout(elasticsearch_settings):
    owner = make_owner()
    dogs = [make_dog(owner, f"Dog {i}", seeds=(400 + i,)) for i in range(8)]
    index = ElasticsearchIndex()
    before = index.concrete_indices()
    probe = dogs[3].photos.get()
    results, stop = [], threading.Event()

    def keep_searching():
        while not stop.is_set():
            results.append([m.dog_id for m in index.search(probe.vector, 1, active_model_name())])

    searcher = threading.Thread(target=keep_searching)
    searcher.start()
    try:
        for _ in range(3):
            call_command("search_index", rebuild=True)
    finally:
        stop.set()
        searcher.join()

    after = index.concrete_indices()
    assert len(after) == 1 and after != before
    assert not index.client.indices.exists(index=before[0]), "the old index is removed"
    assert results and all(r == [dogs[3].pk] for r in results), "no search saw an empty or half-built index"
    assert index.photo_ids() == set(DogPhoto.objects.values_list("pk", flat=True))


@pytest.mark.elasticsearch
def test_the_live_mapping_is_the_blogs_mapping(elasticsearch_settings):
    make_dog(make_owner(), "Rex")
    index = ElasticsearchIndex()
    name = index.concrete_indices()[0]

    live = index.client.indices.get_mapping(index=name)[name]["mappings"]["properties"]
    live_settings = index.client.indices.get_settings(index=name)[name]["settings"]["index"]

    assert live["image_embedding"] == {
        "type": "dense_vector",
        "dims": 512,
        "index": True,
        "similarity": "cosine",
        "index_options": {"type": "hnsw", "m": 16, "ef_construction": 100},
    }
    for keyword in ("dog_id", "breed", "image_path", "owner_name"):
        assert live[keyword] == {"type": "keyword"}
    assert live["exif"]["properties"] == {"location": {"type": "geo_point"}, "date": {"type": "date"}}
    assert live_settings["refresh_interval"] == "5s" or elasticsearch_settings.ELASTICSEARCH_REFRESH_INTERVAL != "5s"
    assert live_settings["number_of_shards"] == "1"
    source = index.client.get(index=name, id=str(DogPhoto.objects.get().pk))["_source"]
    assert "owner_name" not in source, "no personal data in search-engine documents"


@pytest.mark.elasticsearch
@pytest.mark.parametrize(("oversample", "expected_rescore"), [(2.0, {"oversample": 2.0}), (0, None)])
def test_quantised_vectors_are_rescored_with_the_float_ones(elasticsearch_settings, oversample, expected_rescore):
    elasticsearch_settings.ELASTICSEARCH_VECTOR_INDEX_TYPE = "int8_hnsw"
    elasticsearch_settings.ELASTICSEARCH_RESCORE_OVERSAMPLE = oversample
    owner = make_owner()
    dogs = [make_dog(owner, f"Dog {seed}", seeds=(seed,)) for seed in range(1, 6)]
    index = ElasticsearchIndex()
    name = index.concrete_indices()[0]
    index.client.indices.refresh(index=name)

    options = index.client.indices.get_mapping(index=name)[name]["mappings"]["properties"]["image_embedding"][
        "index_options"
    ]
    probe = DogPhoto.objects.get(dog=dogs[2])
    matches = index.search(probe.vector, 3, active_model_name())

    assert options["type"] == "int8_hnsw"
    assert options.get("rescore_vector") == expected_rescore
    assert matches[0].dog_id == dogs[2].pk
    assert matches[0].score > 0.99


def test_create_and_delete(index_backend, capsys):
    call_command("search_index", create=True)
    call_command("search_index", delete=True)

    assert "Index deleted" in capsys.readouterr().out
    assert get_index().photo_ids() == set()


@pytest.mark.elasticsearch
def test_delete_names_the_concrete_indices_it_deletes(elasticsearch_settings, capsys):
    make_dog(make_owner(), "Rex")
    index = ElasticsearchIndex()
    serving = index.concrete_indices()

    call_command("search_index", delete=True)

    assert f"Index deleted: {serving[0]}." in capsys.readouterr().out
    assert not index.client.indices.exists(index=serving[0])
    assert not index.client.indices.exists_alias(name=index.alias)
