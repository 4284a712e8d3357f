"""The public side: what anyone may see of found and lost dogs, owners' photo searches and claims.

Templates get small frozen cards (`PublicFoundDog`, `PublicLostDog`) built here, never the
models: a template cannot leak a microchip, a note, a finder or an exact point it was never given.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from dogs import ratelimits
from dogs.models import Dog, DogPhoto, Owner
from dogs.photos import EMBEDDING_DRAFT_SIZE, CheckedPhoto, encode_public_copy, open_stored, safe_upload_name
from dogs.ratelimits import Allowance
from reunions.models import Claim, FoundReport, FoundReportQuerySet, LostReport, LostReportQuerySet, rounded_point
from reunions.services import notify_shelter
from search.embeddings import ModelUnavailable, active_model_name, embed_image
from search.labels import Strength, thresholds
from search.services import best_pair, similar

logger = logging.getLogger(__name__)

CLAIM_PHOTO_SIDE = 2048
# Dogs asked of the index per dog shown: closed found reports are dropped after the search.
OVERFETCH = 4


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


@dataclass(frozen=True)
class ShareMeta:
    """Open Graph / Twitter card values; all URLs absolute, since they are read off-site."""

    title: str
    description: str
    url: str
    image: str = ""
    image_alt: str = ""


# What the public may see.


@dataclass(frozen=True)
class PublicFoundDog:
    pk: int
    name: str
    breed: str
    sex: str
    size: str
    colour: str
    found_on: date
    place: str
    point: tuple[float, float] | None
    hold_until: date
    days_left: int
    shelter_name: str
    shelter_phone: str
    shelter_email: str
    shelter_address: str
    photo_ids: tuple[int, ...]

    @classmethod
    def of(cls, report: FoundReport) -> PublicFoundDog:
        dog, shelter = report.dog, report.shelter
        return cls(
            pk=report.pk,
            name=dog.name,
            breed=dog.breed,
            sex=dog.get_sex_display(),
            size=dog.get_size_display(),
            colour=dog.colour,
            found_on=timezone.localtime(report.found_at).date(),
            place=report.place,
            point=report.public_point,
            hold_until=report.hold_until,
            days_left=report.days_left,
            shelter_name=shelter.name,
            shelter_phone=shelter.phone,
            shelter_email=shelter.email,
            shelter_address=shelter.address,
            photo_ids=tuple(photo.pk for photo in dog.photos.all()),
        )

    @property
    def url(self) -> str:
        return reverse("public:found_detail", args=[self.pk])

    @property
    def title(self) -> str:
        if self.breed:
            return _("Found %(breed)s near %(place)s") % {"breed": self.breed, "place": self.place}
        return _("Found dog near %(place)s") % {"place": self.place}

    @property
    def looks(self) -> str:
        # sex and size are display labels, in the language of the request.
        unknown = str(Dog.Sex.UNKNOWN.label)
        known = (self.breed or _("Breed unknown"), *(v for v in (self.sex, self.size) if v != unknown), self.colour)
        return " · ".join(v for v in known if v)

    @property
    def description(self) -> str:
        return _("Found on %(date)s near %(place)s (%(looks)s); held at %(shelter)s.") % {
            "date": date_format(self.found_on, "d M Y"),
            "place": self.place,
            "looks": self.looks,
            "shelter": self.shelter_name,
        }

    @property
    def image_path(self) -> str:
        return reverse("reunions:found_photo", args=[self.photo_ids[0]]) if self.photo_ids else ""

    @property
    def share(self) -> ShareMeta:
        image = absolute_url(self.image_path) if self.image_path else ""
        return ShareMeta(
            self.title,
            self.description,
            absolute_url(self.url),
            image,
            _("Found dog: %(title)s") % {"title": self.title},
        )


@dataclass(frozen=True)
class PublicLostDog:
    pk: int
    name: str
    breed: str
    sex: str
    colour: str
    lost_on: date
    place: str
    point: tuple[float, float] | None
    contact: str
    photo_ids: tuple[int, ...]

    @classmethod
    def of(cls, report: LostReport) -> PublicLostDog:
        dog = report.dog
        return cls(
            pk=report.pk,
            name=dog.name,
            breed=dog.breed,
            sex=dog.get_sex_display(),
            colour=dog.colour,
            lost_on=timezone.localtime(report.lost_at).date(),
            place=report.place,
            point=rounded_point(report.point),
            contact=report.public_contact,
            photo_ids=tuple(photo.pk for photo in dog.photos.all()),
        )

    @property
    def url(self) -> str:
        return reverse("public:lost_detail", args=[self.pk])

    @property
    def absolute_url(self) -> str:
        return absolute_url(self.url)

    @property
    def looks(self) -> str:
        sex = self.sex if self.sex != str(Dog.Sex.UNKNOWN.label) else ""
        return " · ".join(v for v in (self.breed, sex, self.colour) if v)

    @property
    def description(self) -> str:
        values = {
            "name": self.name,
            "looks": self.looks,
            "place": self.place,
            "date": date_format(self.lost_on, "d M Y"),
        }
        if self.looks:
            return _("%(name)s (%(looks)s) was last seen near %(place)s on %(date)s.") % values
        return _("%(name)s was last seen near %(place)s on %(date)s.") % values

    @property
    def image_path(self) -> str:
        return reverse("public:lost_photo", args=[self.photo_ids[0]]) if self.photo_ids else ""

    @property
    def share(self) -> ShareMeta:
        image = absolute_url(self.image_path) if self.image_path else ""
        return ShareMeta(
            _("Lost dog: %(name)s") % {"name": self.name},
            self.description,
            self.absolute_url,
            image,
            _("Photo of %(name)s") % {"name": self.name},
        )


def _place(name: str, point: tuple[float, float] | None) -> dict:
    place: dict = {"@type": "Place", "name": name}
    if point:
        place["geo"] = {"@type": "GeoCoordinates", "latitude": point[0], "longitude": point[1]}
    return place


def found_structured_data(dog: PublicFoundDog) -> dict:
    """schema.org has no "found pet": a web page about the dog, published by the shelter holding it."""
    shelter = {"@type": "AnimalShelter", "name": dog.shelter_name}
    for key, value in (
        ("telephone", dog.shelter_phone),
        ("email", dog.shelter_email),
        ("address", dog.shelter_address),
    ):
        if value:
            shelter[key] = value
    data = {
        "@type": "WebPage",
        "name": dog.title,
        "description": dog.description,
        "url": absolute_url(dog.url),
        "datePublished": dog.found_on.isoformat(),
        "contentLocation": _place(dog.place, dog.point),
        "publisher": shelter,
    }
    if dog.image_path:
        data["image"] = absolute_url(dog.image_path)
    return data


def found_list_share(dogs: list[PublicFoundDog]) -> ShareMeta:
    first = next((dog for dog in dogs if dog.image_path), None)
    return ShareMeta(
        _("Found dogs in care"),
        _("Dogs found and held by shelters, waiting for their owners. Is yours here?"),
        absolute_url(reverse("public:found_list")),
        absolute_url(first.image_path) if first else "",
        _("A found dog in care") if first else "",
    )


def found_list_structured_data(dogs: list[PublicFoundDog]) -> dict:
    return {
        "@type": "ItemList",
        "name": _("Found dogs in care"),
        "itemListElement": [
            {"@type": "ListItem", "position": i, "url": absolute_url(dog.url), "name": dog.title}
            for i, dog in enumerate(dogs, start=1)
        ],
    }


def lost_structured_data(dog: PublicLostDog) -> dict:
    # The owner's contact stays on the page for people, out of the data made for machines.
    data = {
        "@type": "WebPage",
        "name": _("Lost dog: %(name)s") % {"name": dog.name},
        "description": dog.description,
        "url": dog.absolute_url,
        "contentLocation": _place(dog.place, dog.point),
    }
    if dog.image_path:
        data["image"] = absolute_url(dog.image_path)
    return data


def public_found_reports() -> FoundReportQuerySet:
    """Found dogs in care, newest first, with what their public cards need in three queries."""
    return (
        FoundReport.objects.open()
        .select_related("dog", "shelter")
        .prefetch_related("dog__photos")
        .order_by("-found_at", "-pk")
    )


def public_lost_reports() -> LostReportQuerySet:
    return LostReport.objects.public().select_related("dog").prefetch_related("dog__photos")


def own_open_lost_reports(user) -> LostReportQuerySet:
    return (
        LostReport.objects.open()
        .filter(dog__in=Dog.objects.owned_by(user))
        .select_related("dog")
        .prefetch_related("dog__photos")
    )


# Owners' photo search of found dogs.


@dataclass(frozen=True)
class FoundMatch:
    dog: PublicFoundDog
    photo_id: int  # the found dog's best-matching photo
    score: float
    strength: Strength


def query_vector(dog_photo: DogPhoto | None = None, checked: CheckedPhoto | None = None) -> np.ndarray:
    """The stored embedding of an owner's photo when it is current, else a fresh one."""
    if dog_photo is not None:
        if dog_photo.vector is not None and dog_photo.embedding_model == active_model_name():
            return dog_photo.vector
        return embed_image(open_stored(dog_photo.image, max_side=EMBEDDING_DRAFT_SIZE))
    return embed_image(checked.image)


