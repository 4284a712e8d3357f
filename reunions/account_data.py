"""This app's part of an owner's "download my data" (dogs.account_data): lost reports and claims."""

from __future__ import annotations

from dogs.account_data import Section, register
from dogs.models import Owner

from .models import Claim, LostReport


def _lost_reports(owner: Owner) -> Section:
    fields = ("dog_id", "dog__name", "lost_at", "place", "latitude", "longitude", "notes", "public", "public_contact")
    fields += ("created_at", "closed_at", "closed_reason")
    return Section(list(LostReport.objects.filter(dog__owner=owner).order_by("pk").values(*fields)))


def _claims(owner: Owner) -> Section:
    claims = Claim.objects.filter(owner=owner).select_related("found_report__shelter").order_by("pk")
    records, files = [], []
    for claim in claims:
        photo = f"claims/claim-{claim.pk}.jpg" if claim.claim_photo else None
        records.append(
            {
                "found_dog": claim.found_report_id,
                "shelter": claim.found_report.shelter.name,
                "message": claim.message,
                "your_dogs_photo": claim.dog_photo_id,
                "uploaded_photo": photo,
                "status": claim.status,
                "created_at": claim.created_at,
            }
        )
        if photo:
            files.append((photo, claim.claim_photo))
    return Section(records, files)


def register_sections() -> None:
    register("lost_reports", _lost_reports)
    register("claims", _claims)
