from __future__ import annotations

import pytest
from django.core.management import call_command

from dogs.models import DogPhoto
from search import embeddings
from search.backends.base import IndexUnavailable
from search.index import get_index
from tests.factories import make_dog, make_owner

pytestmark = pytest.mark.django_db


@pytest.fixture
def switch_to_bundled_model(settings):
    def switch():
        settings.EMBEDDING_MODEL = "efficientnet-lite0"
        embeddings.reset()

    yield switch
    embeddings.reset()


def test_it_re_embeds_every_photo_and_switches_the_index(index_backend, switch_to_bundled_model, capsys):
    owner = make_owner()
    dogs = [make_dog(owner, f"Dog {i}", seeds=(800 + i, 900 + i)) for i in range(3)]
    clip_model = embeddings.active_model_name()
    probe = dogs[1].photos.first()

    switch_to_bundled_model()
    call_command("change_model", batch_size=4)

    photos = list(DogPhoto.objects.all())
    assert {p.embedding_model for p in photos} == {"efficientnet-lite0@pool"}
    assert {p.vector.shape for p in photos} == {(1280,)}
    probe.refresh_from_db()
    hits = get_index().search(probe.vector, 1, "efficientnet-lite0@pool")
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


def test_photos_written_while_it_runs_end_up_right(index_backend, switch_to_bundled_model, run_worker):
    from django.core.files.base import ContentFile

    from search.embeddings import embed_image
    from tests.support.photos import image_bytes, make_image

    owner = make_owner()
    # A known breed each: a breed filter keeps dogs of unknown breed, and these must not blur the check.
    dogs = [make_dog(owner, f"Dog {i}", seeds=(700 + i,), breed="Beagle") for i in range(4)]
    replaced, deleted, renamed = (dogs[0].photos.get(), dogs[1].photos.get(), dogs[2])
    switch_to_bundled_model()
    calls = []

    def meanwhile(count):
        if not calls:  # after the first batch: an owner and a member of staff at work
            replaced.image.save("new.jpg", ContentFile(image_bytes(make_image(777), "JPEG")))
            deleted.delete()
            renamed.breed = "Whippet"
            renamed.save()
        calls.append(count)

    from search.maintenance import change_model

    change_model(batch_size=2, progress=meanwhile)
    run_worker()  # what changed meanwhile waits in the outbox for the worker

    replaced.refresh_from_db()
    from search.sync import open_for_embedding

    expected = embed_image(open_for_embedding(replaced))  # the stored new file, decoded as the app does
    assert replaced.embedding_model == "efficientnet-lite0@pool"
    assert float(replaced.vector @ expected) > 0.999, "the replaced image's own vector, not the old image's"
    index = get_index()
    assert deleted.pk not in index.photo_ids()
    assert index.photo_ids() == set(DogPhoto.objects.values_list("pk", flat=True))
    from search.backends.base import SearchFilters

    whippets = index.search(expected, 5, "efficientnet-lite0@pool", SearchFilters(breed="Whippet"))
    assert [m.dog_id for m in whippets] == [renamed.pk]
