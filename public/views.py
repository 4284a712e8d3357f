from __future__ import annotations

import base64
import contextlib
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods

from dogs.models import Dog, DogPhoto
from dogs.pagination import paginate
from dogs.photos import THUMBNAIL_SIDE, encode_public_copy, open_stored, rendition, rendition_response
from dogs.services import owner_for
from reunions.models import Claim, FoundReport, LostReport
from search.backends.base import IndexUnavailable
from search.embeddings import ModelUnavailable
from search.labels import split

from . import posters, services
from .forms import ClaimForm, FoundFilterForm, LostShareForm, OwnerPhotoForm, already_claimed

FOUND_PER_PAGE = 12
MY_LOST_PER_PAGE = 12
MY_CLAIMS_PER_PAGE = 20
SEARCH_DOWN = gettext_lazy("Photo search is unavailable right now (%(error)s). Please try again in a few minutes.")
UNREADABLE_PHOTO = gettext_lazy("This photo's file could not be read. Choose another photo or upload a new one.")


def _searches_refused(limit: int, count: int) -> str:
    return ngettext(
        "You have searched %(limit)s times this hour, the most we allow. "
        "Please try again in %(count)s minute; nothing was searched or stored.",
        "You have searched %(limit)s times this hour, the most we allow. "
        "Please try again in %(count)s minutes; nothing was searched or stored.",
        count,
    ) % {"limit": limit, "count": count}


def _claims_refused(limit: int, count: int) -> str:
    return ngettext(
        "You have sent %(limit)s claims in the last 24 hours, the most we allow. "
        "Please call the shelter instead, or try again in %(count)s hour; this claim was not sent.",
        "You have sent %(limit)s claims in the last 24 hours, the most we allow. "
        "Please call the shelter instead, or try again in %(count)s hours; this claim was not sent.",
        count,
    ) % {"limit": limit, "count": count}


def _submitted(request: HttpRequest) -> tuple:
    """Bind on every POST: a form of only a file or an unticked box can arrive with an empty POST."""
    return (request.POST, request.FILES) if request.method == "POST" else (None, None)


def _data_uri(jpeg: bytes) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode()


