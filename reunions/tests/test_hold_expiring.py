"""The worker tells a shelter's software once when a found dog's hold ends soon ("hold.expiring"), without cron."""

from __future__ import annotations

import pytest

from reunions import holds
from reunions.models import FoundReport
from shelters.models import WebhookDelivery, WebhookSubscription
from tests.factories import make_found

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def look_every_time(settings):
    settings.HOLD_CHECK_SECONDS = 0
    settings.HOLD_EXPIRING_DAYS = 2


def test_it_emits_hold_expiring_once_for_holds_ending_soon(shelter):
    WebhookSubscription.objects.create(shelter=shelter, url="https://asm.example/hooks", events=["hold.expiring"])
    soon, later = make_found(shelter, "Soon", hold_days=2), make_found(shelter, "Later", hold_days=3)

    assert holds.drain("w1") == 1
    assert holds.drain("w2") == 0, "told once, whichever worker looks next"

    [delivery] = WebhookDelivery.objects.all()
    assert delivery.event == "hold.expiring"
    assert delivery.payload["data"]["found_dog"] == {
        "id": soon.pk,
        "hold_until": soon.hold_until.isoformat(),
        "days_left": 2,
    }
    later.refresh_from_db()
    assert later.hold_expiring_sent_at is None


def test_it_looks_at_most_every_hold_check_seconds(shelter, settings):
    settings.HOLD_CHECK_SECONDS = 3600
    holds.drain("w1")
    make_found(shelter, "Soon", hold_days=1)

    assert holds.drain("w1") == 0, "looked less than an hour ago"


def test_closed_reports_are_not_announced(shelter):
    report = make_found(shelter, "Gone home", hold_days=0)
    FoundReport.objects.filter(pk=report.pk).update(status=FoundReport.Status.REUNITED)

    assert holds.drain("w1") == 0
