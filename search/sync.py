"""Keeping embeddings and the vector index in step with the database.

The database is the source of truth. A change to a photo or its dog writes an outbox row
(`PendingIndexUpdate`) in the same transaction (search.receivers). The background worker
drains the outbox (`drain`): photos without a current embedding are embedded in one batch,
the rest of each document is read from the database, and the index is written. A web
request never embeds a stored photo and never writes to the index.

If the model or the index is unavailable, the rows stay, with their error, and come back
after an exponential back-off; a row is cleared only if the photo did not change again
while it was being applied.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from PIL import Image

from dogs.models import DogPhoto
from dogs.photos import EMBEDDING_DRAFT_SIZE, make_renditions, open_stored
from worker.loop import backoff, lease_end

from .backends.base import IndexUnavailable
from .documents import document_for
from .embeddings import ModelUnavailable, active_model_name, embed_and_find_dogs
from .index import get_index
from .models import PendingIndexUpdate

logger = logging.getLogger(__name__)


@dataclass
class SyncResult:
    indexed: int = 0
    deleted: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def photos_changed(photo_ids: Iterable[int]) -> None:
    """Record, in the current transaction, that these photos' embeddings and index entries must be refreshed."""
    for photo_id in sorted(set(photo_ids)):
        _record(photo_id)


def dog_changed(dog_id: int) -> None:
    photos_changed(DogPhoto.objects.filter(dog_id=dog_id).values_list("pk", flat=True))


def _record(photo_id: int) -> None:
    # A photo already waiting gets a new revision and is due again at once, whatever its back-off.
    now = timezone.now()
    changed = PendingIndexUpdate.objects.filter(photo_id=photo_id)
    if changed.update(revision=F("revision") + 1, next_attempt_at=now):
        return
    try:
        with transaction.atomic():
            PendingIndexUpdate.objects.create(photo_id=photo_id, next_attempt_at=now)
    except IntegrityError:  # another transaction recorded it first
        changed.update(revision=F("revision") + 1, next_attempt_at=now)


def is_current(photo_ids: Sequence[int]) -> bool:
    """True when none of these photos waits for an embedding or an index write."""
    return not PendingIndexUpdate.objects.filter(photo_id__in=photo_ids).exists()


def drain(worker_id: str) -> int:
    """The worker's part: claim a batch of due rows under a lease and apply them. Returns how many."""
    rows = _claim(worker_id, settings.WORKER_BATCH_SIZE)
    if rows:
        apply(rows)
    return len(rows)


def _claim(worker_id: str, limit: int) -> list[PendingIndexUpdate]:
    now = timezone.now()
    with transaction.atomic():
        due = PendingIndexUpdate.objects.due(now).select_for_update(skip_locked=True).order_by("pk")
        rows = list(due[:limit])
        PendingIndexUpdate.objects.filter(pk__in=[row.pk for row in rows]).update(
            locked_until=lease_end(), locked_by=worker_id
        )
    return rows


# What embedding a photo sets: its vector, and where the model saw the dog.
EMBEDDING_FIELDS = ["embedding", "embedding_model", "dog_found", "dog_box", "dog_crop"]


def open_for_embedding(photo: DogPhoto) -> Image.Image:
    return open_stored(photo.image, max_side=EMBEDDING_DRAFT_SIZE)


def embed_photos(photos: Sequence[DogPhoto]) -> dict[int, str]:
    """Embed photos in one batch and store the vectors without sending signals.

    Returns the photos that could not be read, with the reason; the others are embedded.
    Raises ModelUnavailable when the model cannot be loaded.
    """
    model = active_model_name()
    embedded, unreadable = [], {}
    # Each batch is read and prepared by a pool of threads, then embedded; the dog is found on the way.
    loaders = [functools.partial(open_for_embedding, photo) for photo in photos]
    for photo, result in zip(photos, embed_and_find_dogs(loaders), strict=True):
        if isinstance(result, OSError):  # a stored file went missing or unreadable
            unreadable[photo.pk] = f"Could not read the stored photo: {result}"
        else:
            vector, dog = result
            photo.set_vector(vector, model)
            photo.set_dog(dog.found, dog.box)
            embedded.append(photo)
    if embedded:
        # One UPDATE per batch of rows, and bulk_update sends no signals.
        DogPhoto.objects.bulk_update(embedded, EMBEDDING_FIELDS, batch_size=500)
    return unreadable


def apply(rows: Sequence[PendingIndexUpdate]) -> SyncResult:
    """Bring these photos' embeddings and index entries in line with the database."""
    model = active_model_name()
    photos = {p.pk: p for p in DogPhoto.objects.filter(pk__in=[row.photo_id for row in rows]).select_related("dog")}
    failures: dict[int, str] = {}
    stale = [p for p in photos.values() if p.embedding is None or p.embedding_model != model]
    if stale:
        try:
            failures.update(embed_photos(stale))
        except ModelUnavailable as exc:
            failures.update(dict.fromkeys((p.pk for p in stale), exc.detail))
    ready = [p for p in photos.values() if p.pk not in failures]
    gone = [row.photo_id for row in rows if row.photo_id not in photos]
    _make_renditions([p for p in ready if not (p.thumbnail and p.display) or (p.dog_box and not p.dog_crop)])
    try:
        index = get_index()
        index.upsert([document_for(photo) for photo in ready])
        index.delete(gone)
    except IndexUnavailable as exc:
        return _settle(rows, dict.fromkeys((row.photo_id for row in rows), str(exc)), SyncResult())
    return _settle(rows, failures, SyncResult(indexed=len(ready), deleted=len(gone)))


def _make_renditions(photos: Sequence[DogPhoto]) -> None:
    """Pages show renditions: made here, off the request path (a page makes one itself if this failed)."""
    for photo in photos:
        try:
            make_renditions(photo)
        except OSError as exc:
            logger.warning("No renditions for photo %s: %s", photo.pk, exc)


def _settle(rows: Sequence[PendingIndexUpdate], failures: dict[int, str], result: SyncResult) -> SyncResult:
    for row in rows:
        if row.photo_id in failures:
            _record_failure(row, failures[row.photo_id])
            continue
        # Only the revision applied is cleared: a newer change keeps its row, released for the next pass.
        if not PendingIndexUpdate.objects.filter(pk=row.pk, revision=row.revision).delete()[0]:
            PendingIndexUpdate.objects.filter(pk=row.pk).update(locked_until=None, locked_by="")
    result.failed, result.errors = len(failures), sorted(set(failures.values()))
    if failures:
        logger.warning("%d index change(s) kept for retry: %s", len(failures), "; ".join(result.errors)[:500])
    return result


def _record_failure(row: PendingIndexUpdate, error: str) -> None:
    attempts = row.attempts + 1
    same_revision = PendingIndexUpdate.objects.filter(pk=row.pk, revision=row.revision)
    if not same_revision.update(
        attempts=attempts,
        last_error=error[:2000],
        next_attempt_at=timezone.now() + backoff(attempts),
        locked_until=None,
        locked_by="",
    ):
        # Changed again meanwhile: due at once, like any new change.
        PendingIndexUpdate.objects.filter(pk=row.pk).update(
            attempts=attempts, last_error=error[:2000], locked_until=None, locked_by=""
        )
