"""Claims: an owner telling a shelter that a found dog may be theirs."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from dogs.models import DogPhoto, Owner
from reunions.models import FoundReport


class ClaimQuerySet(models.QuerySet):
    def open(self) -> ClaimQuerySet:
        return self.filter(status=Claim.Status.OPEN)

    def made_since(self, owner: Owner, since) -> ClaimQuerySet:
        return self.filter(owner=owner, created_at__gte=since)

    def for_review(self) -> ClaimQuerySet:
        return self.select_related("owner", "found_report__dog", "found_report__shelter", "dog_photo__dog")


class Claim(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"

    owner = models.ForeignKey(Owner, on_delete=models.CASCADE, related_name="claims")
    found_report = models.ForeignKey(FoundReport, on_delete=models.CASCADE, related_name="claims")
    # The owner's photo: one of their dog's photos, or else a photo they uploaded for this claim.
    dog_photo = models.ForeignKey(DogPhoto, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Stored as a metadata-free re-encoded JPEG under a random name: staff need the picture, not its GPS.
    claim_photo = models.ImageField(upload_to="claims/", blank=True)
    message = models.TextField(max_length=2000)
    # Best similarity between the owner's photo and the found dog's photos, when both could be embedded.
    score = models.FloatField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = ClaimQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "found_report"], condition=models.Q(status="open"), name="one_open_claim_per_owner"
            )
        ]

    def __str__(self) -> str:
        return f"{self.owner} claims {self.found_report}"

    @property
    def has_owner_photo(self) -> bool:
        return bool(self.claim_photo) or self.dog_photo_id is not None

    @property
    def percent(self) -> int | None:
        return None if self.score is None else max(0, round(self.score * 100))
