"""Finding registered dogs that look like a photo."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from django.conf import settings
from PIL import Image

from dogs.models import Dog, DogPhoto

from .backends.base import Match, SearchFilters
from .embeddings import active_model_name, embed_image
from .index import get_index


@dataclass(frozen=True)
class DogMatch:
    dog: Dog
    photo: DogPhoto  # the dog's best-matching photo
    score: float

    @property
    def percent(self) -> int:
        return max(0, round(self.score * 100))


def best_per_dog(matches: list[Match], limit: int) -> list[Match]:
    """One result per dog, scored by its best photo, best first."""
    best: dict[int, Match] = {}
    for match in matches:
        if match.dog_id not in best or match.score > best[match.dog_id].score:
            best[match.dog_id] = match
    return sorted(best.values(), key=lambda m: m.score, reverse=True)[:limit]


def find_matching_dogs_by_vector(
    vector: np.ndarray, *, limit: int | None = None, filters: SearchFilters | None = None
) -> list[DogMatch]:
    limit = limit or settings.SEARCH_RESULTS
    # Owners' registered dogs only: found dogs share the index but are not anybody's dog yet.
    filters = replace(filters or SearchFilters(), kinds=(Dog.Kind.REGISTERED,))
    matches = get_index().search(
        vector, k=limit * settings.SEARCH_PHOTOS_PER_DOG, model=active_model_name(), filters=filters
    )
    chosen = best_per_dog(matches, limit)
    photos = DogPhoto.objects.select_related("dog__owner").in_bulk([m.photo_id for m in chosen])
    # A photo deleted since the index last heard of it is simply skipped.
    return [DogMatch(photos[m.photo_id].dog, photos[m.photo_id], m.score) for m in chosen if m.photo_id in photos]


def find_matching_dogs(image: Image.Image, **kwargs) -> list[DogMatch]:
    return find_matching_dogs_by_vector(embed_image(image), **kwargs)
