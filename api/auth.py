"""API keys: `Authorization: Api-Key <key>`, each key acting for one shelter (request.auth)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission
from rest_framework_api_key.permissions import KeyParser

from shelters.models import ShelterAPIKey

INVALID_KEY = "This API key is not valid: it may have been revoked. A shelter admin can make a new one."
# Last use is written at most this often: a busy client should not turn every read into a write.
LAST_USED_PRECISION = timedelta(minutes=1)


class APIKeyAuthentication(BaseAuthentication):
    keyword = KeyParser.keyword

    def authenticate(self, request) -> tuple[AnonymousUser, ShelterAPIKey] | None:
        key = KeyParser().get(request)
        if not key:
            return None
        try:
            api_key = ShelterAPIKey.objects.get_from_key(key)
        except ShelterAPIKey.DoesNotExist as exc:
            raise exceptions.AuthenticationFailed(INVALID_KEY) from exc
        if api_key.has_expired:
            raise exceptions.AuthenticationFailed(INVALID_KEY)
        _record_use(api_key)
        # A key is no person: views act for request.auth.shelter, and contact views name the key.
        return AnonymousUser(), api_key

    def authenticate_header(self, request) -> str:
        # Makes a request without a key a 401 (with this challenge), not a 403.
        return self.keyword


def _record_use(api_key: ShelterAPIKey) -> None:
    now = timezone.now()
    if api_key.last_used_at is None or now - api_key.last_used_at >= LAST_USED_PRECISION:
        ShelterAPIKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now


class HasShelterAPIKey(BasePermission):
    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, ShelterAPIKey)


class APIKeyScheme(OpenApiAuthenticationExtension):
    target_class = "api.auth.APIKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema) -> dict:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key <key>`: a key a shelter admin made on the shelter's settings page.",
        }
