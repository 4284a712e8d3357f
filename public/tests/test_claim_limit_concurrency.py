"""The daily claims limit holds when an owner sends many claims at the same moment."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from reunions.models import Claim
from tests.support.other_processes import database_for_other_processes
from worker.models import QueuedTask

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

PARALLEL = 10


def send_all_at_once(clients: list[Client], urls: list[str], data: dict) -> list[int]:
    """POST each client's claim from its own thread (its own database connection), all released together."""
    start = threading.Barrier(len(clients))
    statuses: list[int] = [0] * len(clients)

    def send(number: int) -> None:
        try:
            start.wait()
            statuses[number] = clients[number].post(urls[number], data).status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(number,)) for number in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a request hung"
    return statuses


def test_ten_parallel_claims_by_a_new_owner_create_at_most_five(settings, luna, record_found, tmp_path):
    settings.CLAIMS_PER_DAY = 5
    reports = [record_found(seeds=(21,), place=f"Street {i}") for i in range(PARALLEL)]
    urls = [reverse("public:claim_create", args=[report.pk]) for report in reports]
    with database_for_other_processes(tmp_path):
        clients = []
        for _ in range(PARALLEL):
            client = Client()
            client.force_login(luna.owner.user)
            clients.append(client)

        statuses = send_all_at_once(clients, urls, {"message": "Mine?", "dog_photo": luna.photos.get().pk})

        assert sorted(statuses) == [302] * 5 + [429] * 5, statuses
        assert Claim.objects.filter(owner=luna.owner).count() == 5
        assert QueuedTask.objects.filter(task_path__endswith="send_email").count() == 5, "one email per claim"
