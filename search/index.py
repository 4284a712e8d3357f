"""The one way into the vector index: `get_index()`.

The backend is named by settings.SEARCH_BACKEND (a short name from settings.SEARCH_BACKENDS
or a dotted path to a `VectorIndex`) and created once per process. Backends know documents
and vectors only; what they need from the database comes through `DatabaseSource`.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from django.conf import settings
from django.utils.module_loading import import_string

from .backends.base import VectorIndex
from .documents import snapshot_rows
from .embeddings import active_model_name
from .models import IndexGeneration

_lock = threading.Lock()
_index: VectorIndex | None = None
_index_path: str | None = None


class DatabaseSource:
    """What an in-process backend reads from the database: rows, the active model, a shared generation."""

    def rows(self, model: str) -> Sequence[tuple]:
        return list(snapshot_rows(model))

    def active_model(self) -> str:
        return active_model_name()

    def generation(self) -> int:
        return IndexGeneration.current()

    def bump_generation(self) -> int:
        return IndexGeneration.bump()


def backend_path() -> str:
    return settings.SEARCH_BACKENDS.get(settings.SEARCH_BACKEND, settings.SEARCH_BACKEND)


def get_index() -> VectorIndex:
    global _index, _index_path
    path = backend_path()
    if _index is None or _index_path != path:
        with _lock:
            if _index is None or _index_path != path:
                _index = import_string(path)(source=DatabaseSource())
                _index_path = path
    return _index


def reset_index() -> None:
    global _index, _index_path
    with _lock:
        _index, _index_path = None, None