def search_found_dogs(vector: np.ndarray, limit: int | None = None) -> list[FoundMatch]:
    """Open found reports whose photos look like `vector`, best dog first."""
    limit = limit or settings.SEARCH_RESULTS
    best = similar([vector], kinds=(Dog.Kind.FOUND,), dogs_wanted=limit * OVERFETCH)
    reports = {report.dog_id: report for report in public_found_reports().filter(dog_id__in=[s.dog_id for s in best])}
    # A dog gone home since the index last heard of it is simply skipped.
    kept = [found for found in best if found.dog_id in reports][:limit]
    limits = thresholds()
    return [
        FoundMatch(PublicFoundDog.of(reports[s.dog_id]), s.photo_id, s.score, limits.strength(s.score)) for s in kept
    ]


def take_search(user) -> Allowance:
    """Count one photo search in this clock hour; refused over OWNER_SEARCHES_PER_HOUR (in the database)."""
    return ratelimits.take("owner-search", str(user.pk), settings.OWNER_SEARCHES_PER_HOUR, 3600)


# Claims.


class TooManyClaims(Exception):
    def __init__(self, allowance: Allowance) -> None:
        super().__init__("Too many claims in 24 hours.")
        self.allowance = allowance


def claim_allowance(owner: Owner) -> Allowance:
    """At most CLAIMS_PER_DAY claims in any 24 hours, counted from the claims themselves.

    A read: for a cheap refusal before a claim's work. create_claim counts again under a lock.
    """
    since = timezone.now() - timedelta(days=1)
    recent = list(Claim.objects.made_since(owner, since).order_by("created_at").values_list("created_at", flat=True))
    if len(recent) < settings.CLAIMS_PER_DAY:
        return Allowance(True, 0)
    oldest: datetime = recent[len(recent) - settings.CLAIMS_PER_DAY]
    return Allowance(False, max(1, int((oldest + timedelta(days=1) - timezone.now()).total_seconds()) + 1))


