"""Which dogs look like a photo: the one answer behind staff search, owners' search and matching both ways."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np
from django.conf import settings
from PIL import Image

from dogs.models import Dog, DogPhoto

from .backends.base import SearchFilters
from .embeddings import active_model_name, embed_image
from .index import get_index
from .labels import Strength, thresholds


@dataclass(frozen=True)
class Similar:
    """A dog that looks like the query, scored by its best-matching photo."""

    dog_id: int
    photo_id: int
    score: float  # cosine similarity in [-1, 1]
    query: int = 0  # which of the query vectors matched it best


def similar(
    queries: Sequence[np.ndarray],
    *,
    kinds: Sequence[str],
    dogs_wanted: int,
    filters: SearchFilters | None = None,
) -> list[Similar]:
    """Each dog of `kinds` that looks like any of `queries`, once, by its best photo, best first.

    The index is asked for `dogs_wanted` x SEARCH_PHOTOS_PER_DOG photos per query, so dogs with
    several photos still fill the list. Callers that drop dogs afterwards (closed reports,
    rejected pairs) ask for more dogs than they show.
    """
    model = active_model_name()
    filters = replace(filters or SearchFilters(), kinds=tuple(kinds))
    k = dogs_wanted * settings.SEARCH_PHOTOS_PER_DOG
    best: dict[int, Similar] = {}
    for number, vector in enumerate(queries):
        for match in get_index().search(vector, k, model, filters):
            if match.dog_id not in best or match.score > best[match.dog_id].score:
                best[match.dog_id] = Similar(match.dog_id, match.photo_id, match.score, number)
    return sorted(best.values(), key=lambda found: found.score, reverse=True)


def best_pair(queries: Sequence[np.ndarray], photos: Iterable[DogPhoto]) -> tuple[float, DogPhoto, int] | None:
    """The most similar (photo, query) pair by exact cosine, for a dog the index was not asked about."""
    best = None
    for photo in photos:
        vector = photo.vector
        if vector is None or photo.embedding_model != active_model_name():
            continue
        for number, query in enumerate(queries):
            if len(query) == len(vector):
                score = float(np.dot(query, vector))
                if best is None or score > best[0]:
                    best = (score, photo, number)
    return best


@dataclass(frozen=True)
class DogMatch:
    dog: Dog
    photo: DogPhoto  # the dog's best-matching photo
    score: float
    strength: Strength


def find_matching_dogs_by_vector(
    vector: np.ndarray, *, limit: int | None = None, filters: SearchFilters | None = None
) -> list[DogMatch]:
    """Owners' registered dogs like this vector (found dogs share the index but are nobody's dog yet)."""
    limit = limit or settings.SEARCH_RESULTS
    chosen = similar([vector], kinds=(Dog.Kind.REGISTERED,), dogs_wanted=limit, filters=filters)[:limit]
    photos = DogPhoto.objects.select_related("dog__owner").in_bulk([found.photo_id for found in chosen])
    limits = thresholds()
    # A photo deleted since the index last heard of it is simply skipped.
    return [
        DogMatch(photos[s.photo_id].dog, photos[s.photo_id], s.score, limits.strength(s.score))
        for s in chosen
        if s.photo_id in photos
    ]


def find_matching_dogs(image: Image.Image, **kwargs) -> list[DogMatch]:
    return find_matching_dogs_by_vector(embed_image(image), **kwargs)
