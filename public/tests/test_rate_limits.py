from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from reunions.models import Claim
from tests.support.photos import photo_upload

pytestmark = pytest.mark.django_db


def media_files(settings) -> set:
    return {path for path in settings.MEDIA_ROOT.rglob("*") if path.is_file()}


def test_photo_searches_are_limited_per_hour(client, settings, luna, record_found):
    settings.OWNER_SEARCHES_PER_HOUR = 2
    record_found(seeds=(21,))
    client.force_login(luna.owner.user)
    search = {"dog_photo": luna.photos.get().pk}

    statuses = [client.post(reverse("public:found_search"), search).status_code for _ in range(2)]
    refused = client.post(reverse("public:found_search"), {"photo": photo_upload(5)})

    assert statuses == [200, 200]
    assert refused.status_code == 429 and int(refused["Retry-After"]) <= 3600
    assert "searched 2 times this hour" in refused.content.decode()
    assert "results" not in refused.context, "nothing searched"


def test_the_search_limit_is_per_owner(client, settings, luna, record_found):
    from tests.factories import make_dog, make_owner

    settings.OWNER_SEARCHES_PER_HOUR = 1
    other = make_dog(make_owner("bob"), "Rex", seeds=(3,))
    client.force_login(luna.owner.user)
    client.post(reverse("public:found_search"), {"dog_photo": luna.photos.get().pk})
    client.force_login(other.owner.user)

    assert client.post(reverse("public:found_search"), {"dog_photo": other.photos.get().pk}).status_code == 200


def test_claims_are_limited_per_day_and_nothing_is_stored(client, settings, luna, record_found):
    settings.CLAIMS_PER_DAY = 2
    reports = [record_found(seeds=(60 + i,), place=f"Street {i}") for i in range(4)]
    client.force_login(luna.owner.user)

    def claim(report, **data):
        return client.post(reverse("public:claim_create", args=[report.pk]), {"message": "Mine?", **data})

    assert [claim(r, dog_photo=luna.photos.get().pk).status_code for r in reports[:2]] == [302, 302]
    files_before = media_files(settings)
    refused = claim(reports[2], photo=photo_upload(7))

    assert refused.status_code == 429 and "2 claims in the last 24 hours" in refused.content.decode()
    assert int(refused["Retry-After"]) > 23 * 3600
    assert Claim.objects.count() == 2
    assert media_files(settings) == files_before, "the upload was not stored"

    Claim.objects.filter(pk=Claim.objects.order_by("created_at").first().pk).update(
        created_at=timezone.now() - timedelta(days=1, minutes=1)
    )
    assert claim(reports[3], dog_photo=luna.photos.get().pk).status_code == 302, "a day later, one more"
