"""Lost and found reports, candidate matches between them, owners' claims, and reunions."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from dogs.models import Dog, DogPhoto, Owner
from dogs.validation import NOTES_MAX_LENGTH, RecentPast
from search.labels import Strength, thresholds
from shelters.models import MAX_STRAY_HOLD_DAYS, Shelter

# Two decimals of a degree is about 1 km: enough to say "this part of town", not which house.
PUBLIC_COORDINATE_DECIMALS = 2


def rounded_point(point: tuple[float, float] | None) -> tuple[float, float] | None:
    """A place as anyone but staff may know it."""
    if point is None:
        return None
    return (round(point[0], PUBLIC_COORDINATE_DECIMALS), round(point[1], PUBLIC_COORDINATE_DECIMALS))


def photo_point(photos) -> tuple[float, float] | None:
    """Where the first photo that knows it was taken (EXIF GPS), for reports with no place typed."""
    return next(((p.latitude, p.longitude) for p in photos if p.latitude is not None and p.longitude is not None), None)


def _breed_contains(text: str) -> models.Q:
    """Part of the breed name, any case, as every breed filter; a dog of unknown breed stays in."""
    return models.Q(dog__breed__icontains=" ".join(text.split())) | models.Q(dog__breed="")


class LostReportQuerySet(models.QuerySet):
    def open(self) -> LostReportQuerySet:
        return self.filter(closed_at__isnull=True)

    def breed_contains(self, text: str) -> LostReportQuerySet:
        return self.filter(_breed_contains(text))

    def without_candidates(self) -> LostReportQuerySet:
        """Open reports whose dog has no candidate match, other than rejected ones; newest first."""
        live = models.Count(
            "dog__candidacies", filter=~models.Q(dog__candidacies__status=MatchCandidate.Status.REJECTED)
        )
        return self.open().select_related("dog").annotate(live=live).filter(live=0).order_by("-lost_at", "-pk")

    def public(self) -> LostReportQuerySet:
        """Open reports whose owner chose to show them to anyone."""
        return self.open().filter(public=True)


class LostReport(models.Model):
    dog = models.ForeignKey(Dog, on_delete=models.CASCADE, related_name="lost_reports")
    lost_at = models.DateTimeField(_("lost on"), validators=[RecentPast("lost")])
    place = models.CharField(_("last seen (place name)"), max_length=200)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True, max_length=NOTES_MAX_LENGTH)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.CharField(max_length=100, blank=True)
    # The owner's choice: a public page and poster show this report to anyone, with this contact only.
    public = models.BooleanField(
        _("show on the public lost-dog page"),
        default=False,
        help_text=_(
            "Anyone with the link sees the name, breed, sex, colour, photos, the area and day last seen "
            "and the contact below; never your name, address, microchip or notes."
        ),
    )
    public_contact = models.CharField(
        _("contact to show"),
        max_length=200,
        blank=True,
        help_text=_("What finders should use to reach you, e.g. a phone number or an email address."),
    )

    objects = LostReportQuerySet.as_manager()

    class Meta:
        ordering = ["-lost_at"]
        # Several open reports at chosen points would let an owner trilaterate a found dog from the
        # distances shown; one is also all a lost dog needs.
        constraints = [
            models.UniqueConstraint(
                fields=["dog"],
                condition=models.Q(closed_at__isnull=True),
                name="one_open_lost_report_per_dog",
                violation_error_message=_("This dog already has an open lost report: mark it home first."),
            )
        ]

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
    def for_member(self, user) -> FoundReportQuerySet:
        """Found dogs of the shelters the user works for: another shelter's are not found (404), not forbidden."""
        return self.filter(shelter__in=Shelter.objects.for_member(user))

    def for_shelter(self, shelter: Shelter) -> FoundReportQuerySet:
        return self.filter(shelter=shelter)

    def open(self) -> FoundReportQuerySet:
        return self.filter(status=FoundReport.Status.OPEN)

    def hold_ending_by(self, day: date) -> FoundReportQuerySet:
        """Open reports whose hold ends on or before `day` and whose shelter has not been told yet."""
        return self.open().filter(hold_until__lte=day, hold_expiring_sent_at__isnull=True)

    def in_care(self) -> FoundReportQuerySet:
        """Open reports with what a list of them shows, hold ending first."""
        return self.open().select_related("dog", "shelter").prefetch_related("dog__photos").order_by("hold_until", "pk")

    def found_since(self, day: date) -> FoundReportQuerySet:
        return self.filter(found_at__date__gte=day)

    def found_after(self, moment) -> FoundReportQuerySet:
        return self.filter(found_at__gte=moment)

    def place_contains(self, text: str) -> FoundReportQuerySet:
        return self.filter(place__icontains=text)

    def breed_contains(self, text: str) -> FoundReportQuerySet:
        return self.filter(_breed_contains(text))


