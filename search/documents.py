"""How a photo in the database becomes a document in the vector index."""

from __future__ import annotations

from collections.abc import Iterator

from dogs.models import DogPhoto

from .backends.base import IndexDocument


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
        # The document holds dog fields too, so a change to either must win over older writes.
        version=int(max(photo.updated_at, photo.dog.updated_at).timestamp() * 1_000_000),
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
