"""Two-way matching between found dogs and registered (especially lost) dogs.

Ranking order, for staff looking at a found dog: an exact microchip match is
certain and comes first; then dogs reported lost; then every other registered
dog; within each group by the similarity of the best pair of photos. Owners
looking for their lost dog see open found reports ranked the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from dogs.models import Dog, DogPhoto
from search.backends.base import breed_words, distance_km
from search.embeddings import active_model_name
from search.labels import Strength, thresholds
from search.services import Similar, best_pair, similar

from .models import FoundReport, LostReport, MatchCandidate

# Dogs asked of the index per dog shown: post-filters (distance, dates, sex, rejected pairs) drop some.
OVERFETCH = 4
DISTANCE_BANDS = ((2, _("under 2 km away")), (5, _("2 to 5 km away")), (10, _("5 to 10 km away")))


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
    strength: Strength = Strength.UNLIKELY
    # Owners see how far a found dog is only in bands, from its publicly rounded point: exact
    # figures from several reports would place the finder's spot (staff see them exact).
    distance_exact: bool = True

    @property
    def distance_band(self) -> str:
        for limit, words in DISTANCE_BANDS:
            if self.distance_km is not None and self.distance_km < limit:
                return words
        return _("more than 10 km away")

    @property
    def strong(self) -> bool:
        """Worth a review row, an alert and the owner's contact: certain, likely or possible."""
        return self.strength.shows_contact

    @property
    def is_lost(self) -> bool:
        return self.lost_report is not None


@dataclass
class _Search:
    """One dog's photos searched against the index: each other dog's best pair, by its best photo."""

    queries: list[DogPhoto]  # our photos with an embedding of the active model
    best: dict[int, Similar]
    photos: dict[int, DogPhoto]

    @classmethod
    def of(cls, dog: Dog, kind: str, limit: int) -> _Search:
        model = active_model_name()
        queries = [p for p in dog.photos.all() if p.vector is not None and p.embedding_model == model]
        found = similar([q.vector for q in queries], kinds=(kind,), dogs_wanted=limit * OVERFETCH)
        return cls(queries, {s.dog_id: s for s in found}, DogPhoto.objects.in_bulk([s.photo_id for s in found]))

    def pair(self, dog: Dog) -> tuple[float, DogPhoto | None, DogPhoto | None]:
        """(score, their photo, our photo): from the index when it returned the dog, else computed exactly."""
        found = self.best.get(dog.pk)
        if found is not None:
            return found.score, self.photos.get(found.photo_id), self.queries[found.query]
        pair = best_pair([q.vector for q in self.queries], dog.photos.all())
        if pair is None:
            return 0.0, None, None
        score, photo, number = pair
        return score, photo, self.queries[number]


def _passes(candidate: Candidate, filters: MatchFilters, when, window: tuple) -> bool:
    """The filters staff or owners set; `when` (the other side's lost or found time) must fall in `window`."""
    dog = candidate.dog
    # Part of a breed name, any case; and a dog whose breed, sex or size is unknown is never left out.
    if filters.breed and dog.breed and breed_words(filters.breed) not in breed_words(dog.breed):
        return False
    if filters.sex and dog.sex not in (filters.sex, Dog.Sex.UNKNOWN):
        return False
    if filters.size and dog.size not in (filters.size, Dog.Size.UNKNOWN):
        return False
    if filters.radius_km is not None and (candidate.distance_km is None or candidate.distance_km > filters.radius_km):
        return False
    return filters.days is None or (when is not None and window[0] <= when <= window[1])


def rank_dogs_for_found(report: FoundReport, filters: MatchFilters | None = None, limit: int | None = None):
    """Registered dogs that may be this found dog, best first, rejected pairs left out."""
    filters = filters or MatchFilters()
    limit = limit or settings.SEARCH_RESULTS
    search = _Search.of(report.dog, Dog.Kind.REGISTERED, limit)
    limits = thresholds()
    chip_ids: set[int] = set()
    if report.dog.microchip:
        chip_ids = set(Dog.objects.registered().filter(microchip=report.dog.microchip).values_list("pk", flat=True))
    rejected = set(report.candidates.filter(status=MatchCandidate.Status.REJECTED).values_list("dog_id", flat=True))
    dogs = (
        Dog.objects.filter(pk__in=set(search.best) | chip_ids)
        .exclude(pk__in=rejected)
        .select_related("owner")
        .prefetch_related("photos", Prefetch("lost_reports", LostReport.objects.open(), to_attr="open_lost"))
    )
    window = (report.found_at - timedelta(days=filters.days or 0), report.found_at + timedelta(days=1))
    here = report.point
    candidates = []
    for dog in dogs:
        lost = dog.open_lost[0] if dog.open_lost else None
        score, photo, query_photo = search.pair(dog)
        where = lost.point if lost and lost.point else _photo_point(photo)
        distance = distance_km(here, where) if here and where else None
        chip_match = dog.pk in chip_ids
        candidate = Candidate(
            dog,
            score,
            photo,
            query_photo,
            chip_match,
            lost_report=lost,
            distance_km=distance,
            strength=limits.strength(score, microchip=chip_match),
        )
        if candidate.microchip_match or _passes(candidate, filters, lost.lost_at if lost else None, window):
            candidates.append(candidate)
    candidates.sort(key=lambda c: (not c.microchip_match, not c.is_lost, -c.score))
    return candidates[:limit]


def rank_found_for_lost(
    report: LostReport, filters: MatchFilters | None = None, limit: int | None = None, *, exact_places: bool = False
):
    """Open found reports that may be this lost dog, best first.

    Distances (shown and filtered on) are from each found dog's publicly rounded point unless
    `exact_places` (staff): an owner learns no more of where a dog was found than anyone.
    """
    filters = filters or MatchFilters()
    limit = limit or settings.SEARCH_RESULTS
    search = _Search.of(report.dog, Dog.Kind.FOUND, limit)
    limits = thresholds()
    open_found = FoundReport.objects.open().select_related("dog", "shelter").prefetch_related("dog__photos")
    chip = report.dog.microchip
    found_reports = open_found.filter(dog_id__in=search.best)
    if chip:
        found_reports = found_reports | open_found.filter(dog__microchip=chip)
    rejected = set(
        MatchCandidate.objects.filter(dog=report.dog, status=MatchCandidate.Status.REJECTED).values_list(
            "found_report_id", flat=True
        )
    )
    window = (report.lost_at - timedelta(days=1), report.lost_at + timedelta(days=filters.days or 0))
    candidates = []
    for found in found_reports.distinct():
        if found.pk in rejected:
            continue
        score, photo, query_photo = search.pair(found.dog)
        where = found.point if exact_places else found.public_point
        distance = distance_km(report.point, where) if report.point and where else None
        chip_match = bool(chip) and found.dog.microchip == chip
        candidate = Candidate(
            found.dog,
            score,
            photo,
            query_photo,
            chip_match,
            found_report=found,
            distance_km=distance,
            strength=limits.strength(score, microchip=chip_match),
            distance_exact=exact_places,
        )
        if candidate.microchip_match or _passes(candidate, filters, found.found_at, window):
            candidates.append(candidate)
    candidates.sort(key=lambda c: (not c.microchip_match, -c.score))
    return candidates[:limit]


def _photo_point(photo: DogPhoto | None) -> tuple[float, float] | None:
    if photo is None or photo.latitude is None or photo.longitude is None:
        return None
    return (photo.latitude, photo.longitude)
