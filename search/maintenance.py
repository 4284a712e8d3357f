"""Index operations behind the `search_index` command: rebuild and drift check."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from django.db import transaction
from django.utils import timezone

from dogs.models import DogPhoto

from . import sync
from .documents import document_for, documents_for_model, indexable_photos
from .embeddings import active_model_name, embed_images, get_encoder
from .index import get_index
from .models import IndexGeneration


@dataclass
class IndexCheck:
    database: int
    index: int
    missing: list[int] = field(default_factory=list)  # in the database, not in the index
    extra: list[int] = field(default_factory=list)  # in the index, gone from the database
    not_embedded: int = 0  # photos still waiting for an embedding with the active model

    @property
    def in_sync(self) -> bool:
        return not self.missing and not self.extra


def check_index() -> IndexCheck:
    model = active_model_name()
    expected = set(indexable_photos(model).values_list("pk", flat=True))
    actual = get_index().photo_ids()
    return IndexCheck(
        database=len(expected),
        index=len(actual),
        missing=sorted(expected - actual),
        extra=sorted(actual - expected),
        not_embedded=DogPhoto.objects.needing_embedding(model).count(),
    )


def model_dimension(model: str) -> int:
    """The vector size of `model`: read off a stored embedding, so a rebuild needs no model load."""
    stored = DogPhoto.objects.embedded_with(model).values_list("embedding", flat=True).first()
    return len(stored) // 4 if stored is not None else get_encoder().dimension


def rebuild_index(progress: Callable[[int], None] | None = None) -> int:
    """Rebuild from the database's stored vectors; searches keep using the old index until the switch."""
    model = active_model_name()
    started = timezone.now()
    total = indexable_photos(model).count()
    index = get_index()
    count = index.rebuild(documents_for_model(model), model_dimension(model), total=total, progress=progress)
    # Writes that landed in the old index while the new one was filling: replay them.
    stale = _written_since(started) | _dogs_written_since(started) | _gone_from_database(model)
    if stale:
        sync.photos_changed(stale)
    return count


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
    failed: list[int] = []
    photo_ids = list(DogPhoto.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(photo_ids), batch_size):
        photos = list(DogPhoto.objects.filter(pk__in=photo_ids[start : start + batch_size]).order_by("pk"))
        readable, images = [], []
        for photo in photos:
            try:
                images.append(sync.open_for_embedding(photo))
                readable.append(photo)
            except OSError:
                failed.append(photo.pk)
        for photo, vector in zip(readable, embed_images(images), strict=True):
            vectors[photo.pk] = vector
        if progress is not None:
            progress(len(photos))

    def documents_with_new_vectors():
        photos = DogPhoto.objects.filter(pk__in=vectors).select_related("dog").order_by("pk")
        for photo in photos.iterator(chunk_size=2000):
            photo.set_vector(vectors[photo.pk], model)
            yield document_for(photo)

    indexed = get_index().rebuild(documents_with_new_vectors(), get_encoder().dimension, total=len(vectors))

    with transaction.atomic():
        # A photo written while this ran (added, or its image replaced) was embedded from what
        # it was before, if at all: keep its old vector and let the outbox embed it afresh.
        rewritten = _written_since(started)
        updates = []
        for pk, vector in vectors.items():
            if pk not in rewritten:
                photo = DogPhoto(pk=pk)
                photo.set_vector(vector, model)
                updates.append(photo)
        DogPhoto.objects.bulk_update(updates, ["embedding", "embedding_model"], batch_size=500)
        IndexGeneration.bump()
        # Re-sync those, the photos of dogs edited meanwhile, and index entries whose photo is
        # gone or was not embedded with the new model (deleted meanwhile, unreadable).
        meanwhile = rewritten | _dogs_written_since(started) | _gone_from_database(model) | set(failed)
        sync.photos_changed(meanwhile)
    return ModelChange(model, len(vectors), indexed, failed, len(meanwhile))
