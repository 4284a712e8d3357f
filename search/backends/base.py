from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

import numpy as np


class IndexUnavailable(RuntimeError):
    """The index cannot be reached or refused the request."""


class IndexConflict(IndexUnavailable):
    """Something that is not Reunite's holds the name the index needs (an index where the alias belongs)."""


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


def breed_words(text: str) -> str:
    """A breed as filters compare it: case-folded, spaces collapsed ("Alaskan  Malamute" -> "alaskan malamute")."""
    return " ".join(text.casefold().split())


@dataclass(frozen=True)
class SearchFilters:
    # Part of a breed name, any case: "malamute" keeps "Alaskan Malamute". A dog of unknown
    # breed is never left out by it.
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


@dataclass(frozen=True)
class DocumentState:
    """What `search_index --check` compares for one photo: its revision and the fields searches use."""

    version: int
    model: str
    dog_id: int
    breed: str
    kind: str
    vector_digest: str = ""  # only when vectors are compared too


def vector_digest(vector: np.ndarray | bytes) -> str:
    """A short fingerprint of a vector's float32 bytes (they survive JSON exactly)."""
    data = vector if isinstance(vector, bytes) else np.asarray(vector, dtype=np.float32).tobytes()
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@dataclass(frozen=True)
class Stray:
    """A document Reunite did not write: an id that is no photo id, or no `model`/`kind`."""

    index: str
    id: str


@dataclass(frozen=True)
class HalfBuilt:
    """An index a rebuild created and never put behind the alias."""

    name: str
    idle_s: float  # seconds since the rebuild last made progress
    running: bool  # progress recent enough that a rebuild may still be filling it


@dataclass
class IndexContents:
    """What an index holds, as its backend reads it (`VectorIndex.inspect`)."""

    # Per photo id; None when the backend reads the database itself and cannot drift from it.
    documents: dict[int, DocumentState] | None
    strays: list[Stray] = field(default_factory=list)
    half_built: list[HalfBuilt] = field(default_factory=list)
    conflict: str = ""  # why the index's name is taken, when it is


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

    def upsert(self, documents: Sequence[IndexDocument], *, repair: bool = False) -> None:
        """Write documents unless the index holds a newer version; `repair` also replaces an equal one."""

    def delete(self, photo_ids: Sequence[int]) -> None: ...

    def search(self, vector: np.ndarray, k: int, model: str, filters: SearchFilters | None = None) -> list[Match]: ...

    def photo_ids(self) -> set[int]: ...

    def rebuild(
        self,
        documents: Iterable[IndexDocument],
        dimension: int,
        total: int | None = None,
        progress: Callable[[int], None] | None = None,
        *,
        follow_writes: bool = True,
        take_name: bool = False,
    ) -> int:
        """Replace the whole index with these documents of `dimension`; searches keep working meanwhile.

        `documents` is read only once writes made meanwhile reach the new index too (`follow_writes`),
        so a change committed after that read is not lost. `take_name`: a foreign index that holds the
        index's name is replaced in the same step that puts the new index in service.
        """

    def drop(self) -> list[str]:
        """Delete what this backend created; return the names deleted."""

    def ping(self, timeout: float) -> None:
        """Raise unless the index can answer within `timeout` seconds (the health check).

        Raises IndexConflict when the index's name is taken by something Reunite did not create.
        """

    def inspect(self, with_vectors: bool = False) -> IndexContents:
        """What the index holds: each document's state, strays, half-built indices, a naming conflict."""

    def remove_leftovers(self, strays: Sequence[Stray], half_built: Sequence[str]) -> None:
        """Delete documents Reunite did not write and indices abandoned by a rebuild."""


EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1, lon1, lat2, lon2):
    """Great-circle distance; works on floats or numpy arrays."""
    lat1, lon1, lat2, lon2 = (np.radians(v) for v in (lat1, lon1, lat2, lon2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(a))


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(haversine_km(a[0], a[1], b[0], b[1]))
