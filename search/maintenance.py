"""Index operations behind the `search_index` command: rebuild and drift check."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from dogs.models import DogPhoto

from . import sync
from .backends import get_index
from .documents import documents_for_model, indexable_photos
from .embeddings import active_model_name


@dataclass
class IndexCheck:
    database: int
    index: int
    missing: list[int] = field(default_factory=list)  # in the database, not in the index
    extra: list[int] = field(default_factory=list)  # in the index, gone from the database
    not_embedded: int = 0  # photos still waiting for an embedding with the active model

    @property
    def in_sync(self) -> bool:
        return not self.missing and not self.extra


def check_index() -> IndexCheck:
    model = active_model_name()
    expected = set(indexable_photos(model).values_list("pk", flat=True))
    actual = get_index().photo_ids()
    return IndexCheck(
        database=len(expected),
        index=len(actual),
        missing=sorted(expected - actual),
        extra=sorted(actual - expected),
        not_embedded=DogPhoto.objects.needing_embedding(model).count(),
    )


def rebuild_index(progress: Callable[[int], None] | None = None) -> int:
    """Rebuild from the database's stored vectors; searches keep using the old index until the switch."""
    model = active_model_name()
    started = timezone.now()
    total = indexable_photos(model).count()
    index = get_index()
    count = index.rebuild(documents_for_model(model), total=total, progress=progress)
    # Writes that landed in the old index while the new one was filling: replay them.
    changed = DogPhoto.objects.filter(Q(updated_at__gte=started) | Q(dog__updated_at__gte=started))
    stale = set(changed.values_list("pk", flat=True))
    stale |= get_index().photo_ids() - set(indexable_photos(model).values_list("pk", flat=True))
    if stale:
        sync.photos_changed(stale)
    return count
