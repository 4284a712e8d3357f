"""What the background worker does for shelters: deliver webhooks, retried with back-off until they land."""

from __future__ import annotations

from django.db.models import F
from django.utils import timezone
from django_tasks import task

from worker.loop import short_error

from .models import WebhookDelivery
from .webhooks import DeliveryFailed, post


@task()
def deliver_webhook(delivery_id: int) -> None:
    delivery = WebhookDelivery.objects.select_related("subscription").filter(pk=delivery_id).first()
    if delivery is None or delivery.delivered_at is not None or not delivery.subscription.active:
        return  # deleted, already delivered, or the shelter turned the subscription off meanwhile
    attempt = WebhookDelivery.objects.filter(pk=delivery.pk)
    try:
        answer = post(delivery.subscription, delivery)
    except (OSError, DeliveryFailed) as exc:  # refused, timed out, unresolvable, TLS
        attempt.update(attempts=F("attempts") + 1, status_code=None, response_ms=None, error=short_error(exc))
        raise DeliveryFailed(f"Webhook to {delivery.subscription.url} failed: {exc}") from exc
    if not 200 <= answer.status < 300:
        error = f"The receiver answered HTTP {answer.status}."
        attempt.update(
            attempts=F("attempts") + 1, status_code=answer.status, response_ms=answer.milliseconds, error=error
        )
        raise DeliveryFailed(f"Webhook to {delivery.subscription.url}: {error}")
    attempt.update(
        attempts=F("attempts") + 1,
        status_code=answer.status,
        response_ms=answer.milliseconds,
        error="",
        delivered_at=timezone.now(),
    )
