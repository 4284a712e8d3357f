"""One error body for every API failure: {"error": {"code", "message", "fields"}}.

Field messages are the forms' own (a refused photo says what the page would say).

The API's own human messages are English and not marked for translation: its readers are shelter
software and the people who write it. What it shares with the forms (field messages, labels) follows
the request's Accept-Language, like the pages.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, TooManyFilesSent
from django.http import Http404
from rest_framework import exceptions, serializers
from rest_framework.views import exception_handler as drf_exception_handler

INVALID_FIELDS = "Some fields are not valid: see `fields`."


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Machine-readable, e.g. `invalid`, `not_found`, `throttled`.")
    message = serializers.CharField(help_text="For people: what went wrong and what to do.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Per field, its messages (validation errors only).",
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


def _messages(detail) -> list[str]:
    if isinstance(detail, dict):
        return [message for value in detail.values() for message in _messages(value)]
    if isinstance(detail, list):
        return [message for value in detail for message in _messages(value)]
    return [str(detail)]


def _translated(exc: Exception) -> Exception:
    """Django's own exceptions as API errors: an upload refused says what the forms say."""
    if isinstance(exc, Http404):
        # Another shelter's found dog is not found, like one that does not exist: ids reveal nothing.
        return exceptions.NotFound()
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, TooManyFilesSent):
        return exceptions.ValidationError({"photos": [f"Upload at most {settings.PHOTOS_PER_FORM} photos at a time."]})
    if isinstance(exc, RequestDataTooBig):
        return exceptions.ValidationError("The request is too large.")
    return exc


def body(exc: exceptions.APIException) -> dict:
    detail = exc.detail
    fields: dict[str, list[str]] = {}
    if isinstance(exc, exceptions.ValidationError):
        general = []
        if isinstance(detail, dict):
            for name, messages in detail.items():
                if name in ("non_field_errors", "__all__"):
                    general += _messages(messages)
                else:
                    fields[name] = _messages(messages)
        else:
            general = _messages(detail)
        return {"code": "invalid", "message": " ".join(general) or INVALID_FIELDS, "fields": fields}
    code = getattr(detail, "code", None) or exc.default_code
    return {"code": str(code), "message": " ".join(_messages(detail)), "fields": fields}


def exception_handler(exc: Exception, context: dict):
    exc = _translated(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a bug: Django's 500, logged with its traceback
    response.data = {"error": body(exc)}
    return response
