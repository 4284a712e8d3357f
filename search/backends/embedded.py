"""The default index: exact cosine search over embeddings kept in the database.

Each process holds one contiguous matrix of normalised float32 vectors for the
active model and answers a query with one matrix product and a partial sort.
Writes made by this process update the matrix in place; writes made by other
processes are noticed through a shared generation counter in the database and
trigger a reload, so no request ever scans the photo table.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from .base import IndexContents, IndexDocument, Match, SearchFilters, SnapshotSource, Stray, breed_words, haversine_km


@dataclass
class _Snapshot:
    model: str = ""
    dimension: int = 0
    photo_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    dog_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    matrix: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    breeds: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=str))
    kinds: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))
    taken: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float64))
    lat: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float64))
    lon: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float64))

    @classmethod
    def from_documents(cls, model: str, documents: Sequence[IndexDocument], dimension: int = 0) -> _Snapshot:
        if not documents:
            return cls(model=model, dimension=dimension, matrix=np.zeros((0, dimension), dtype=np.float32))
        rows = [
            (
                d.photo_id,
                d.dog_id,
                np.asarray(d.vector, dtype=np.float32).tobytes(),
                d.breed,
                d.kind,
                d.taken_at,
                d.latitude,
                d.longitude,
            )
            for d in documents
        ]
        return cls.from_rows(model, rows)

    @classmethod
    def from_rows(cls, model: str, rows: Sequence[tuple]) -> _Snapshot:
        """From (photo id, dog id, embedding bytes, breed, kind, taken_at, latitude, longitude) rows."""
        if not rows:
            return cls(model=model)
        photo_ids, dog_ids, embeddings, breeds, kinds, taken, lat, lon = zip(*rows, strict=True)
        matrix = np.frombuffer(b"".join(embeddings), dtype=np.float32).reshape(len(rows), -1)
        return cls(
            model=model,
            dimension=matrix.shape[1],
            photo_ids=np.array(photo_ids, dtype=np.int64),
            dog_ids=np.array(dog_ids, dtype=np.int64),
            matrix=matrix,
            breeds=np.array([breed_words(breed) for breed in breeds], dtype=str),
            kinds=np.array(kinds, dtype=object),
            taken=np.array([_epoch(value) for value in taken], dtype=np.float64),
            lat=np.array([np.nan if value is None else value for value in lat], dtype=np.float64),
            lon=np.array([np.nan if value is None else value for value in lon], dtype=np.float64),
        )

    def without(self, photo_ids: Iterable[int]) -> _Snapshot:
        keep = ~np.isin(self.photo_ids, np.fromiter(photo_ids, dtype=np.int64))
        if keep.all():
            return self
        return _Snapshot(
            model=self.model,
            dimension=self.dimension,
            **{name: getattr(self, name)[keep] for name in _ARRAYS},
        )

    def plus(self, other: _Snapshot) -> _Snapshot:
        if not len(other.photo_ids):
            return self
        if not len(self.photo_ids):
            return other
        return _Snapshot(
            model=self.model,
            dimension=self.dimension,
            **{name: np.concatenate([getattr(self, name), getattr(other, name)]) for name in _ARRAYS},
        )


_ARRAYS = ("photo_ids", "dog_ids", "matrix", "breeds", "kinds", "taken", "lat", "lon")


def _epoch(value: datetime | None) -> float:
    return np.nan if value is None else value.timestamp()


class EmbeddedIndex:
    def __init__(self, source: SnapshotSource) -> None:
        self._source = source
        self._lock = threading.Lock()
        self._snapshots: dict[str, _Snapshot] = {}  # one matrix per model: their dimensions differ
        self._generation: int | None = None

    # -- keeping in step with the database (call with the lock held) --------

    def _notice_other_writers(self) -> None:
        current = self._source.generation()
        if current != self._generation:
            self._snapshots.clear()
            self._generation = current

    def _snapshot(self, model: str) -> _Snapshot:
        if model not in self._snapshots:
            self._snapshots[model] = _Snapshot.from_rows(model, self._source.rows(model))
        return self._snapshots[model]

    def _write(self, change) -> None:
        with self._lock:
            self._notice_other_writers()
            self._snapshot(self._source.active_model())
            for model, snapshot in list(self._snapshots.items()):
                self._snapshots[model] = change(snapshot)
            expected = self._generation
            self._generation = self._source.bump_generation()
            if self._generation != expected + 1:
                # Another process wrote meanwhile: reload from the database on the next search.
                self._snapshots.clear()

    # -- VectorIndex --------------------------------------------------------

    def ensure(self, dimension: int) -> None:
        return None

    def upsert(self, documents: Sequence[IndexDocument], *, repair: bool = False) -> None:
        if not documents:
            return
        ids = [d.photo_id for d in documents]
        models = {d.model for d in documents}

        def change(snapshot: _Snapshot) -> _Snapshot:
            snapshot = snapshot.without(ids)
            same_model = [d for d in documents if d.model == snapshot.model]
            return snapshot.plus(_Snapshot.from_documents(snapshot.model, same_model, snapshot.dimension))

        with self._lock:
            self._notice_other_writers()
            for model in models:
                self._snapshot(model)
        self._write(change)

    def delete(self, photo_ids: Sequence[int]) -> None:
        if photo_ids:
            self._write(lambda snapshot: snapshot.without(photo_ids))

    def search(self, vector: np.ndarray, k: int, model: str, filters: SearchFilters | None = None) -> list[Match]:
        with self._lock:
            self._notice_other_writers()
            snapshot = self._snapshot(model)
        if not len(snapshot.photo_ids) or k <= 0:
            return []
        query = np.asarray(vector, dtype=np.float32)
        # Rounding can put a vector's similarity to itself a hair above 1.
        scores = np.clip(snapshot.matrix @ query, -1.0, 1.0)
        mask = _filter_mask(snapshot, filters)
        if mask is not None:
            scores = np.where(mask, scores, -np.inf)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [
            Match(photo_id=int(snapshot.photo_ids[i]), dog_id=int(snapshot.dog_ids[i]), score=float(scores[i]))
            for i in top
            if np.isfinite(scores[i])
        ]

    def photo_ids(self) -> set[int]:
        with self._lock:
            self._notice_other_writers()
            self._snapshot(self._source.active_model())
            return {int(pk) for snapshot in self._snapshots.values() for pk in snapshot.photo_ids}

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
        # The database already holds every vector: a rebuild is a reload on the next search.
        # Writes made meanwhile are in the database, so they are in that reload: nothing to follow.
        count = 0
        for _ in documents:
            count += 1
            if progress is not None:
                progress(1)
        self.drop()
        return count

    def drop(self) -> list[str]:
        with self._lock:
            self._snapshots.clear()
        return []  # nothing of its own to delete: the next search reloads from the database

    def ping(self, timeout: float) -> None:
        return None  # it lives in this process: nothing to reach

    def inspect(self, with_vectors: bool = False) -> IndexContents:
        # Its documents are the database's rows, read afresh whenever any process writes:
        # comparing them with the database would compare the database with itself.
        return IndexContents(documents=None)

    def remove_leftovers(self, strays: Sequence[Stray], half_built: Sequence[str]) -> None:
        return None  # it holds nothing it did not read from the database


def _filter_mask(snapshot: _Snapshot, filters: SearchFilters | None) -> np.ndarray | None:
    if filters is None:
        return None
    mask = np.ones(len(snapshot.photo_ids), dtype=bool)
    if filters.breed:
        mask &= (np.char.find(snapshot.breeds, breed_words(filters.breed)) >= 0) | (snapshot.breeds == "")
    if filters.kinds:
        mask &= np.isin(snapshot.kinds, list(filters.kinds))
    if filters.taken_after is not None:
        mask &= snapshot.taken >= filters.taken_after.timestamp()
    if filters.taken_before is not None:
        mask &= snapshot.taken <= filters.taken_before.timestamp()
    if filters.near is not None and filters.within_km is not None:
        with np.errstate(invalid="ignore"):
            distances = haversine_km(filters.near[0], filters.near[1], snapshot.lat, snapshot.lon)
            mask &= distances <= filters.within_km
    return mask
