"""Synthetic, clustered, L2-normalised 512-d vectors standing in for CLIP photo embeddings.

Uniform random vectors are an unrealistically hard case for HNSW (no structure,
every neighbour about as far as any other). Photos of dogs are clustered: a
dog's photos sit close together and similar-looking dogs near each other, and
CLIP embeddings share a common direction (any two photos have a cosine well
above zero). So:

* a shared unit direction `g`;
* `clusters` centres, each `normalise(g + r)` with `r ~ N(0, I/d)` (|r| ~ 1), so
  two centres have a cosine of about 0.5;
* each photo is `normalise(centre + noise * N(0, I/d))`; with noise 0.5 a photo has a
  cosine of about 0.9 to its centre and 0.8 to another photo of the same cluster;
* a query is a *new* point drawn the same way (another photo of a known dog), never
  one of the indexed vectors.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

DIMENSION = 512


def _normalise(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


@dataclass(frozen=True)
class ClusteredSpace:
    clusters: int = 2000
    noise: float = 0.5
    dimension: int = DIMENSION
    seed: int = 0

    def describe(self) -> str:
        return (
            f"{self.clusters} cluster centres normalise(g + N(0, I/d)) around a shared direction g, "
            f"points normalise(centre + {self.noise} N(0, I/d)), d={self.dimension}; queries are fresh points"
        )

    def _centres(self) -> np.ndarray:
        rng = np.random.default_rng(self.seed)
        shared = rng.standard_normal(self.dimension)
        shared /= np.linalg.norm(shared)
        spread = rng.standard_normal((self.clusters, self.dimension)) / np.sqrt(self.dimension)
        return _normalise(shared + spread)

    def chunks(self, n: int, chunk: int = 10_000, stream: int = 1) -> Iterator[np.ndarray]:
        """`n` points in chunks; the same (n, stream) always gives the same points."""
        centres = self._centres()
        rng = np.random.default_rng((self.seed, stream))
        for start in range(0, n, chunk):
            size = min(chunk, n - start)
            labels = rng.integers(0, self.clusters, size)
            noise = rng.standard_normal((size, self.dimension), dtype=np.float32) / np.sqrt(self.dimension)
            yield _normalise(centres[labels] + self.noise * noise)

    def points(self, n: int, stream: int = 1) -> np.ndarray:
        return np.concatenate(list(self.chunks(n, stream=stream))) if n else np.zeros((0, self.dimension), np.float32)

    def queries(self, n: int) -> np.ndarray:
        return self.points(n, stream=2)


def exact_top_k(matrix: np.ndarray, queries: np.ndarray, k: int, block: int = 50_000) -> np.ndarray:
    """Row indices of the k most similar rows for each query (brute force), best first."""
    best_scores = np.full((len(queries), 0), -np.inf, dtype=np.float32)
    best_ids = np.zeros((len(queries), 0), dtype=np.int64)
    for start in range(0, len(matrix), block):
        scores = queries @ matrix[start : start + block].T
        ids = np.broadcast_to(np.arange(start, start + scores.shape[1]), scores.shape)
        scores = np.concatenate([best_scores, scores], axis=1)
        ids = np.concatenate([best_ids, ids], axis=1)
        keep = np.argpartition(-scores, min(k, scores.shape[1]) - 1, axis=1)[:, :k]
        best_scores = np.take_along_axis(scores, keep, axis=1)
        best_ids = np.take_along_axis(ids, keep, axis=1)
    order = np.argsort(-best_scores, axis=1, kind="stable")
    return np.take_along_axis(best_ids, order, axis=1)