def _too_many(request: HttpRequest, message: Callable[[int, int], str], limit: int, allowance, unit: int):
    """429 with a message saying how long to wait, in whole minutes or hours (`unit` seconds)."""
    count = max(1, -(-allowance.retry_after // unit))
    text = message(limit, count)
    response = render(request, "public/rate_limited.html", {"message": text}, status=429)
    response["Retry-After"] = str(allowance.retry_after)
    return response


# Found dogs, for anyone.


def found_list(request: HttpRequest) -> HttpResponse:
    filter_form = FoundFilterForm(request.GET or None)
    page = paginate(request, filter_form.apply(services.public_found_reports()), FOUND_PER_PAGE)
    dogs = [services.PublicFoundDog.of(report) for report in page]
    return render(
        request,
        "public/found_list.html",
        {
            "filter_form": filter_form,
            "page": page,
            "dogs": dogs,
            "share": services.found_list_share(dogs),
            "structured_data": services.found_list_structured_data(dogs),
        },
    )


def found_detail(request: HttpRequest, pk: int) -> HttpResponse:
    dog = services.PublicFoundDog.of(get_object_or_404(services.public_found_reports(), pk=pk))
    return render(
        request,
        "public/found_detail.html",
        {"dog": dog, "share": dog.share, "structured_data": services.found_structured_data(dog)},
    )


def found_thumbnail(request: HttpRequest, pk: int) -> HttpResponse:
    """The stored thumbnail (EXIF-free, made once) of a held found dog's photo, for the gallery."""
    photo = get_object_or_404(DogPhoto.objects.filter(dog__found_report__in=FoundReport.objects.open()), pk=pk)
    return rendition_response(photo, "thumbnail", cache_control="public, max-age=3600")


# Owners look for their dog.


@login_required
@require_http_methods(["GET", "POST"])
def found_search(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        allowance = services.take_search(request.user)
        if not allowance.allowed:
            return _too_many(request, _searches_refused, settings.OWNER_SEARCHES_PER_HOUR, allowance, 60)
    form = OwnerPhotoForm(*_submitted(request), user=request.user)
    context: dict = {"form": form, "results": None, "error": "", "query": None}
    status = 200
    if request.method == "POST":
        if form.is_valid():
            dog_photo, checked = form.cleaned_data["dog_photo"], form.cleaned_data["photo"]
            context["query"] = dog_photo
            if checked is not None:
                # The upload is not stored: shown inline beside each match, metadata stripped.
                context["query_preview"] = _data_uri(encode_public_copy(checked.image, max_side=THUMBNAIL_SIDE))
            try:
                matches = services.search_found_dogs(services.query_vector(dog_photo, checked))
                context["results"], context["unlikely"] = split(matches)
            except (IndexUnavailable, ModelUnavailable) as exc:
                context["error"], status = SEARCH_DOWN % {"error": exc}, 503
            except OSError:  # the chosen dog photo's stored file is missing or unreadable
                form.add_error("dog_photo", UNREADABLE_PHOTO)
                status = 400
        else:
            status = 400
    return render(request, "public/found_search.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def claim_create(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(services.public_found_reports(), pk=pk)
    if request.method == "POST":
        owner = owner_for(request.user)
        allowance = services.claim_allowance(owner)
        if not allowance.allowed:
            return _too_many(request, _claims_refused, settings.CLAIMS_PER_DAY, allowance, 3600)
    form = ClaimForm(
        *_submitted(request),
        user=request.user,
        found_report=report,
        initial={"dog_photo": request.GET.get("photo")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.create_claim(owner, report, data["message"], dog_photo=data["dog_photo"], checked=data["photo"])
        except services.TooManyClaims as exc:  # parallel claims: the ones counted before this one filled the day
            return _too_many(request, _claims_refused, settings.CLAIMS_PER_DAY, exc.allowance, 3600)
        except IntegrityError:  # the same owner's other tab sent the same claim a moment earlier
            form.add_error(None, already_claimed())
        else:
            messages.success(
                request, _("Sent to %(shelter)s. They will contact you soon.") % {"shelter": report.shelter.name}
            )
            return redirect("public:mine")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "dog": services.PublicFoundDog.of(report)}
    return render(request, "public/claim_form.html", context, status=status)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """The owner's lost reports with their sharing and posters, and the claims they sent."""
    return render(
        request,
        "public/mine.html",
        {
            "lost_reports": paginate(
                request,
                services.own_open_lost_reports(request.user).order_by("-lost_at", "-pk"),
                MY_LOST_PER_PAGE,
                "lost_page",
            ),
            "claims": paginate(
                request,
                Claim.objects.filter(owner__user=request.user).select_related("found_report__shelter"),
                MY_CLAIMS_PER_PAGE,
                "claims_page",
            ),
        },
    )


def _own_open_lost_report(request: HttpRequest, pk: int) -> LostReport:
    # 404 rather than 403 for anyone else's report: ids reveal nothing.
    return get_object_or_404(services.own_open_lost_reports(request.user), pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def lost_share(request: HttpRequest, pk: int) -> HttpResponse:
    report = _own_open_lost_report(request, pk)
    form = LostShareForm(*_submitted(request), instance=report)
    if request.method == "POST" and form.is_valid():
        form.save()
        shown = _("%(name)s is on its public page.") if report.public else _("%(name)s is private again.")
        messages.success(request, shown % {"name": report.dog.name})
        return redirect("public:mine")
    public_url = services.absolute_url(reverse("public:lost_detail", args=[report.pk]))
    return render(request, "public/lost_share.html", {"form": form, "report": report, "public_url": public_url})


# Lost dogs their owners chose to show.


def lost_detail(request: HttpRequest, pk: int) -> HttpResponse:
    dog = services.PublicLostDog.of(get_object_or_404(services.public_lost_reports(), pk=pk))
    return render(
        request,
        "public/lost_detail.html",
        {"dog": dog, "share": dog.share, "structured_data": services.lost_structured_data(dog)},
    )


def lost_photo(request: HttpRequest, pk: int) -> HttpResponse:
    """A photo of a dog with an open public lost report, EXIF stripped; 404 for any other photo."""
    photo = get_object_or_404(
        DogPhoto.objects.filter(dog__in=Dog.objects.filter(lost_reports__in=LostReport.objects.public())), pk=pk
    )
    # Short: an owner who makes the page private again should not see it cached for long.
    return rendition_response(photo, "display", cache_control="public, max-age=600")


@login_required
def poster(request: HttpRequest, pk: int) -> HttpResponse:
    report = _own_open_lost_report(request, pk)
    dog = services.PublicLostDog.of(report)
    first = report.dog.photos.first()
    photo_src = ""
    if first is not None:
        # Inline, and the EXIF-free rendition: a poster photo saved from the page carries no home GPS.
        with contextlib.suppress(OSError), rendition(first, "display").open("rb") as handle:
            photo_src = _data_uri(handle.read())
    return render(
        request,
        "public/poster.html",
        {"report": report, "dog": dog, "photo_src": photo_src, "qr_svg": posters.qr_svg(dog.absolute_url)},
    )


@login_required
def poster_file(request: HttpRequest, pk: int, format: str) -> HttpResponse:
    report = _own_open_lost_report(request, pk)
    dog = services.PublicLostDog.of(report)
    first = report.dog.photos.first()
    photo = None
    if first is not None:
        # Printed larger than any rendition: drawn from the original, whose EXIF the PNG or PDF never carries.
        with contextlib.suppress(OSError):
            photo = open_stored(first.image, max_side=posters.PHOTO_SIDE)
    paper = request.GET.get("paper") if request.GET.get("paper") in posters.PAPERS else "a4"
    page = posters.render_poster(dog, photo, dog.absolute_url, paper)
    content_type = "application/pdf" if format == "PDF" else "image/png"
    response = HttpResponse(posters.poster_bytes(page, format), content_type=content_type)
    filename = f"lost-dog-{dog.pk}-{paper}.{format.lower()}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
