"""Rate limits are counted in the database: per key and window, exact under parallel requests."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from dogs import ratelimits
from dogs.models import RateLimitCount
from tests.support.other_processes import database_for_other_processes


@pytest.mark.django_db
def test_it_allows_the_limit_then_refuses_with_the_time_left_in_the_window():
    taken = [ratelimits.take("reset", "ana@example.com", 3, 3600) for _ in range(4)]

    assert [a.allowed for a in taken] == [True, True, True, False]
    assert 0 < taken[-1].retry_after <= 3601


@pytest.mark.django_db
def test_it_counts_each_key_and_scope_apart():
    ratelimits.take("reset", "ana@example.com", 1, 3600)

    assert ratelimits.take("reset", "bob@example.com", 1, 3600).allowed
    assert ratelimits.take("verify", "ana@example.com", 1, 3600).allowed
    assert not ratelimits.take("reset", "ana@example.com", 1, 3600).allowed


@pytest.mark.django_db
def test_it_stores_no_key_in_clear():
    ratelimits.take("reset", "ana@example.com", 1, 3600)

    assert "ana" not in RateLimitCount.objects.get().key


@pytest.mark.django_db
def test_old_windows_are_forgotten():
    ratelimits.take("reset", "ana@example.com", 1, 3600)

    assert ratelimits.forget_windows_before(datetime.now(UTC) - timedelta(days=1)) == 0
    assert ratelimits.forget_windows_before(datetime.now(UTC) + timedelta(hours=2)) == 1


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_requests_are_allowed_exactly_the_limit(tmp_path):
    start = threading.Barrier(20)
    results: list[bool] = []

    def request() -> None:
        try:
            start.wait()
            results.append(ratelimits.take("reset", "ana@example.com", 5, 3600).allowed)
        finally:
            connection.close()

    with database_for_other_processes(tmp_path):
        threads = [threading.Thread(target=request) for _ in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

        assert sorted(results) == [False] * 15 + [True] * 5
        assert RateLimitCount.objects.get().count == 5
