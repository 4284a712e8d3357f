"""Two-way matching between found dogs and registered (especially lost) dogs.

Ranking order, for staff looking at a found dog: an exact microchip match is
certain and comes first; then dogs reported lost; then every other registered
dog; within each group by the similarity of the best pair of photos. Owners
looking for their lost dog see open found reports ranked the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import PurePath

import numpy as np
from django.conf import settings
from django.db.models import Prefetch

from dogs.models import Dog, DogPhoto
from search.backends.base import SearchFilters, distance_km
from search.embeddings import active_model_name
from search.index import get_index

from .models import FoundReport, LostReport, MatchCandidate

# Photos asked of the index per wanted dog: post-filters (distance, dates, sex) drop some.
OVERFETCH = 4


def match_threshold() -> float:
    if settings.MATCH_THRESHOLD is not None:
        return settings.MATCH_THRESHOLD
    # A CLIP copied to a local folder is still that model: look it up by the folder's name.
    name = PurePath(active_model_name()).name
    return settings.MATCH_THRESHOLDS.get(name, settings.DEFAULT_MATCH_THRESHOLD)


@dataclass(frozen=True)
class MatchFilters:
    radius_km: float | None = None
    days: int | None = None
    breed: str = ""
    sex: str = ""
    size: str = ""


@dataclass
class Candidate:
    dog: Dog  # the other side: a registered dog, or a found dog
    score: float
    photo: DogPhoto | None  # the other side's best-matching photo
    query_photo: DogPhoto | None  # our photo that matched it
    microchip_match: bool = False
    lost_report: LostReport | None = None
    found_report: FoundReport | None = None
    distance_km: float | None = None

    @property
    def strong(self) -> bool:
        return self.microchip_match or self.score >= match_threshold()

    @property
    def is_lost(self) -> bool:
        return self.lost_report is not None

    @property
    def percent(self) -> int:
        return max(0, round(self.score * 100))


@dataclass
class _Best:
    score: float
    photo_id: int
    query_photo: DogPhoto


def _best_pairs(query_photos: list[DogPhoto], kind: str, k: int) -> dict[int, _Best]:
    """Best (score, photo) per dog of `kind` over all query photos."""
    model = active_model_name()
    best: dict[int, _Best] = {}
    for photo in query_photos:
        if photo.vector is None or photo.embedding_model != model:
            continue
        for match in get_index().search(photo.vector, k, model, SearchFilters(kinds=(kind,))):
            if match.dog_id not in best or match.score > best[match.dog_id].score:
                best[match.dog_id] = _Best(match.score, match.photo_id, photo)
    return best


def _similarity(query_photos: list[DogPhoto], dog: Dog) -> tuple[float, DogPhoto | None, DogPhoto | None]:
    """Exact best pair for a dog the index did not return (a microchip match, say)."""
    best = (0.0, None, None)
    for mine in query_photos:
        for theirs in dog.photos.all():
            if mine.vector is not None and theirs.vector is not None and len(mine.vector) == len(theirs.vector):
                score = float(np.dot(mine.vector, theirs.vector))
                if score > best[0]:
                    best = (score, theirs, mine)
    return best


def _dog_filters_pass(dog: Dog, filters: MatchFilters) -> bool:
    if filters.breed and dog.breed.casefold() != filters.breed.casefold():
        return False
    if filters.sex and dog.sex != filters.sex:
        return False
    return not (filters.size and dog.size != filters.size)


def rank_dogs_for_found(report: FoundReport, filters: MatchFilters | None = None, limit: int | None = None):
    """Registered dogs that may be this found dog, best first, rejected pairs left out."""
    filters = filters or MatchFilters()
    limit = limit or settings.SEARCH_RESULTS
    query_photos = list(report.dog.photos.all())
    best = _best_pairs(query_photos, Dog.Kind.REGISTERED, limit * settings.SEARCH_PHOTOS_PER_DOG * OVERFETCH)
    chip_ids: set[int] = set()
    if report.dog.microchip:
        chip_ids = set(Dog.objects.registered().filter(microchip=report.dog.microchip).values_list("pk", flat=True))
    rejected = set(report.candidates.filter(status=MatchCandidate.Status.REJECTED).values_list("dog_id", flat=True))
    dogs = (
        Dog.objects.filter(pk__in=set(best) | chip_ids)
        .exclude(pk__in=rejected)
        .select_related("owner")
        .prefetch_related("photos", Prefetch("lost_reports", LostReport.objects.open(), to_attr="open_lost"))
    )
    photos = DogPhoto.objects.in_bulk([b.photo_id for b in best.values()])
    candidates = []
    for dog in dogs:
        lost = dog.open_lost[0] if dog.open_lost else None
        if dog.pk in best:
            pair = best[dog.pk]
            score, photo, query_photo = pair.score, photos.get(pair.photo_id), pair.query_photo
        else:
            score, photo, query_photo = _similarity(query_photos, dog)
        where = lost.point if lost and lost.point else _photo_point(photo)
        distance = distance_km(report.point, where) if report.point and where else None
        candidate = Candidate(
            dog, score, photo, query_photo, dog.pk in chip_ids, lost_report=lost, distance_km=distance
        )
        if candidate.microchip_match or _passes(candidate, filters, report):
            candidates.append(candidate)
    candidates.sort(key=lambda c: (not c.microchip_match, not c.is_lost, -c.score))
    return candidates[:limit]


def _passes(candidate: Candidate, filters: MatchFilters, report: FoundReport) -> bool:
    if not _dog_filters_pass(candidate.dog, filters):
        return False
    if filters.radius_km is not None and (candidate.distance_km is None or candidate.distance_km > filters.radius_km):
        return False
    if filters.days is not None:
        lost = candidate.lost_report
        earliest = report.found_at - timedelta(days=filters.days)
        if lost is None or not (earliest <= lost.lost_at <= report.found_at + timedelta(days=1)):
            return False
    return True


def rank_found_for_lost(report: LostReport, filters: MatchFilters | None = None, limit: int | None = None):
    """Open found reports that may be this lost dog, best first."""
    filters = filters or MatchFilters()
    limit = limit or settings.SEARCH_RESULTS
    query_photos = list(report.dog.photos.all())
    best = _best_pairs(query_photos, Dog.Kind.FOUND, limit * settings.SEARCH_PHOTOS_PER_DOG * OVERFETCH)
    open_found = FoundReport.objects.open().select_related("dog", "shelter").prefetch_related("dog__photos")
    chip = report.dog.microchip
    found_reports = open_found.filter(dog_id__in=best)
    if chip:
        found_reports = found_reports | open_found.filter(dog__microchip=chip)
    rejected = set(
        MatchCandidate.objects.filter(dog=report.dog, status=MatchCandidate.Status.REJECTED).values_list(
            "found_report_id", flat=True
        )
    )
    photos = DogPhoto.objects.in_bulk([b.photo_id for b in best.values()])
    candidates = []
    for found in found_reports.distinct():
        if found.pk in rejected:
            continue
        if found.dog_id in best:
            pair = best[found.dog_id]
            score, photo, query_photo = pair.score, photos.get(pair.photo_id), pair.query_photo
        else:
            score, photo, query_photo = _similarity(query_photos, found.dog)
        distance = distance_km(report.point, found.point) if report.point and found.point else None
        candidate = Candidate(
            found.dog,
            score,
            photo,
            query_photo,
            bool(chip) and found.dog.microchip == chip,
            found_report=found,
            distance_km=distance,
        )
        if candidate.microchip_match or _passes_found(candidate, filters, report):
            candidates.append(candidate)
    candidates.sort(key=lambda c: (not c.microchip_match, -c.score))
    return candidates[:limit]


def _passes_found(candidate: Candidate, filters: MatchFilters, report: LostReport) -> bool:
    if not _dog_filters_pass(candidate.dog, filters):
        return False
    if filters.radius_km is not None and (candidate.distance_km is None or candidate.distance_km > filters.radius_km):
        return False
    if filters.days is not None:
        found_at = candidate.found_report.found_at
        if not (report.lost_at - timedelta(days=1) <= found_at <= report.lost_at + timedelta(days=filters.days)):
            return False
    return True


def _photo_point(photo: DogPhoto | None) -> tuple[float, float] | None:
    if photo is None or photo.latitude is None or photo.longitude is None:
        return None
    return (photo.latitude, photo.longitude)
