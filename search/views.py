from __future__ import annotations

import base64

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from dogs.models import can_see_contacts
from dogs.photo_files import encode_public_copy
from reunions.services import log_contact_views

from .backends.base import IndexUnavailable
from .embeddings import ModelUnavailable
from .forms import PhotoSearchForm
from .models import PendingIndexUpdate
from .services import find_matching_dogs

INDEX_DOWN_MESSAGE = (
    "The photo index cannot be reached right now, so no matches can be shown. "
    "Nothing was lost: please try again in a few minutes, and tell your administrator if this persists."
)
MODEL_DOWN_MESSAGE = "The image model is not available, so the photo cannot be compared: {error}"


@login_required
@require_http_methods(["GET", "POST"])
def find_owner(request: HttpRequest) -> HttpResponse:
    if not can_see_contacts(request.user):
        raise PermissionDenied("Only shelter staff can search by photo.")
    form = PhotoSearchForm(request.POST or None, request.FILES or None)
    context: dict = {"form": form, "results": None, "error": "", "backlog": PendingIndexUpdate.objects.backlog()}
    status = 200
    if request.method == "POST":
        if form.is_valid():
            image = form.cleaned_data["photo"].image
            # The found photo is not stored: shown inline beside each match.
            preview = base64.b64encode(encode_public_copy(image, max_side=480)).decode()
            context["query_preview"] = f"data:image/jpeg;base64,{preview}"
            try:
                context["results"] = find_matching_dogs(image, filters=form.filters())
                log_contact_views(request.user, [match.dog.owner for match in context["results"]], request.path)
            except IndexUnavailable:
                context["error"], status = INDEX_DOWN_MESSAGE, 503
            except ModelUnavailable as exc:
                context["error"], status = MODEL_DOWN_MESSAGE.format(error=exc), 503
        else:
            status = 400
    return render(request, "search/find_owner.html", context, status=status)
