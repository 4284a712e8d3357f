"""Webhooks reach a real HTTP server, signed; a failing receiver is retried with back-off; deliveries replay."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from public.services import create_claim
from shelters.models import WebhookDelivery, WebhookSubscription
from tests.factories import make_dog, make_owner, record_intake
from tests.support.webhook_receiver import Receiver, start
from worker.models import QueuedTask

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True  # the receiver listens on 127.0.0.1
    receiver = Receiver()
    server = start(receiver)
    yield receiver
    server.shutdown()
    server.server_close()


@pytest.fixture
def subscribe(admin_client, shelter, receiver):
    def subscribe(*events: str) -> WebhookSubscription:
        response = admin_client.post(
            reverse("shelters:add_webhook", args=[shelter.pk]), {"url": receiver.url, "events": list(events)}
        )
        assert response.status_code == 302, response.content.decode()[-2000:]
        webhook = WebhookSubscription.objects.get()
        receiver.secret = webhook.secret
        return webhook

    return subscribe


@pytest.fixture
def record_found(shelter, admin):
    return lambda: record_intake(shelter, (21,), user=admin)


@pytest.fixture
def luna():
    return make_dog(make_owner("ana", name="Anastasia Quill", phone="+1 555 0142"), "Luna", seeds=(21,))


def test_a_new_candidate_is_delivered_signed_without_the_owners_contact(subscribe, receiver, record_found, luna):
    subscribe("candidate.created")

    found = record_found()

    [received] = receiver.received
    assert received.signature_ok and received.fresh and received.event == "candidate.created"
    assert received.body["data"]["found_dog"] == {"id": found.pk}
    assert received.body["data"]["candidate"]["dog"]["id"] == luna.pk
    assert received.body["data"]["candidate"]["label"] == "likely"
    assert "Quill" not in str(received.body) and "0142" not in str(received.body)
    delivery = WebhookDelivery.objects.get()
    assert delivery.delivered_at and delivery.status_code == 200 and delivery.response_ms is not None


def test_a_subscription_hears_only_its_events(subscribe, receiver, record_found, luna, run_worker):
    subscribe("claim.received")

    found = record_found()
    create_claim(luna.owner, found, "Mine!", dog_photo=luna.photos.get())
    run_worker()

    assert [r.event for r in receiver.received] == ["claim.received"]
    assert receiver.received[0].body["data"]["found_dog"] == {"id": found.pk}
    assert receiver.received[0].signature_ok


def test_a_failing_receiver_is_retried_after_a_back_off(subscribe, receiver, record_found, luna, run_worker, settings):
    settings.WORKER_RETRY_BASE_SECONDS = 60
    subscribe("candidate.created")
    receiver.answers = [500]

    record_found()

    delivery = WebhookDelivery.objects.get()
    assert (delivery.attempts, delivery.status_code, delivery.delivered_at) == (1, 500, None)
    assert "HTTP 500" in delivery.error
    task = QueuedTask.objects.get(task_path__endswith="deliver_webhook")
    assert task.run_after > timezone.now(), "waits for its back-off"
    assert run_worker() == 0

    QueuedTask.objects.update(run_after=timezone.now())  # the back-off has passed
    run_worker()

    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.status_code, delivery.error) == (2, 200, "")
    first, second = receiver.received
    assert first.body == second.body and second.signature_ok, "the same event (same id), signed anew"
    assert not QueuedTask.objects.exists()


def test_a_redirect_is_not_followed_but_retried(subscribe, receiver, record_found, luna):
    subscribe("candidate.created")
    receiver.answers = [302]

    record_found()

    delivery = WebhookDelivery.objects.get()
    assert delivery.status_code == 302 and delivery.delivered_at is None
    assert len(receiver.received) == 1


def test_a_delivery_is_replayed_from_the_admin(
    subscribe, receiver, record_found, luna, run_worker, client, django_user_model
):
    subscribe("candidate.created")
    record_found()
    first = WebhookDelivery.objects.get()
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.org", "pw"))

    listed = client.get(reverse("admin:shelters_webhookdelivery_changelist"))
    replayed = client.post(
        reverse("admin:shelters_webhookdelivery_changelist"), {"action": "replay", "_selected_action": [first.pk]}
    )
    run_worker()

    assert "200" in listed.content.decode() and replayed.status_code == 302
    again = WebhookDelivery.objects.exclude(pk=first.pk).get()
    assert again.replay_of == first and again.delivered_at and again.payload == first.payload
    assert [r.body["id"] for r in receiver.received] == [first.payload["id"]] * 2


def test_private_addresses_are_refused_unless_allowed(admin_client, shelter, receiver, record_found, luna, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    add = reverse("shelters:add_webhook", args=[shelter.pk])

    refused = admin_client.post(add, {"url": receiver.url, "events": ["candidate.created"]})
    # Made before the rule applied (or a name that resolves to a private address): refused at delivery.
    WebhookSubscription.objects.create(
        shelter=shelter, url=receiver.url.replace("127.0.0.1", "localhost"), events=["candidate.created"]
    )
    record_found()

    assert refused.status_code == 400 and "private, loopback or link-local" in refused.content.decode()
    assert receiver.received == []
    assert "private address" in WebhookDelivery.objects.get().error
