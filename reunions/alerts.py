"""Who is told about a likely match: review rows for staff, emails to staff and to the owners of lost dogs.

Run by the background worker (reunions.tasks) once a report's photos are indexed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from search.labels import thresholds
from shelters.models import Shelter, WebhookEvent
from shelters.services import emit
from worker.mail import queue_email

from . import matching
from .models import FoundReport, LostReport, MatchCandidate


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


def alert_for_found(found: FoundReport) -> list[MatchCandidate]:
    """New likely owners of a found dog become review rows; staff and the owners of lost ones are told."""
    with transaction.atomic():
        created = [row for row, new in _candidate_rows(found, matching.rank_dogs_for_found(found)) if new]
        if created:
            _alert_staff(created)
            for row in created:
                lost = row.dog.lost_reports.open().first()
                if lost is not None:
                    _alert_owner(lost, [row])
    return created


def alert_for_lost(lost: LostReport) -> list[MatchCandidate]:
    """Found dogs that look like a newly lost dog become review rows; its owner hears of any not yet told."""
    with transaction.atomic():
        rows = []
        for candidate in matching.rank_found_for_lost(lost):
            rows += _candidate_rows(candidate.found_report, [_flip(candidate, lost)])
        created = [row for row, new in rows if new]
        if created:
            _alert_staff(created)
        # A found dog already matched before the owner reported the loss: tell the owner now.
        pending = MatchCandidate.Status.PENDING
        unseen = [row for row, _ in rows if row.owner_alerted_at is None and row.status == pending]
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
        strength=candidate.strength,
    )


def _staff_emails(shelter: Shelter) -> list[str]:
    """The members of the shelter holding the dog: other shelters' staff have nothing to review."""
    users = get_user_model().objects.filter(is_active=True, shelter_memberships__shelter=shelter).exclude(email="")
    return sorted(set(users.values_list("email", flat=True)))


def _alert_staff(rows: list[MatchCandidate]) -> None:
    by_shelter: dict[Shelter, list[MatchCandidate]] = defaultdict(list)
    for row in rows:
        by_shelter[row.found_report.shelter].append(row)
    for shelter, theirs in by_shelter.items():
        # Staff have no language of their own: the site's, whichever page or worker caused the alert.
        with translation.override(settings.LANGUAGE_CODE):
            body = render_to_string("emails/staff_match_alert.txt", {"rows": theirs, "site": settings.SITE_URL})
            subject = ngettext(
                "Reunite: %(count)s new likely match to review",
                "Reunite: %(count)s new likely matches to review",
                len(theirs),
            ) % {"count": len(theirs)}
        queue_email(subject, body, _staff_emails(shelter))
        for row in theirs:
            emit(shelter, WebhookEvent.CANDIDATE_CREATED, candidate_event(row))
    MatchCandidate.objects.filter(pk__in=[r.pk for r in rows]).update(staff_alerted_at=timezone.now())


def candidate_event(row: MatchCandidate) -> dict:
    """What a webhook says of a new candidate: no owner's contact (the API's matches log who reads it)."""
    strength = thresholds().strength(row.score, microchip=row.microchip_match).value
    return {
        "found_dog": {"id": row.found_report_id},
        "candidate": {
            "dog": {"id": row.dog_id, "name": row.dog.name, "breed": row.dog.breed},
            "label": strength,
            "score": round(row.score, 4),
            "microchip_match": row.microchip_match,
        },
    }


def _alert_owner(lost: LostReport, rows: list[MatchCandidate]) -> None:
    owner = lost.dog.owner
    # Only to an address its owner confirmed: a typo'd one would tell a stranger that this dog is lost.
    if owner is None or not owner.email_verified:
        return
    # A link to the owner's own page only: no finder's or staff member's details.
    with translation.override(owner.language):
        body = render_to_string("emails/owner_match_alert.txt", {"lost": lost, "site": settings.SITE_URL})
        subject = gettext("Reunite: a found dog may be %(name)s") % {"name": lost.dog.name}
    queue_email(subject, body, [owner.email])
    MatchCandidate.objects.filter(pk__in=[r.pk for r in rows]).update(owner_alerted_at=timezone.now())
