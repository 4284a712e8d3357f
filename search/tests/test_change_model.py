from __future__ import annotations

import pytest
from django.core.management import call_command

from dogs.models import DogPhoto
from search import embeddings
from search.backends import IndexUnavailable, get_index
from tests.factories import make_dog, make_owner

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def bundled_model(settings):
    def switch():
        settings.EMBEDDING_MODEL = "efficientnet-lite0"
        embeddings.reset()

    yield switch
    embeddings.reset()


def test_it_re_embeds_every_photo_and_switches_the_index(index_backend, bundled_model, capsys):
    owner = make_owner()
    dogs = [make_dog(owner, f"Dog {i}", seeds=(800 + i, 900 + i)) for i in range(3)]
    clip_model = embeddings.active_model_name()
    probe = dogs[1].photos.first()

    bundled_model()
    call_command("change_model", batch_size=4)

    photos = list(DogPhoto.objects.all())
    assert {p.embedding_model for p in photos} == {"efficientnet-lite0"}
    assert {p.vector.shape for p in photos} == {(1280,)}
    probe.refresh_from_db()
    hits = get_index().search(probe.vector, 1, "efficientnet-lite0")
    assert hits[0].photo_id == probe.pk and hits[0].score > 0.999
    try:
        stale = get_index().search(probe.vector[:512], 5, clip_model)
    except IndexUnavailable as exc:  # Elasticsearch: the index's dimension is the new model's
        assert "another embedding model" in str(exc)
        stale = []
    assert stale == [], "no vector of the old model is left"
    assert "Switched 6 photos to efficientnet-lite0" in capsys.readouterr().out


def test_an_unloadable_model_stops_before_anything_changes(index_backend, settings, tmp_path):
    make_dog(make_owner(), "Rex")
    before = DogPhoto.objects.get().embedding_model
    settings.CLIP_MODEL = str(tmp_path / "missing")
    embeddings.reset()

    from django.core.management import CommandError

    with pytest.raises(CommandError, match="CLIP_MODEL"):
        call_command("change_model")

    assert DogPhoto.objects.get().embedding_model == before
    embeddings.reset()
