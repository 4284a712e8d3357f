"""Reports, alerts, claims and reunions: the work behind the lost-and-found views and tasks."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from dogs.models import Dog, DogPhoto
from dogs.photos import CheckedUpload, encode_public_copy, open_stored, safe_upload_name
from dogs.services import register_dog
from dogs.stored_files import files_removed_on_failure
from shelters.models import WebhookEvent
from shelters.services import emit
from worker.mail import queue_email

from . import tasks
from .models import Claim, FoundReport, LostReport, MatchCandidate, Reunion

logger = logging.getLogger(__name__)


def record_found_dog(report: FoundReport, dog: Dog, uploads: Sequence[CheckedUpload], user) -> FoundReport:
    """Intake: the found dog and its photos; once they are indexed, the worker looks for its owner."""
    dog.kind = Dog.Kind.FOUND
    dog.status = Dog.Status.IN_SHELTER

    def save_report(saved_dog: Dog) -> None:
        report.dog = saved_dog
        report.recorded_by = user
        report.save()
        tasks.match_found_report.enqueue(report.pk)

    register_dog(dog, None, uploads, also=save_report)
    return report


def report_lost(report: LostReport) -> LostReport:
    with transaction.atomic():
        report.save()
        Dog.objects.filter(pk=report.dog_id).update(status=Dog.Status.LOST)
        tasks.match_lost_report.enqueue(report.pk)
    return report


def mark_home(report: LostReport) -> None:
    with transaction.atomic():
        report.closed_at = timezone.now()
        report.closed_reason = "home again"
        report.save(update_fields=["closed_at", "closed_reason"])
        if not report.dog.lost_reports.open().exists():
            Dog.objects.filter(pk=report.dog_id).update(status=Dog.Status.HOME)
            # Nothing left to review for a dog that is home.
            MatchCandidate.objects.withdraw(report.dog)


def reject(found: FoundReport, dog: Dog, user) -> MatchCandidate:
    row, _ = MatchCandidate.objects.update_or_create(
        found_report=found,
        dog=dog,
        defaults={"status": MatchCandidate.Status.REJECTED, "reviewed_by": user, "reviewed_at": timezone.now()},
        create_defaults={
            "score": 0.0,
            "status": MatchCandidate.Status.REJECTED,
            "reviewed_by": user,
            "reviewed_at": timezone.now(),
        },
    )
    return row


def confirm_reunion(found: FoundReport, dog: Dog, user, notes: str = "") -> Reunion:
    """The found dog is this registered dog: record it, close both reports, keep the new photos."""
    now = timezone.now()
    # The copies' files are written inside the transaction: a rollback must not leave them behind.
    with files_removed_on_failure() as written, transaction.atomic():
        MatchCandidate.objects.update_or_create(
            found_report=found,
            dog=dog,
            defaults={"status": MatchCandidate.Status.CONFIRMED, "reviewed_by": user, "reviewed_at": now},
            create_defaults={
                "score": 0.0,
                "status": MatchCandidate.Status.CONFIRMED,
                "reviewed_by": user,
                "reviewed_at": now,
            },
        )
        reunion = Reunion.objects.create(found_report=found, dog=dog, confirmed_by=user, confirmed_at=now, notes=notes)
        dog.lost_reports.open().update(closed_at=now, closed_reason="reunited")
        found.status = FoundReport.Status.REUNITED
        found.closed_at = now
        found.save(update_fields=["status", "closed_at"])
        # Owners' claims on this dog are answered by the reunion.
        found.claims.open().update(status=Claim.Status.RESOLVED, resolved_by=user, resolved_at=now)
        Dog.objects.filter(pk=found.dog_id).update(status=Dog.Status.REUNITED)
        dog.status = Dog.Status.HOME
        dog.save()
        # The same dog suggested for other found dogs: it is home now.
        MatchCandidate.objects.withdraw(dog)
        _copy_photos(found.dog, dog, written)
    return reunion


def _copy_photos(source: Dog, target: Dog, written: list) -> None:
    """The shelter's photos become new references of the dog: re-encoded files, same embeddings.

    The finder's photo goes to the owner's records: re-encoded without EXIF (camera, GPS, time),
    and without the place and time it was taken, which are the finder's, not the owner's.
    """
    for photo in source.photos.all():
        try:
            data = encode_public_copy(open_stored(photo.image))
        except OSError:
            logger.warning("Found dog photo %s has no readable file; not copied to %s.", photo.pk, target)
            continue
        image = ContentFile(data, name=safe_upload_name("", "JPEG"))
        copy = DogPhoto(dog=target, image=image, embedding=photo.embedding, embedding_model=photo.embedding_model)
        copy.set_dog(photo.dog_found, photo.dog_box)  # the same pixels: where the dog is, too (the crop is made anew)
        written.append(copy.image)
        copy.save()


def notify_shelter(claim: Claim) -> None:
    """Queue the shelter's email about a new claim (sent once the claim is committed)."""
    shelter = claim.found_report.shelter
    # A link to the dashboard only: the owner's contact is shown (and logged) there, to staff.
    # In the site's language, not that of the owner whose request sent it.
    with translation.override(settings.LANGUAGE_CODE):
        body = render_to_string(
            "reunions/emails/claim_received.txt",
            {"claim": claim, "dashboard": f"{settings.SITE_URL}{reverse('reunions:dashboard')}"},
        )
        subject = gettext("Reunite: an owner thinks found dog #%(id)s may be theirs") % {"id": claim.found_report_id}
    queue_email(subject, body, [shelter.email])
    # The shelter's software hears of it too; the owner's contact stays on the dashboard (logged there).
    event = {
        "claim": {"id": claim.pk, "created_at": claim.created_at.isoformat(), "score": claim.score},
        "found_dog": {"id": claim.found_report_id},
    }
    emit(shelter, WebhookEvent.CLAIM_RECEIVED, event)


