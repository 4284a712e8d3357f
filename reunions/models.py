"""Lost and found reports, candidate matches between them, and reunions."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from dogs.models import Dog, DogPhoto, Owner


class Shelter(models.Model):
    name = models.CharField(max_length=200)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    address = models.CharField(max_length=300, blank=True)
    stray_hold_days = models.PositiveIntegerField(
        default=settings.DEFAULT_STRAY_HOLD_DAYS, help_text="Days a found dog is held for its owner by default."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class LostReportQuerySet(models.QuerySet):
    def open(self) -> LostReportQuerySet:
        return self.filter(closed_at__isnull=True)

    def public(self) -> LostReportQuerySet:
        """Open reports whose owner chose to show them to anyone."""
        return self.open().filter(public=True)


class LostReport(models.Model):
    dog = models.ForeignKey(Dog, on_delete=models.CASCADE, related_name="lost_reports")
    lost_at = models.DateTimeField("lost on")
    place = models.CharField("last seen (place name)", max_length=200)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.CharField(max_length=100, blank=True)
    # The owner's choice: a public page and poster show this report to anyone, with this contact only.
    public = models.BooleanField(
        "show on the public lost-dog page",
        default=False,
        help_text="Anyone with the link sees the name, breed, sex, colour, photos, the area and day last seen "
        "and the contact below; never your name, address, microchip or notes.",
    )
    public_contact = models.CharField(
        "contact to show",
        max_length=200,
        blank=True,
        help_text="What finders should use to reach you, e.g. a phone number or an email address.",
    )

    objects = LostReportQuerySet.as_manager()

    class Meta:
        ordering = ["-lost_at"]

    def __str__(self) -> str:
        return f"{self.dog} lost {self.lost_at:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("reunions:lost_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def point(self) -> tuple[float, float] | None:
        return None if self.latitude is None or self.longitude is None else (self.latitude, self.longitude)


class FoundReportQuerySet(models.QuerySet):
    def open(self) -> FoundReportQuerySet:
        return self.filter(status=FoundReport.Status.OPEN)

    def found_since(self, day: date) -> FoundReportQuerySet:
        return self.filter(found_at__date__gte=day)

    def place_contains(self, text: str) -> FoundReportQuerySet:
        return self.filter(place__icontains=text)

    def breed_contains(self, text: str) -> FoundReportQuerySet:
        return self.filter(dog__breed__icontains=text)


class FoundReport(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "In the shelter"
        REUNITED = "reunited", "Reunited with its owner"
        CLOSED = "closed", "Closed (adopted, transferred, ...)"

    dog = models.OneToOneField(Dog, on_delete=models.CASCADE, related_name="found_report")
    shelter = models.ForeignKey(Shelter, on_delete=models.PROTECT, related_name="found_reports")
    found_at = models.DateTimeField("found on")
    place = models.CharField("where found (place name)", max_length=200)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    hold_until = models.DateField("stray hold ends")
    notes = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = FoundReportQuerySet.as_manager()

    class Meta:
        ordering = ["hold_until", "pk"]

    def __str__(self) -> str:
        return f"Found dog #{self.pk} ({self.place})"

    def get_absolute_url(self) -> str:
        return reverse("reunions:found_detail", args=[self.pk])

    @property
    def days_left(self) -> int:
        return (self.hold_until - date.today()).days

    @property
    def point(self) -> tuple[float, float] | None:
        return None if self.latitude is None or self.longitude is None else (self.latitude, self.longitude)

    @staticmethod
    def default_hold_until(shelter: Shelter, found_on: date) -> date:
        return found_on + timedelta(days=shelter.stray_hold_days)


class CandidateQuerySet(models.QuerySet):
    def awaiting_review(self) -> CandidateQuerySet:
        return self.filter(status=MatchCandidate.Status.PENDING, found_report__status=FoundReport.Status.OPEN)


class MatchCandidate(models.Model):
    """A registered dog that may be a found dog; staff confirm or reject it."""

    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting review"
        CONFIRMED = "confirmed", "Confirmed"
        REJECTED = "rejected", "Rejected"

    found_report = models.ForeignKey(FoundReport, on_delete=models.CASCADE, related_name="candidates")
    dog = models.ForeignKey(Dog, on_delete=models.CASCADE, related_name="candidacies")
    score = models.FloatField()
    microchip_match = models.BooleanField(default=False)
    found_photo = models.ForeignKey(DogPhoto, null=True, on_delete=models.SET_NULL, related_name="+")
    dog_photo = models.ForeignKey(DogPhoto, null=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    staff_alerted_at = models.DateTimeField(null=True, blank=True)
    owner_alerted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CandidateQuerySet.as_manager()

    class Meta:
        ordering = ["-microchip_match", "-score"]
        constraints = [models.UniqueConstraint(fields=["found_report", "dog"], name="one_candidate_per_pair")]

    def __str__(self) -> str:
        return f"{self.dog} for {self.found_report}"


class Reunion(models.Model):
    found_report = models.OneToOneField(FoundReport, on_delete=models.PROTECT, related_name="reunion")
    dog = models.ForeignKey(Dog, on_delete=models.PROTECT, related_name="reunions")
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    confirmed_at = models.DateTimeField(default=timezone.now)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-confirmed_at"]

    def __str__(self) -> str:
        return f"{self.dog} home on {self.confirmed_at:%Y-%m-%d}"


class ContactView(models.Model):
    """Every time staff are shown an owner's contact details."""

    viewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    owner = models.ForeignKey(Owner, on_delete=models.CASCADE, related_name="contact_views")
    page = models.CharField(max_length=200)
    viewed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-viewed_at"]

    def __str__(self) -> str:
        return f"{self.viewer} saw {self.owner} on {self.page}"
