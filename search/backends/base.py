from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import numpy as np


class IndexUnavailable(RuntimeError):
    """The index cannot be reached or refused the request."""


@dataclass(frozen=True)
class IndexDocument:
    """What the index knows of one photo. No owner contact details, by design."""

    photo_id: int
    dog_id: int
    vector: np.ndarray
    model: str
    breed: str = ""
    image_path: str = ""
    kind: str = "registered"
    taken_at: datetime | None = None
    latitude: float | None = None
    longitude: float | None = None
    # Monotonic per photo, so a stale concurrent write cannot overwrite a newer one.
    version: int = 0


@dataclass(frozen=True)
class SearchFilters:
    breed: str = ""
    taken_after: datetime | None = None
    taken_before: datetime | None = None
    near: tuple[float, float] | None = None  # (latitude, longitude)
    within_km: float | None = None
    kinds: tuple[str, ...] = ()


@dataclass(frozen=True)
class Match:
    photo_id: int
    dog_id: int
    score: float  # cosine similarity in [-1, 1]


class SnapshotSource(Protocol):
    """What an in-process backend reads from the database (given by `search.index`)."""

    def rows(self, model: str) -> Sequence[tuple]:
        """(photo id, dog id, embedding bytes, breed, kind, taken_at, latitude, longitude) of every photo of `model`."""

    def active_model(self) -> str: ...

    def generation(self) -> int:
        """A counter shared by every process, bumped on each write."""

    def bump_generation(self) -> int: ...


class VectorIndex(Protocol):
    def ensure(self, dimension: int) -> None:
        """Create the index for vectors of `dimension` if it does not exist."""

    def upsert(self, documents: Sequence[IndexDocument]) -> None: ...

    def delete(self, photo_ids: Sequence[int]) -> None: ...

    def search(self, vector: np.ndarray, k: int, model: str, filters: SearchFilters | None = None) -> list[Match]: ...

    def photo_ids(self) -> set[int]: ...

    def rebuild(
        self,
        documents: Iterable[IndexDocument],
        dimension: int,
        total: int | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Replace the whole index with these documents of `dimension`; searches keep working meanwhile."""

    def drop(self) -> None: ...

    def ping(self, timeout: float) -> None:
        """Raise unless the index can answer within `timeout` seconds (the health check)."""


EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1, lon1, lat2, lon2):
    """Great-circle distance; works on floats or numpy arrays."""
    lat1, lon1, lat2, lon2 = (np.radians(v) for v in (lat1, lon1, lat2, lon2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(a))


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(haversine_km(a[0], a[1], b[0], b[1]))
