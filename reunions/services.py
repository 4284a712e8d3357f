"""Reports, alerts and reunions: the work behind the lost-and-found views."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from dogs.models import CONTACT_PERMISSION, Dog, DogPhoto, Owner
from dogs.services import CheckedUpload, register_dog
from search import sync

from . import matching
from .models import ContactView, FoundReport, LostReport, MatchCandidate, Reunion

logger = logging.getLogger(__name__)


def record_found_dog(report: FoundReport, dog: Dog, uploads: Sequence[CheckedUpload], user) -> FoundReport:
    """Intake: the found dog, its photos (embedded and indexed), then matching once committed."""
    dog.kind = Dog.Kind.FOUND
    dog.status = Dog.Status.IN_SHELTER

    def save_report(saved_dog: Dog) -> None:
        report.dog = saved_dog
        report.recorded_by = user
        report.save()
        transaction.on_commit(lambda: alert_for_found(report.pk), robust=True)

    register_dog(dog, None, uploads, also=save_report)
    return report


def report_lost(report: LostReport) -> LostReport:
    with transaction.atomic():
        report.save()
        Dog.objects.filter(pk=report.dog_id).update(status=Dog.Status.LOST)
        transaction.on_commit(lambda: alert_for_lost(report.pk), robust=True)
    return report


def mark_home(report: LostReport) -> None:
    with transaction.atomic():
        report.closed_at = timezone.now()
        report.closed_reason = "home again"
        report.save(update_fields=["closed_at", "closed_reason"])
        if not report.dog.lost_reports.open().exists():
            Dog.objects.filter(pk=report.dog_id).update(status=Dog.Status.HOME)


def _candidate_rows(found: FoundReport, candidates: Iterable[matching.Candidate]) -> list[tuple[MatchCandidate, bool]]:
    """Strong candidates as review rows: (row, newly created). Weak ones are never stored."""
    rows = []
    for candidate in candidates:
        if not candidate.strong:
            continue
        rows.append(
            MatchCandidate.objects.get_or_create(
                found_report=found,
                dog=candidate.dog,
                defaults={
                    "score": candidate.score,
                    "microchip_match": candidate.microchip_match,
                    "found_photo": candidate.query_photo,
                    "dog_photo": candidate.photo,
                },
            )
        )
    return rows


def alert_for_found(found_report_id: int) -> list[MatchCandidate]:
    found = FoundReport.objects.select_related("dog", "shelter").get(pk=found_report_id)
    created = [row for row, new in _candidate_rows(found, matching.rank_dogs_for_found(found)) if new]
    if created:
        _alert_staff(created)
        for row in created:
            lost = row.dog.lost_reports.open().first()
            if lost is not None:
                _alert_owner(lost, [row])
    return created


def alert_for_lost(lost_report_id: int) -> list[MatchCandidate]:
    lost = LostReport.objects.select_related("dog__owner").get(pk=lost_report_id)
    rows = []
    for candidate in matching.rank_found_for_lost(lost):
        rows += _candidate_rows(candidate.found_report, [_flip(candidate, lost)])
    created = [row for row, new in rows if new]
    if created:
        _alert_staff(created)
    # A found dog already matched before the owner reported the loss: tell the owner now.
    unseen = [row for row, _ in rows if row.owner_alerted_at is None and row.status == MatchCandidate.Status.PENDING]
    if unseen:
        _alert_owner(lost, unseen)
    return created


def _flip(candidate: matching.Candidate, lost: LostReport) -> matching.Candidate:
    """Seen from the found report: the candidate is the lost dog."""
    return matching.Candidate(
        dog=lost.dog,
        score=candidate.score,
        photo=candidate.query_photo,
        query_photo=candidate.photo,
        microchip_match=candidate.microchip_match,
        lost_report=lost,
    )


def _staff_emails() -> list[str]:
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    app_label, codename = CONTACT_PERMISSION.split(".")
    perm = Q(user_permissions__codename=codename, user_permissions__content_type__app_label=app_label)
    group_perm = Q(groups__permissions__codename=codename, groups__permissions__content_type__app_label=app_label)
    return sorted(set(users.filter(perm | group_perm | Q(is_superuser=True)).values_list("email", flat=True)))


def _alert_staff(rows: list[MatchCandidate]) -> None:
    recipients = _staff_emails()
    if recipients:
        body = render_to_string("emails/staff_match_alert.txt", {"rows": rows, "site": settings.SITE_URL})
        send_mail(f"Reunite: {len(rows)} new likely match(es) to review", body, None, recipients)
    MatchCandidate.objects.filter(pk__in=[r.pk for r in rows]).update(staff_alerted_at=timezone.now())


def _alert_owner(lost: LostReport, rows: list[MatchCandidate]) -> None:
    owner = lost.dog.owner
    if owner is None or not owner.email:
        return
    # A link to the owner's own page only: no finder's or staff member's details.
    body = render_to_string("emails/owner_match_alert.txt", {"lost": lost, "site": settings.SITE_URL})
    send_mail(f"Reunite: a found dog may be {lost.dog.name}", body, None, [owner.email])
    MatchCandidate.objects.filter(pk__in=[r.pk for r in rows]).update(owner_alerted_at=timezone.now())


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
    with transaction.atomic():
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
        found.claims.open().update(status=found.claims.model.Status.RESOLVED, resolved_by=user, resolved_at=now)
        Dog.objects.filter(pk=found.dog_id).update(status=Dog.Status.REUNITED)
        dog.status = Dog.Status.HOME
        dog.save()
        _copy_photos(found.dog, dog)
    return reunion


def _copy_photos(source: Dog, target: Dog) -> None:
    """The shelter's photos become new references of the dog: fresh files, same embeddings."""
    with sync.batched():
        for photo in source.photos.all():
            with photo.image.open("rb") as handle:
                content = ContentFile(handle.read(), name=photo.image.name.rsplit("/", 1)[-1])
            DogPhoto.objects.create(
                dog=target,
                image=content,
                embedding=photo.embedding,
                embedding_model=photo.embedding_model,
                taken_at=photo.taken_at,
                latitude=photo.latitude,
                longitude=photo.longitude,
            )


def log_contact_views(user, owners: Iterable[Owner | None], page: str) -> None:
    rows = {owner.pk: owner for owner in owners if owner is not None}
    ContactView.objects.bulk_create(ContactView(viewer=user, owner=owner, page=page[:200]) for owner in rows.values())
