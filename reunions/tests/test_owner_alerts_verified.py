"""Match alerts go only to an owner's confirmed address."""

from __future__ import annotations

import pytest
from django.core import mail

from dogs.models import Owner
from tests.factories import make_dog, make_owner

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("confirmed", [True, False])
def test_a_lost_dogs_owner_is_alerted_only_at_a_confirmed_address(record_found, report_lost, run_worker, confirmed):
    owner = make_owner("ana", email="ana@example.com")
    if not confirmed:
        Owner.objects.filter(pk=owner.pk).update(email_verified_at=None)
    report_lost(make_dog(owner, "Rex", seeds=(14,)))

    record_found(seeds=(14,))
    run_worker()

    to_owner = [m for m in mail.outbox if m.to == ["ana@example.com"]]
    assert len(to_owner) == (1 if confirmed else 0)
    assert any("review" in m.subject for m in mail.outbox), "staff are told either way"