def create_claim(
    owner: Owner,
    found: FoundReport,
    message: str,
    dog_photo: DogPhoto | None = None,
    checked: CheckedPhoto | None = None,
) -> Claim:
    """Store the claim and queue the shelter's email; raises TooManyClaims over CLAIMS_PER_DAY."""
    claim = Claim(owner=owner, found_report=found, message=message, dog_photo=dog_photo)
    try:
        pair = best_pair([query_vector(dog_photo, checked)], found.dog.photos.all())
        claim.score = pair[0] if pair else None
    except (ModelUnavailable, OSError) as exc:
        # The photos side by side are what staff judge by; the score only helps sort.
        logger.warning("Claim without similarity: %s", exc)
    copy = encode_public_copy(checked.image, max_side=CLAIM_PHOTO_SIDE) if checked is not None else None
    with transaction.atomic():
        # Counted and saved under a lock on the owner's row, so parallel claims queue here and each
        # sees the ones before it (on SQLite the IMMEDIATE transaction is that lock).
        Owner.objects.select_for_update().get(pk=owner.pk)
        allowance = claim_allowance(owner)
        if not allowance.allowed:
            raise TooManyClaims(allowance)
        # The row first: when a second claim for the same dog loses the race to the
        # one-open-claim constraint, no photo file has been written yet.
        claim.save()
        if copy is not None:
            claim.claim_photo.save(safe_upload_name("", "JPEG"), ContentFile(copy))
        notify_shelter(claim)
    return claim
