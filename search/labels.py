"""A similarity in words: the one place a score becomes a Likely match, a Possible match or Unlikely.

Thresholds come per model from settings (MATCH_THRESHOLDS, measured with `evaluate_matching`),
or from MATCH_THRESHOLD / MATCH_POSSIBLE_THRESHOLD for any model. A model with neither uses
UNCALIBRATED_THRESHOLDS, and the pages and /health/ say so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePath
from typing import Protocol, TypeVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .embeddings import active_model_name


class Strength(models.TextChoices):
    CERTAIN = "certain", _("Microchip match")
    LIKELY = "likely", _("Likely match")
    POSSIBLE = "possible", _("Possible match")
    UNLIKELY = "unlikely", _("Unlikely")

    @property
    def shows_contact(self) -> bool:
        """Only a match worth a phone call shows the owner's contact without being asked."""
        return self is not Strength.UNLIKELY


@dataclass(frozen=True)
class Thresholds:
    model: str
    likely: float
    possible: float
    calibrated: bool
    source: str

    def strength(self, score: float, *, microchip: bool = False) -> Strength:
        if microchip:
            return Strength.CERTAIN
        if score >= self.likely:
            return Strength.LIKELY
        if score >= self.possible:
            return Strength.POSSIBLE
        return Strength.UNLIKELY


def thresholds(model: str | None = None) -> Thresholds:
    model = model or active_model_name()
    # A CLIP copied to a local folder is still that model: look it up by the folder's name.
    measured = settings.MATCH_THRESHOLDS.get(PurePath(model).name)
    if settings.MATCH_THRESHOLD is not None:
        likely = settings.MATCH_THRESHOLD
        possible = settings.MATCH_POSSIBLE_THRESHOLD if settings.MATCH_POSSIBLE_THRESHOLD is not None else likely
        return Thresholds(model, likely, min(possible, likely), True, "MATCH_THRESHOLD")
    if measured is not None:
        source = f"measured on {measured.get('measured_on', 'photos of known dogs')}"
        return Thresholds(model, measured["likely"], measured["possible"], True, source)
    fallback = settings.UNCALIBRATED_THRESHOLDS
    return Thresholds(model, fallback["likely"], fallback["possible"], False, "uncalibrated defaults")


class Scored(Protocol):
    strength: Strength


T = TypeVar("T", bound=Scored)


def split(results: Iterable[T]) -> tuple[list[T], list[T]]:
    """(worth showing, unlikely): pages show the first and fold the second away under "No likely match"."""
    shown, unlikely = [], []
    for result in results:
        (shown if result.strength.shows_contact else unlikely).append(result)
    return shown, unlikely
