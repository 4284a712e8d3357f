"""How well an embedding model tells dogs apart, measured on photos whose dog is known.

Pure numpy on an (n, d) matrix of embeddings and one label per row, so it can be unit
tested on hand-made vectors and does not depend on the index. Every photo is a query
against all the others by exact cosine similarity; memory grows with n², which is
fine for the few thousand photos an evaluation set holds.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import asdict, dataclass

import numpy as np

DEFAULT_KS = (1, 5, 10)
# The two bands of match labels. "Likely": at most this share of different-dog pairs score as
# high. "Possible": at least this share of same-dog pairs score as high. Neither crosses the
# equal-error-rate threshold, which always lies between them.
LIKELY_FALSE_MATCH_RATE = 0.01
POSSIBLE_RECALL = 0.95


@dataclass(frozen=True)
class Distribution:
    count: int
    min: float
    p5: float
    p25: float
    median: float
    p75: float
    p95: float
    max: float

    @classmethod
    def of(cls, values: np.ndarray) -> Distribution:
        if not len(values):
            return cls(0, *([float("nan")] * 7))
        points = np.percentile(values, [0, 5, 25, 50, 75, 95, 100])
        return cls(len(values), *(float(p) for p in points))


@dataclass(frozen=True)
class MatchingReport:
    photos: int
    dogs: int
    queries: int  # photos with at least one other photo of the same dog
    recall: dict[int, float]  # k -> share of queries whose dog shows up in the top k
    mean_reciprocal_rank: float
    same_dog: Distribution
    different_dog: Distribution
    threshold: float  # where wrongly accepting a different dog is as likely as missing the same dog
    equal_error_rate: float
    likely_threshold: float  # "Likely match" at or above: at most 1% of different-dog pairs score as high
    possible_threshold: float  # "Possible match" at or above: 95% of same-dog pairs score at least this

    def as_dict(self) -> dict:
        data = asdict(self)
        data["recall"] = {f"@{k}": value for k, value in self.recall.items()}
        return data


def similarities(vectors: np.ndarray) -> np.ndarray:
    """Cosine similarity of every row with every row (rows need not be normalised)."""
    vectors = np.asarray(vectors, dtype=np.float64)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit = vectors / np.maximum(norms, 1e-12)
    return np.clip(unit @ unit.T, -1.0, 1.0)


def _label_ids(labels: Sequence[Hashable], n: int) -> np.ndarray:
    if len(labels) != n:
        raise ValueError(f"{n} vectors but {len(labels)} labels")
    index: dict[Hashable, int] = {}
    return np.array([index.setdefault(label, len(index)) for label in labels], dtype=np.int64)


def first_match_ranks(vectors: np.ndarray, labels: Sequence[Hashable]) -> np.ndarray:
    """For each photo, the rank (1 = top) of the first other photo of the same dog among all other photos.

    A tie with another dog's photo counts against the query: a stranger that looks exactly
    as close is not a confident match. Photos that are their dog's only photo get rank 0.
    """
    scores = similarities(vectors)
    ids = _label_ids(labels, len(scores))
    same = ids[:, None] == ids[None, :]
    np.fill_diagonal(same, False)
    best_same = np.where(same, scores, -np.inf).max(axis=1)
    different = ids[:, None] != ids[None, :]
    ahead = (different & (scores >= best_same[:, None])).sum(axis=1)
    return np.where(same.any(axis=1), ahead + 1, 0)


def pair_similarities(vectors: np.ndarray, labels: Sequence[Hashable]) -> tuple[np.ndarray, np.ndarray]:
    """Similarities of every unordered pair of photos: (same-dog pairs, different-dog pairs)."""
    scores = similarities(vectors)
    ids = _label_ids(labels, len(scores))
    upper = np.triu_indices(len(scores), k=1)
    pairs = scores[upper]
    same = ids[upper[0]] == ids[upper[1]]
    return pairs[same], pairs[~same]


def equal_error_rate(same: np.ndarray, different: np.ndarray) -> tuple[float, float]:
    """The threshold where false matches equal false non-matches, and that rate: (threshold, eer).

    A pair is called a match when its similarity is at or above the threshold. The
    false-match rate is the share of different-dog pairs called a match; the false-non-match
    rate the share of same-dog pairs that are not. Both rates only change at observed
    similarities, so each gap between neighbouring values is one operating point, placed at
    its midpoint; the one where the two rates are closest wins (the lower threshold on a
    tie, so fewer real matches are hidden), and the EER is the mean of the two rates there.
    """
    same = np.sort(np.asarray(same, dtype=np.float64))
    different = np.sort(np.asarray(different, dtype=np.float64))
    if not len(same) or not len(different):
        raise ValueError("need at least one same-dog pair and one different-dog pair")
    values = np.unique(np.concatenate([same, different]))
    edges = np.concatenate([[values[0] - 1e-3], values, [values[-1] + 1e-3]])
    thresholds = (edges[:-1] + edges[1:]) / 2
    false_match = (len(different) - np.searchsorted(different, thresholds, side="left")) / len(different)
    false_non_match = np.searchsorted(same, thresholds, side="left") / len(same)
    best = int(np.argmin(np.abs(false_match - false_non_match)))
    return float(thresholds[best]), float((false_match[best] + false_non_match[best]) / 2)


def label_thresholds(same: np.ndarray, different: np.ndarray, eer_threshold: float) -> tuple[float, float]:
    """(likely, possible): the two bands of the match labels, from the two score distributions.

    Likely: the lowest similarity at which at most LIKELY_FALSE_MATCH_RATE of different-dog pairs
    score as high, never below the equal-error-rate threshold. Possible: the highest similarity
    that POSSIBLE_RECALL of same-dog pairs reach, never above it. Written with 3 decimals as
    settings are, rounded outwards so that neither promise is broken by the rounding.
    """
    strangers = float(np.quantile(different, 1 - LIKELY_FALSE_MATCH_RATE, method="higher"))
    likely = max(eer_threshold, strangers + 1e-6)
    possible = min(eer_threshold, float(np.quantile(same, 1 - POSSIBLE_RECALL, method="lower")))
    return min(math.ceil(likely * 1000) / 1000, 1.0), max(math.floor(possible * 1000) / 1000, -1.0)


def evaluate(vectors: np.ndarray, labels: Sequence[Hashable], ks: Sequence[int] = DEFAULT_KS) -> MatchingReport:
    vectors = np.asarray(vectors)
    if vectors.ndim != 2:
        raise ValueError(f"expected an (n, d) matrix, got shape {vectors.shape}")
    ranks = first_match_ranks(vectors, labels)
    ranks = ranks[ranks > 0]
    if not len(ranks):
        raise ValueError("no dog has two photos: nothing to match")
    same, different = pair_similarities(vectors, labels)
    threshold, eer = equal_error_rate(same, different)
    likely, possible = label_thresholds(same, different, threshold)
    return MatchingReport(
        photos=len(vectors),
        dogs=len(set(labels)),
        queries=len(ranks),
        recall={k: float(np.mean(ranks <= k)) for k in ks},
        mean_reciprocal_rank=float(np.mean(1.0 / ranks)),
        same_dog=Distribution.of(same),
        different_dog=Distribution.of(different),
        threshold=threshold,
        equal_error_rate=eer,
        likely_threshold=likely,
        possible_threshold=possible,
    )
