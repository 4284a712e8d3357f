"""Webhooks on the wire: how a delivery is signed and POSTed (shelters.services.emit queues them).

The worker's task (shelters.tasks) POSTs the JSON body with

    Reunite-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed with the secret>

and raises on anything but a 2xx answer, so the worker retries it with back-off. A receiver
checks the HMAC and refuses old timestamps (replays).
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import WebhookDelivery, WebhookSubscription

SIGNATURE_HEADER = "Reunite-Signature"
PRIVATE_DESTINATION = _("Webhooks cannot go to private, loopback or link-local addresses.")
USER_AGENT = "Reunite-Webhooks/1"


class DeliveryFailed(RuntimeError):
    """The receiver did not take the delivery: the worker tries again after a back-off."""


def signature(secret: str, timestamp: int, body: bytes) -> str:
    signed = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def is_private_literal(host: str) -> bool:
    """An address (or localhost) on a network webhooks may not reach; a name is checked when it is resolved."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return not ipaddress.ip_address(host).is_global
    except ValueError:
        return False


@dataclass(frozen=True)
class Answer:
    status: int
    milliseconds: int


def _connection(url: str) -> tuple[http.client.HTTPConnection, str]:
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if not settings.WEBHOOK_ALLOW_PRIVATE_URLS:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)}
        if any(is_private_literal(address) for address in addresses):
            raise DeliveryFailed(f"{host} resolves to a private address: {PRIVATE_DESTINATION}")
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return connection_class(host, port, timeout=settings.WEBHOOK_TIMEOUT_SECONDS), path


def post(subscription: WebhookSubscription, delivery: WebhookDelivery) -> Answer:
    """POST the delivery, signed now. Redirects are answers like any other: never followed."""
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Reunite-Event": delivery.event,
        "Reunite-Delivery": str(delivery.pk),
        SIGNATURE_HEADER: signature_header(subscription.secret, body),
    }
    connection, path = _connection(subscription.url)
    started = time.monotonic()
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(64 * 1024)  # enough to let the receiver finish; its answer is not kept
    finally:
        connection.close()
    return Answer(response.status, round((time.monotonic() - started) * 1000))
