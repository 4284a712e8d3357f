"""Index operations behind the `search_index` command: rebuild and drift check."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dogs.models import DogPhoto

from . import sync
from .backends import get_index
from .documents import document_for, documents_for_model, indexable_photos
from .embeddings import active_model_name, embed_images
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


def rebuild_index(progress: Callable[[int], None] | None = None) -> int:
    """Rebuild from the database's stored vectors; searches keep using the old index until the switch."""
    model = active_model_name()
    started = timezone.now()
    total = indexable_photos(model).count()
    index = get_index()
    count = index.rebuild(documents_for_model(model), total=total, progress=progress)
    # Writes that landed in the old index while the new one was filling: replay them.
    changed = DogPhoto.objects.filter(Q(updated_at__gte=started) | Q(dog__updated_at__gte=started))
    stale = set(changed.values_list("pk", flat=True))
    stale |= get_index().photo_ids() - set(indexable_photos(model).values_list("pk", flat=True))
    if stale:
        sync.photos_changed(stale)
    return count


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

    documents = []
    for photo in DogPhoto.objects.filter(pk__in=vectors).select_related("dog").order_by("pk"):
        photo.set_vector(vectors[photo.pk], model)
        documents.append(document_for(photo))
    indexed = get_index().rebuild(documents, total=len(documents))

    with transaction.atomic():
        updates = []
        for photo in DogPhoto.objects.filter(pk__in=vectors).only("pk"):
            photo.set_vector(vectors[photo.pk], model)
            updates.append(photo)
        DogPhoto.objects.bulk_update(updates, ["embedding", "embedding_model"], batch_size=500)
        IndexGeneration.bump()
        # Photos added or replaced while this ran were embedded with the old model: redo them.
        meanwhile = set(DogPhoto.objects.filter(created_at__gte=started).values_list("pk", flat=True))
        meanwhile |= set(failed)
        sync.photos_changed(meanwhile)
    return ModelChange(model, len(vectors), indexed, failed, len(meanwhile))
