"""How a photo in the database becomes a document in the vector index."""

from __future__ import annotations

from collections.abc import Iterator

from dogs.models import DogPhoto

from .backends import IndexDocument


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


def documents_for_model(model: str, chunk_size: int = 2000) -> Iterator[IndexDocument]:
    for photo in indexable_photos(model).iterator(chunk_size=chunk_size):
        yield document_for(photo)
