"""The API's matches: the pages' ranking and labels, the owner's contact only where a page would show it, logged."""

from __future__ import annotations

from dataclasses import dataclass, replace

from dogs.models import Dog, Owner
from dogs.services import log_contact_views
from reunions.matching import Candidate, MatchFilters, rank_dogs_for_found
from reunions.models import FoundReport
from search.labels import Strength, split, thresholds
from search.services import DogMatch
from search.sync import is_current
from shelters.models import ShelterAPIKey


@dataclass(frozen=True)
class Match:
    label: str
    label_text: str
    score: float
    microchip_match: bool
    reported_lost: bool
    distance_km: float | None
    dog: Dog
    owner: Owner | None


@dataclass(frozen=True)
class Matches:
    calibrated: bool
    no_likely_match: bool
    contacts_withheld: bool
    results: list[Match]
    found_dog: int | None = None
    photos_searchable: bool = True


def _match(result: Candidate | DogMatch, strength: Strength, with_owner: bool) -> Match:
    if isinstance(result, Candidate):
        chip, lost, distance = result.microchip_match, result.is_lost, result.distance_km
    else:  # a photo search: no found dog to measure from, no microchip to compare
        chip, lost, distance = False, result.dog.status == Dog.Status.LOST, None
    return Match(
        label=strength.value,
        label_text=strength.label,
        score=round(result.score, 4),
        microchip_match=chip,
        reported_lost=lost,
        distance_km=None if distance is None else round(distance, 1),
        dog=result.dog,
        owner=result.dog.owner if with_owner and strength.shows_contact else None,
    )


def labelled(results: list, api_key: ShelterAPIKey, page: str) -> Matches:
    """Likely, possible and certain matches first, then the unlikely; contacts logged for the key's shelter."""
    shown, unlikely = split(results)
    contacts = [(result.dog.owner, result.strength.label) for result in shown]
    logged = log_contact_views(None, contacts, f"{page} (API key {api_key.prefix})", api_key.shelter)
    return Matches(
        calibrated=thresholds().calibrated,
        no_likely_match=not shown,
        contacts_withheld=bool(contacts) and not logged,
        results=[_match(result, result.strength, logged) for result in shown + unlikely],
    )


def found_dog_matches(report: FoundReport, filters: MatchFilters, api_key: ShelterAPIKey, page: str) -> Matches:
    matches = labelled(rank_dogs_for_found(report, filters), api_key, page)
    searchable = is_current(list(report.dog.photos.values_list("pk", flat=True)))
    return replace(matches, found_dog=report.pk, photos_searchable=searchable)