class AlreadyClosed(Exception):
    """The found dog already has its outcome."""


OUTCOMES = (
    FoundReport.Status.REUNITED,
    FoundReport.Status.TRANSFERRED,
    FoundReport.Status.ADOPTED,
    FoundReport.Status.RELEASED,
)


def set_outcome(found: FoundReport, outcome: str, user, dog: Dog | None = None, notes: str = "") -> FoundReport:
    """How a found dog left the shelter. Reunited with a registered dog is a confirmed reunion (confirm_reunion).

    Otherwise (reunited with an owner who never registered, transferred, adopted, released) the
    report closes with that status, its notes keep what was said, and open claims are answered.
    """
    if outcome not in OUTCOMES:
        raise ValueError(f"Not an outcome: {outcome}")
    with transaction.atomic():
        found = FoundReport.objects.select_for_update().get(pk=found.pk)
        if found.status != FoundReport.Status.OPEN:
            raise AlreadyClosed(
                gettext("Found dog #%(id)s is already closed (%(status)s).")
                % {"id": found.pk, "status": found.get_status_display().lower()}
            )
        if outcome == FoundReport.Status.REUNITED and dog is not None:
            confirm_reunion(found, dog, user, notes)
            found.refresh_from_db()
            return found
        now = timezone.now()
        found.status, found.closed_at = outcome, now
        if notes:
            found.notes = "\n".join(filter(None, [found.notes, f"{found.get_status_display()}: {notes}"]))
        found.save(update_fields=["status", "closed_at", "notes"])
        found.claims.open().update(status=Claim.Status.RESOLVED, resolved_by=user, resolved_at=now)
        if outcome == FoundReport.Status.REUNITED:
            Dog.objects.filter(pk=found.dog_id).update(status=Dog.Status.REUNITED)
    return found


def resolve_claim(claim: Claim, user) -> None:
    claim.status = Claim.Status.RESOLVED
    claim.resolved_by = user
    claim.resolved_at = timezone.now()
    claim.save(update_fields=["status", "resolved_by", "resolved_at"])
