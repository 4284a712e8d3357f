"""The seam between Reunite and its vector index.

`get_index()` returns the backend named by settings.SEARCH_BACKEND (a short name
from settings.SEARCH_BACKENDS or a dotted path), created once per process.
"""

from __future__ import annotations

import threading

from django.conf import settings
from django.utils.module_loading import import_string

from .base import IndexDocument, IndexUnavailable, Match, SearchFilters, VectorIndex

__all__ = ["IndexDocument", "IndexUnavailable", "Match", "SearchFilters", "VectorIndex", "get_index", "reset_index"]

_lock = threading.Lock()
_index: VectorIndex | None = None
_index_path: str | None = None


def backend_path() -> str:
    return settings.SEARCH_BACKENDS.get(settings.SEARCH_BACKEND, settings.SEARCH_BACKEND)


def get_index() -> VectorIndex:
    global _index, _index_path
    path = backend_path()
    if _index is None or _index_path != path:
        with _lock:
            if _index is None or _index_path != path:
                _index = import_string(path)()
                _index_path = path
    return _index


def reset_index() -> None:
    global _index, _index_path
    with _lock:
        _index, _index_path = None, None
