"""Keeping the vector index in step with the database.

The database is the source of truth. A change to a photo writes an outbox row
(`PendingIndexUpdate`) in the same transaction; after the commit the row is
applied. If the model or the index is unavailable, the row stays with its error
and is retried by later writes and by `manage.py sync_index`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from PIL import Image

from dogs.models import DogPhoto
from dogs.photo_files import EMBEDDING_DRAFT_SIZE

from .backends.base import IndexUnavailable
from .documents import document_for
from .embeddings import ModelUnavailable, active_model_name, embed_images
from .index import get_index
from .models import PendingIndexUpdate

logger = logging.getLogger(__name__)

RETRY_BATCH = 50


@dataclass
class SyncResult:
    indexed: int = 0
    deleted: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


_batch = threading.local()


@contextmanager
def batched() -> Iterator[None]:
    """Apply the changes made inside the block together after commit, in one index request."""
    outer = getattr(_batch, "photo_ids", None)
    if outer is not None:
        yield
        return
    _batch.photo_ids = collected = set()
    try:
        yield
    finally:
        _batch.photo_ids = None
    if collected:
        transaction.on_commit(partial(apply_after_commit, sorted(collected)), robust=True)


def photos_changed(photo_ids: Iterable[int]) -> None:
    """Record that these photos' index entries must be refreshed, and refresh them after commit."""
    photo_ids = sorted(set(photo_ids))
    if not photo_ids:
        return
    for photo_id in photo_ids:
        _record(photo_id)
    collecting = getattr(_batch, "photo_ids", None)
    if collecting is not None:
        collecting.update(photo_ids)
    else:
        transaction.on_commit(partial(apply_after_commit, photo_ids), robust=True)


def _record(photo_id: int) -> None:
    if PendingIndexUpdate.objects.filter(photo_id=photo_id).update(revision=F("revision") + 1):
        return
    try:
        with transaction.atomic():
            PendingIndexUpdate.objects.create(photo_id=photo_id)
    except IntegrityError:  # another request recorded it first
        PendingIndexUpdate.objects.filter(photo_id=photo_id).update(revision=F("revision") + 1)


def apply_after_commit(photo_ids: Sequence[int]) -> None:
    result = apply_pending(photo_ids)
    if not result.failed and PendingIndexUpdate.objects.failing().exists():
        # The index answers again: catch up on earlier failures too.
        apply_pending(limit=RETRY_BATCH)


def open_for_embedding(photo: DogPhoto) -> Image.Image:
    with photo.image.open("rb") as handle:
        image = Image.open(handle)
        image.draft("RGB", (EMBEDDING_DRAFT_SIZE, EMBEDDING_DRAFT_SIZE))
        image.load()
    return image


def embed_photos(photos: Sequence[DogPhoto]) -> None:
    """Embed photos in one batch and store the vectors without sending signals."""
    if not photos:
        return
    model = active_model_name()
    vectors = embed_images([open_for_embedding(photo) for photo in photos])
    for photo, vector in zip(photos, vectors, strict=True):
        photo.set_vector(vector, model)
    # One UPDATE per batch of rows, and bulk_update sends no signals.
    DogPhoto.objects.bulk_update(photos, ["embedding", "embedding_model"], batch_size=500)


def apply_pending(photo_ids: Sequence[int] | None = None, *, limit: int | None = 500) -> SyncResult:
    pending = PendingIndexUpdate.objects.order_by("pk")
    if photo_ids is not None:
        pending = pending.filter(photo_id__in=photo_ids)
    rows = list(pending[:limit] if limit else pending)
    result = SyncResult()
    if not rows:
        return result

    model = active_model_name()
    photos = DogPhoto.objects.filter(pk__in=[row.photo_id for row in rows]).select_related("dog")
    photos_by_id = {photo.pk: photo for photo in photos}
    embed_error = ""
    stale = [p for p in photos_by_id.values() if p.embedding is None or p.embedding_model != model]
    if stale:
        try:
            embed_photos(stale)
        except ModelUnavailable as exc:
            embed_error = str(exc)
        except OSError as exc:  # a stored file went missing or unreadable
            embed_error = f"Could not read a stored photo: {exc}"

    ready = [p for p in photos_by_id.values() if p.embedding is not None and p.embedding_model == model]
    gone = [row.photo_id for row in rows if row.photo_id not in photos_by_id]
    try:
        index = get_index()
        index.upsert([document_for(photo) for photo in ready])
        index.delete(gone)
    except IndexUnavailable as exc:
        logger.warning("Index unavailable; %d change(s) kept for retry: %s", len(rows), exc)
        _record_failure(rows, str(exc))
        result.failed = len(rows)
        result.errors.append(str(exc))
        return result

    ready_ids = {photo.pk for photo in ready}
    done, not_embedded = [], []
    for row in rows:
        (done if row.photo_id in ready_ids or row.photo_id in gone else not_embedded).append(row)
    for row in done:
        # Only clear the request we applied: a newer change keeps its row.
        PendingIndexUpdate.objects.filter(pk=row.pk, revision=row.revision).delete()
    if not_embedded:
        logger.warning("Embedding failed; %d photo(s) kept for retry: %s", len(not_embedded), embed_error)
        _record_failure(not_embedded, embed_error)
        result.errors.append(embed_error)
    result.indexed, result.deleted, result.failed = len(ready), len(gone), len(not_embedded)
    return result


def _record_failure(rows: Sequence[PendingIndexUpdate], error: str) -> None:
    PendingIndexUpdate.objects.filter(pk__in=[row.pk for row in rows]).update(
        attempts=F("attempts") + 1, last_error=error[:2000], updated_at=timezone.now()
    )


def reindex_dog(dog_id: int) -> None:
    photos_changed(DogPhoto.objects.filter(dog_id=dog_id).values_list("pk", flat=True))
