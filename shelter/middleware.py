"""A request body over Django's limits gets a page that names the limit, never a bare "Bad Request (400)"."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from dogs.validation import NOTES_MAX_LENGTH


class RequestLimitsMiddleware:
    """Parse a POST's form data here, where a refusal can still be answered with a helpful page.

    Django raises these while parsing, wherever the body is first read (the CSRF check), and
    turns them into its bare 400. The forms' own limits are tighter and answered by the forms
    with everything typed kept; only bodies far over them end here, with status 413.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST":
            try:
                request.POST  # noqa: B018 - parsing is the point: it raises here, not in the CSRF check
                request.FILES  # noqa: B018
            except TooManyFilesSent:
                return _refused(request, "too_many_files")
            except RequestDataTooBig:
                return _refused(request, "too_big")
            except TooManyFieldsSent:
                return _refused(request, "too_many_fields")
        return self.get_response(request)


def _refused(request: HttpRequest, reason: str) -> HttpResponse:
    context = {
        "reason": reason,
        "photos_per_form": settings.PHOTOS_PER_FORM,
        "photo_bytes": settings.PHOTO_MAX_UPLOAD_BYTES,
        "text_bytes": settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
        "notes_length": NOTES_MAX_LENGTH,
    }
    return render(request, "request_too_large.html", context, status=413)
