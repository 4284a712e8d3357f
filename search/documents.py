"""How a photo in the database becomes a document in the vector index."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from dogs.models import DogPhoto

from .backends.base import DocumentState, IndexDocument, vector_digest


def document_version(photo_updated_at: datetime, dog_updated_at: datetime) -> int:
    """The document's revision, in microseconds: it holds dog fields too, so a change to either must win."""
    return int(max(photo_updated_at, dog_updated_at).timestamp() * 1_000_000)


def document_for(photo: DogPhoto) -> IndexDocument:
    return IndexDocument(
        photo_id=photo.pk,
        dog_id=photo.dog_id,
        vector=photo.vector,
        model=photo.embedding_model,
        breed=photo.dog.breed,
        image_path=photo.image.name,
        kind=photo.dog.kind,
        taken_at=photo.taken_at,
        latitude=photo.latitude,
        longitude=photo.longitude,
        version=document_version(photo.updated_at, photo.dog.updated_at),
    )


def indexable_photos(model: str):
    return DogPhoto.objects.embedded_with(model).select_related("dog").order_by("pk")


# The fields the embedded index keeps per photo, in the order `_Snapshot.from_rows` reads them.
SNAPSHOT_FIELDS = ("pk", "dog_id", "embedding", "dog__breed", "dog__kind", "taken_at", "latitude", "longitude")


def snapshot_rows(model: str):
    """Every indexable photo of `model` as plain tuples of SNAPSHOT_FIELDS.

    The embedded index reloads from this on every process's first search and after
    another process wrote: one query, no model instances (about 7x faster than
    building IndexDocuments at 10k photos, BENCHMARKS.md).
    """
    return DogPhoto.objects.embedded_with(model).order_by("pk").values_list(*SNAPSHOT_FIELDS)


def documents_for_model(model: str, chunk_size: int = 2000) -> Iterator[IndexDocument]:
    for photo in indexable_photos(model).iterator(chunk_size=chunk_size):
        yield document_for(photo)


# What `search_index --check` compares, in the order `expected_states` reads them.
STATE_FIELDS = ("pk", "dog_id", "embedding_model", "dog__breed", "dog__kind", "updated_at", "dog__updated_at")


def expected_states(model: str, with_vectors: bool = False) -> dict[int, DocumentState]:
    """What the index should hold for every indexable photo of `model`, read in one query."""
    fields = STATE_FIELDS + (("embedding",) if with_vectors else ())
    states = {}
    rows = indexable_photos(model).values_list(*fields).iterator(chunk_size=2000)
    for pk, dog_id, embedding_model, breed, kind, photo_updated_at, dog_updated_at, *embedding in rows:
        states[pk] = DocumentState(
            version=document_version(photo_updated_at, dog_updated_at),
            model=embedding_model,
            dog_id=dog_id,
            breed=breed,
            kind=kind,
            vector_digest=vector_digest(bytes(embedding[0])) if with_vectors else "",
        )
    return states
