"""Helpers for tests that compare sets of embeddings."""

from __future__ import annotations

import numpy as np


def nearest_other(vectors: np.ndarray) -> np.ndarray:
    """For each row, the index of the most similar other row."""
    similarity = vectors @ vectors.T
    np.fill_diagonal(similarity, -1)
    return similarity.argmax(axis=1)
