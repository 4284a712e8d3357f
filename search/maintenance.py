"""Index operations behind the `search_index` command: rebuild, check and repair."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dogs.models import DogPhoto

from . import sync
from .backends.base import DocumentState, HalfBuilt, IndexConflict, Stray
from .documents import document_for, documents_for_model, expected_states, indexable_photos
from .embeddings import DogInPhoto, active_model_name, embed_and_find_dogs, get_encoder
from .index import get_index
from .models import IndexGeneration, PendingIndexUpdate

COMPARED_FIELDS = ("version", "model", "dog_id", "breed", "kind")


@dataclass
class IndexCheck:
    """The index against the database, document by document (`search_index --check`)."""

    database: int  # photos the index should hold: those embedded with the active model
    index: int  # documents Reunite wrote that the index holds (strays are counted apart)
    missing: list[int] = field(default_factory=list)  # in the database, not in the index
    extra: list[int] = field(default_factory=list)  # in the index, gone from the database (or not embedded)
    stale: dict[int, list[str]] = field(default_factory=dict)  # photo id -> the fields that differ
    strays: list[Stray] = field(default_factory=list)  # documents Reunite did not write
    half_built: list[HalfBuilt] = field(default_factory=list)
    conflict: str = ""  # an index, not Reunite's alias, holds the index's name
    not_embedded: int = 0  # photos still waiting for an embedding with the active model
    pending: int = 0  # changes waiting in the outbox: drift in those photos is expected until applied
    derived: bool = False  # the backend reads the database itself (embedded): nothing can drift

    @property
    def in_sync(self) -> bool:
        problems = (self.missing, self.extra, self.stale, self.strays, self.half_built, self.conflict)
        return not any(problems)


def _differences(actual: DocumentState, expected: DocumentState) -> list[str]:
    names = [name for name in COMPARED_FIELDS if getattr(actual, name) != getattr(expected, name)]
    if expected.vector_digest and actual.vector_digest != expected.vector_digest:
        names.append("vector")
    return names


def check_index(with_vectors: bool = False) -> IndexCheck:
    """Compare every document's version, model and dog fields (and vectors, if asked) with the database.

    The index is read before the database. A photo the index holds that the database no longer has
    was deleted (ids are never reused), and an index copy older than the database's is behind: so
    what `fix_index` does about them is right even while the app keeps writing.
    """
    model = active_model_name()
    contents = get_index().inspect(with_vectors)
    expected = expected_states(model, with_vectors)
    result = IndexCheck(
        database=len(expected),
        index=len(expected) if contents.documents is None else len(contents.documents),
        strays=contents.strays,
        half_built=contents.half_built,
        conflict=contents.conflict,
        not_embedded=DogPhoto.objects.needing_embedding(model).count(),
        pending=PendingIndexUpdate.objects.count(),
        derived=contents.documents is None,
    )
    if contents.documents is not None:
        actual = contents.documents
        result.missing = sorted(expected.keys() - actual.keys())
        result.extra = sorted(actual.keys() - expected.keys())
        for pk in sorted(expected.keys() & actual.keys()):
            if differences := _differences(actual[pk], expected[pk]):
                result.stale[pk] = differences
    return result


def fix_index(result: IndexCheck, batch_size: int = 500) -> None:
    """Repair what `check_index` found, from the database. A naming conflict is left to adopt/replace."""
    if result.conflict:
        raise IndexConflict(result.conflict)
    index = get_index()
    rewrite = result.missing + list(result.stale)
    model = active_model_name()
    for start in range(0, len(rewrite), batch_size):
        photos = indexable_photos(model).filter(pk__in=rewrite[start : start + batch_size])
        # `repair`: a damaged copy carrying the database's own version is replaced too.
        index.upsert([document_for(photo) for photo in photos], repair=True)
    index.delete(result.extra)
    index.remove_leftovers(result.strays, [built.name for built in result.half_built if not built.running])


def name_taken() -> bool:
    """Whether an index that is not Reunite's holds the index's name (one cheap request)."""
    try:
        get_index().ping(timeout=settings.ELASTICSEARCH_OPERATION_TIMEOUT)
    except IndexConflict:
        return True
    return False


def model_dimension(model: str) -> int:
    """The vector size of `model`: read off a stored embedding, so a rebuild needs no model load."""
    stored = DogPhoto.objects.embedded_with(model).values_list("embedding", flat=True).first()
    return len(stored) // 4 if stored is not None else get_encoder().dimension


def rebuild_index(progress: Callable[[int], None] | None = None, *, take_name: bool = False) -> int:
    """Rebuild from the database's stored vectors; searches keep using the old index until the switch.

    The backend reads the documents only once every later write also reaches the new index (the
    Elasticsearch backend's building marker), so a change committed while it runs is not lost.
    `take_name`: an index that is not Reunite's and holds the name is replaced at the switch
    (`search_index --adopt` / `--replace`).
    """
    model = active_model_name()
    total = indexable_photos(model).count()
    return get_index().rebuild(
        documents_for_model(model), model_dimension(model), total=total, progress=progress, take_name=take_name
    )


def _written_since(started) -> set[int]:
    """Photos added or changed (a replaced image, new EXIF) since `started`."""
    return set(DogPhoto.objects.filter(updated_at__gte=started).values_list("pk", flat=True))


def _dogs_written_since(started) -> set[int]:
    """Photos whose dog changed since `started`: their documents carry its breed and kind."""
    return set(DogPhoto.objects.filter(dog__updated_at__gte=started).values_list("pk", flat=True))


def _gone_from_database(model: str) -> set[int]:
    """Photos the index holds that are no longer indexable (deleted meanwhile, or not embedded)."""
    return get_index().photo_ids() - set(indexable_photos(model).values_list("pk", flat=True))


@dataclass
class ModelChange:
    model: str
    embedded: int
    indexed: int
    failed: list[int] = field(default_factory=list)
    changed_meanwhile: int = 0


def change_model(batch_size: int, progress: Callable[[int], None] | None = None) -> ModelChange:
    """Re-embed every photo with the configured model and switch over in one step.

    Until the switch the database and the index keep the old model's vectors, so
    search keeps working; the new vectors are held in memory (about 5 KB a photo).
    """
    model = active_model_name()
    started = timezone.now()
    vectors: dict[int, np.ndarray] = {}
    dogs: dict[int, DogInPhoto] = {}
    failed: list[int] = []
    photo_ids = list(DogPhoto.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(photo_ids), batch_size):
        photos = list(DogPhoto.objects.filter(pk__in=photo_ids[start : start + batch_size]).order_by("pk"))
        loaders = [functools.partial(sync.open_for_embedding, photo) for photo in photos]
        for photo, result in zip(photos, embed_and_find_dogs(loaders), strict=True):
            if isinstance(result, OSError):
                failed.append(photo.pk)
            else:
                vectors[photo.pk], dogs[photo.pk] = result
        if progress is not None:
            progress(len(photos))

    def documents_with_new_vectors():
        photos = DogPhoto.objects.filter(pk__in=vectors).select_related("dog").order_by("pk")
        for photo in photos.iterator(chunk_size=2000):
            photo.set_vector(vectors[photo.pk], model)
            yield document_for(photo)

    # Writers meanwhile still write the old model's vectors: they must not reach the new index
    # (follow_writes=False); the photos they changed are re-synced below, once the new vectors are stored.
    indexed = get_index().rebuild(
        documents_with_new_vectors(), get_encoder().dimension, total=len(vectors), follow_writes=False
    )

    with transaction.atomic():
        # A photo written while this ran (added, or its image replaced) was embedded from what
        # it was before, if at all: keep its old vector and let the outbox embed it afresh.
        rewritten = _written_since(started)
        # Loaded with their boxes, so set_dog keeps the crops whose box did not move.
        current = DogPhoto.objects.only("pk", "dog_found", "dog_box", "dog_crop").in_bulk(vectors.keys() - rewritten)
        for pk, photo in current.items():
            photo.set_vector(vectors[pk], model)
            photo.set_dog(dogs[pk].found, dogs[pk].box)
        DogPhoto.objects.bulk_update(current.values(), sync.EMBEDDING_FIELDS, batch_size=500)
        IndexGeneration.bump()
        # Re-sync those, the photos of dogs edited meanwhile, and index entries whose photo is
        # gone or was not embedded with the new model (deleted meanwhile, unreadable).
        meanwhile = rewritten | _dogs_written_since(started) | _gone_from_database(model) | set(failed)
        sync.photos_changed(meanwhile)
    return ModelChange(model, len(vectors), indexed, failed, len(meanwhile))