class FoundReport(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("In the shelter")
        REUNITED = "reunited", _("Reunited with its owner")
        TRANSFERRED = "transferred", _("Transferred to another organisation")
        ADOPTED = "adopted", _("Adopted")
        RELEASED = "released", _("Released")
        # Records closed before outcomes were told apart.
        CLOSED = "closed", _("Closed")

    dog = models.OneToOneField(Dog, on_delete=models.CASCADE, related_name="found_report")
    shelter = models.ForeignKey(
        Shelter, on_delete=models.PROTECT, related_name="found_reports", verbose_name=_("shelter")
    )
    found_at = models.DateTimeField(_("found on"), validators=[RecentPast("found")])
    place = models.CharField(_("where found (place name)"), max_length=200)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    hold_until = models.DateField(_("stray hold ends"))
    notes = models.TextField(_("notes"), blank=True, max_length=NOTES_MAX_LENGTH)
    # What staff left empty at intake and the first photo's EXIF filled: "date", "place", "date and place".
    from_photo = models.CharField(max_length=20, blank=True, editable=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # When the shelter's software was told the hold ends soon (webhook "hold.expiring"): told once.
    hold_expiring_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = FoundReportQuerySet.as_manager()

    class Meta:
        ordering = ["hold_until", "pk"]

    def __str__(self) -> str:
        # One name everywhere: the one staff gave the dog at intake (a shelter reference such as "F-001").
        return self.dog.name if self.dog_id else gettext("Found dog")

    def get_absolute_url(self) -> str:
        return reverse("reunions:found_detail", args=[self.pk])

    @property
    def days_left(self) -> int:
        return (self.hold_until - date.today()).days

    @property
    def days_overdue(self) -> int:
        return max(0, -self.days_left)

    @property
    def point(self) -> tuple[float, float] | None:
        """Where the dog was found: as typed at intake, else where its photo says it was taken."""
        if self.latitude is not None and self.longitude is not None:
            return (self.latitude, self.longitude)
        return photo_point(self.dog.photos.all())

    @property
    def public_point(self) -> tuple[float, float] | None:
        return rounded_point(self.point)

    def clean(self) -> None:
        # Checked only for a plausible date found (its own validator reports the others).
        if self.found_at is None or self.hold_until is None or self.found_at.year < 2000:
            return
        found_on = timezone.localtime(self.found_at).date()
        if self.hold_until < found_on:
            raise ValidationError(
                {"hold_until": gettext("The stray hold cannot end before the day the dog was found.")}
            )
        if self.hold_until > found_on + timedelta(days=MAX_STRAY_HOLD_DAYS):
            raise ValidationError(
                {
                    "hold_until": ngettext(
                        "The stray hold can end at most %(days)s day after the day the dog was found.",
                        "The stray hold can end at most %(days)s days after the day the dog was found.",
                        MAX_STRAY_HOLD_DAYS,
                    )
                    % {"days": MAX_STRAY_HOLD_DAYS}
                }
            )

    @staticmethod
    def default_hold_until(shelter: Shelter, found_on: date) -> date:
        # Bounded also for a shelter row saved before the limit existed.
        return found_on + timedelta(days=min(shelter.stray_hold_days, MAX_STRAY_HOLD_DAYS))


class CandidateQuerySet(models.QuerySet):
    def for_member(self, user) -> CandidateQuerySet:
        return self.filter(found_report__in=FoundReport.objects.for_member(user))

    def awaiting_review(self) -> CandidateQuerySet:
        return self.filter(status=MatchCandidate.Status.PENDING, found_report__status=FoundReport.Status.OPEN)

    def withdraw(self, dog: Dog) -> int:
        """Take a dog that is home out of review: its pending candidacies are withdrawn."""
        return self.filter(dog=dog, status=MatchCandidate.Status.PENDING).update(
            status=MatchCandidate.Status.WITHDRAWN, reviewed_at=timezone.now()
        )

    def for_review_list(self) -> CandidateQuerySet:
        # Ends on the primary key, so no row falls between two pages.
        return self.select_related("dog", "found_report__dog").order_by("-microchip_match", "-score", "pk")


class MatchCandidate(models.Model):
    """A registered dog that may be a found dog; staff confirm or reject it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting review")
        CONFIRMED = "confirmed", _("Confirmed")
        REJECTED = "rejected", _("Rejected")
        # The dog is home (its owner said so, or it was reunited through another found report).
        WITHDRAWN = "withdrawn", _("Withdrawn: the dog is home")

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

    @property
    def strength(self) -> Strength:
        return thresholds().strength(self.score, microchip=self.microchip_match)


class ReunionQuerySet(models.QuerySet):
    def for_member(self, user) -> ReunionQuerySet:
        return self.filter(found_report__in=FoundReport.objects.for_member(user))

    def confirmed_since(self, moment) -> ReunionQuerySet:
        return self.filter(confirmed_at__gte=moment)

    def recent(self) -> ReunionQuerySet:
        return self.select_related("dog", "found_report").order_by("-confirmed_at", "-pk")


class Reunion(models.Model):
    found_report = models.OneToOneField(FoundReport, on_delete=models.PROTECT, related_name="reunion")
    # NULL once the owner deleted their account: the shelter keeps its count of reunions.
    dog = models.ForeignKey(Dog, null=True, on_delete=models.SET_NULL, related_name="reunions")
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    confirmed_at = models.DateTimeField(default=timezone.now)
    notes = models.TextField(blank=True)

    objects = ReunionQuerySet.as_manager()

    class Meta:
        ordering = ["-confirmed_at"]

    def __str__(self) -> str:
        return f"{self.dog or 'A dog'} home on {self.confirmed_at:%Y-%m-%d}"


class ClaimQuerySet(models.QuerySet):
    def for_member(self, user) -> ClaimQuerySet:
        """Claims on found dogs of the shelters the user works for."""
        return self.filter(found_report__in=FoundReport.objects.for_member(user))

    def open(self) -> ClaimQuerySet:
        return self.filter(status=Claim.Status.OPEN)

    def made_since(self, owner: Owner, since) -> ClaimQuerySet:
        return self.filter(owner=owner, created_at__gte=since)

    def for_review(self) -> ClaimQuerySet:
        return self.select_related("owner", "found_report__dog", "found_report__shelter", "dog_photo__dog")


class Claim(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")

    owner = models.ForeignKey(Owner, on_delete=models.CASCADE, related_name="claims")
    found_report = models.ForeignKey(FoundReport, on_delete=models.CASCADE, related_name="claims")
    # The owner's photo: one of their dog's photos, or else a photo they uploaded for this claim.
    dog_photo = models.ForeignKey(DogPhoto, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Stored as a metadata-free re-encoded JPEG under a random name: staff need the picture, not its GPS.
    claim_photo = models.ImageField(upload_to="claims/", blank=True)
    message = models.TextField(_("message"), max_length=2000)
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
    def strength(self) -> Strength | None:
        """The owner's photo against the found dog's, in words, as every match is labelled; None if unscored."""
        return None if self.score is None else thresholds().strength(self.score)
