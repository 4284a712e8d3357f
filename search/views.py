from __future__ import annotations

import base64

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from dogs.access import staff_required
from dogs.photos import THUMBNAIL_SIDE, encode_public_copy, pixel_box
from dogs.services import log_contact_views
from shelters.acting import acting_context

from .backends.base import IndexUnavailable
from .embeddings import ModelUnavailable, embed_image_and_find_dog
from .forms import PhotoSearchForm
from .labels import split, thresholds
from .models import PendingIndexUpdate
from .services import find_matching_dogs_by_vector

INDEX_DOWN_MESSAGE = _(
    "The photo index cannot be reached right now, so no matches can be shown. "
    "Nothing was lost: please try again in a few minutes, and tell your administrator if this persists."
)
MODEL_DOWN_MESSAGE = _("The image model is not available, so the photo cannot be compared: %(error)s")


@staff_required
@require_http_methods(["GET", "POST"])
def find_owner(request: HttpRequest) -> HttpResponse:
    form = PhotoSearchForm(request.POST or None, request.FILES or None)
    context: dict = {
        "form": form,
        "results": None,
        "error": "",
        "backlog": PendingIndexUpdate.objects.backlog(),
        "thresholds": thresholds(),
        # Owners are searched network-wide; the contacts shown are logged for the shelter acted for.
        **acting_context(request),
    }
    status = 200
    if request.method == "POST":
        if form.is_valid():
            _upload, checked = form.cleaned_data["photo"]
            # The found photo is not stored: shown inline beside each match.
            context["query_preview"] = _inline_jpeg(checked.image)
            try:
                vector, dog = embed_image_and_find_dog(checked.image)
                context["no_dog_found"] = dog.found is False
                if dog.found:
                    context["query_dog"] = _inline_jpeg(checked.image.crop(pixel_box(dog.box, checked.image.size)))
                context["results"], context["unlikely"] = split(
                    find_matching_dogs_by_vector(vector, filters=form.filters())
                )
                shown = [(match.dog.owner, match.strength.label) for match in context["results"]]
                context["show_contacts"] = log_contact_views(request.user, shown, request.path, context["acting_for"])
            except IndexUnavailable:
                context["error"], status = INDEX_DOWN_MESSAGE, 503
            except ModelUnavailable as exc:
                context["error"], status = MODEL_DOWN_MESSAGE % {"error": exc}, 503
        else:
            status = 400
    return render(request, "search/find_owner.html", context, status=status)


def _inline_jpeg(image) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(encode_public_copy(image, max_side=THUMBNAIL_SIDE)).decode()
