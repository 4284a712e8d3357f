from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST
from PIL import Image

from dogs.models import Dog, DogPhoto, can_see_contacts
from dogs.pagination import paginate
from dogs.photo_files import encode_public_copy
from search.backends.base import IndexUnavailable
from search.embeddings import ModelUnavailable, prepare_image

from . import matching, services
from .forms import FoundDogForm, FoundReportForm, LostReportForm, MatchFilterForm
from .models import FoundReport, LostReport, MatchCandidate, Reunion

# The dashboard's lists, each paged on its own (?found_page=, ?review_page=, ?lost_page=, ?reunions_page=).
FOUND_IN_CARE_PER_PAGE = 25
AWAITING_REVIEW_PER_PAGE = 25
LOST_WITHOUT_MATCHES_PER_PAGE = 25
REUNIONS_PER_PAGE = 10
OPEN_CLAIMS_PER_PAGE = 20
SEARCH_DOWN = "Matching is unavailable right now ({error}). The report is saved; try again in a few minutes."


def _staff_only(request: HttpRequest) -> None:
    if not can_see_contacts(request.user):
        raise PermissionDenied("Only shelter staff can do this.")


def _ranked(rank, report, filters) -> tuple[list, list, str]:
    """Split candidates at the calibrated threshold so weak look-alikes do not pass as matches."""
    try:
        candidates = rank(report, filters)
    except (IndexUnavailable, ModelUnavailable) as exc:
        return [], [], SEARCH_DOWN.format(error=exc)
    strong = [c for c in candidates if c.strong]
    weak = [c for c in candidates if not c.strong]
    return strong, weak, ""


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    now = timezone.now()
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    open_found = paginate(
        request,
        FoundReport.objects.open().select_related("dog", "shelter").prefetch_related("dog__photos"),
        FOUND_IN_CARE_PER_PAGE,
        "found_page",
    )
    # Each list ends its ordering on the primary key, so no row falls between two pages.
    awaiting = paginate(
        request,
        MatchCandidate.objects.awaiting_review()
        .select_related("dog", "found_report__dog")
        .order_by("-microchip_match", "-score", "pk"),
        AWAITING_REVIEW_PER_PAGE,
        "review_page",
    )
    lost_without_matches = paginate(
        request,
        LostReport.objects.open()
        .select_related("dog")
        .annotate(live=Count("dog__candidacies", filter=~Q(dog__candidacies__status=MatchCandidate.Status.REJECTED)))
        .filter(live=0)
        .order_by("-lost_at", "-pk"),
        LOST_WITHOUT_MATCHES_PER_PAGE,
        "lost_page",
    )
    recent_reunions = paginate(
        request,
        Reunion.objects.select_related("dog", "found_report").order_by("-confirmed_at", "-pk"),
        REUNIONS_PER_PAGE,
        "reunions_page",
    )
    from public.models import Claim  # public builds on reunions' models, so imported here, not at the top

    open_claims = paginate(request, Claim.objects.open().for_review(), OPEN_CLAIMS_PER_PAGE, "claims_page")
    # The claims show owners' contacts: each one shown is logged, as on a found dog's page.
    services.log_contact_views(request.user, [claim.owner for claim in open_claims], request.path)
    found_this_month = FoundReport.objects.filter(found_at__gte=month_start).count()
    reunited_this_month = Reunion.objects.filter(confirmed_at__gte=month_start).count()
    return render(
        request,
        "reunions/dashboard.html",
        {
            "open_found": open_found,
            "open_claims": open_claims,
            "awaiting": awaiting,
            "lost_without_matches": lost_without_matches,
            "recent_reunions": recent_reunions,
            "counts": {
                "open_found": open_found.paginator.count,
                "open_lost": LostReport.objects.open().count(),
                "found_this_month": found_this_month,
                "reunited_this_month": reunited_this_month,
                "return_rate": round(100 * reunited_this_month / found_this_month) if found_this_month else None,
            },
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def found_create(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    dog_form = FoundDogForm(request.POST or None, request.FILES or None, prefix="dog")
    report_form = FoundReportForm(request.POST or None, prefix="report")
    if request.method == "POST" and dog_form.is_valid() and report_form.is_valid():
        report = report_form.save(commit=False)
        report.hold_until = report_form.cleaned_data["hold_until"]
        dog = dog_form.save(commit=False)
        services.record_found_dog(report, dog, dog_form.cleaned_data["photos"], request.user)
        messages.success(request, f"Found dog recorded; held until {report.hold_until:%d %b %Y}.")
        return redirect(report)
    return render(request, "reunions/found_form.html", {"dog_form": dog_form, "report_form": report_form})


@login_required
def found_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _staff_only(request)
    report = get_object_or_404(FoundReport.objects.select_related("dog", "shelter"), pk=pk)
    filter_form = MatchFilterForm(request.GET or None)
    strong, weak, error = _ranked(matching.rank_dogs_for_found, report, filter_form.filters())
    services.log_contact_views(request.user, [c.dog.owner for c in strong + weak], request.path)
    return render(
        request,
        "reunions/found_detail.html",
        {
            "report": report,
            "photos": report.dog.photos.all(),
            "filter_form": filter_form,
            "strong": strong,
            "weak": weak,
            "error": error,
            "threshold": matching.match_threshold(),
        },
    )


@login_required
@require_POST
def review(request: HttpRequest, pk: int, dog_pk: int) -> HttpResponse:
    _staff_only(request)
    report = get_object_or_404(FoundReport.objects.open(), pk=pk)
    dog = get_object_or_404(Dog.objects.registered(), pk=dog_pk)
    if request.POST.get("decision") == "confirm":
        services.confirm_reunion(report, dog, request.user, request.POST.get("notes", "")[:2000])
        messages.success(request, f"Reunion recorded: {dog.name} is going home.")
        return redirect("reunions:dashboard")
    if request.POST.get("decision") == "reject":
        services.reject(report, dog, request.user)
        messages.info(request, f"{dog.name} will no longer be suggested for this dog.")
        return redirect(report)
    messages.error(request, "Choose confirm or reject.")
    return redirect(report)


def _own_dog(request: HttpRequest, dog_pk: int) -> Dog:
    return get_object_or_404(Dog.objects.owned_by(request.user), pk=dog_pk)


@login_required
@require_http_methods(["GET", "POST"])
def lost_create(request: HttpRequest, dog_pk: int) -> HttpResponse:
    dog = _own_dog(request, dog_pk)
    form = LostReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        report = form.save(commit=False)
        report.dog = dog
        services.report_lost(report)
        messages.success(request, f"{dog.name} is reported lost. We will email you when a found dog looks alike.")
        return redirect(report)
    return render(request, "reunions/lost_form.html", {"form": form, "dog": dog})


@login_required
def lost_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(LostReport.objects.select_related("dog__owner"), pk=pk)
    is_owner = report.dog.owner is not None and report.dog.owner.user_id == request.user.pk
    if not (is_owner or can_see_contacts(request.user)):
        raise Http404
    filter_form = MatchFilterForm(request.GET or None)
    strong, weak, error = _ranked(matching.rank_found_for_lost, report, filter_form.filters())
    return render(
        request,
        "reunions/lost_detail.html",
        {
            "report": report,
            "filter_form": filter_form,
            "strong": strong,
            "weak": weak,
            "error": error,
            "is_owner": is_owner,
            "threshold": matching.match_threshold(),
        },
    )


@login_required
@require_POST
def lost_home(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(LostReport.objects.open().filter(dog__in=Dog.objects.owned_by(request.user)), pk=pk)
    services.mark_home(report)
    messages.success(request, f"Welcome home, {report.dog.name}!")
    return redirect(report.dog)


def found_photo(request: HttpRequest, pk: int) -> HttpResponse:
    """A found dog's photo as anyone may see it: re-encoded, EXIF (GPS, device) stripped."""
    photo = get_object_or_404(
        DogPhoto.objects.filter(dog__kind=Dog.Kind.FOUND, dog__found_report__status=FoundReport.Status.OPEN), pk=pk
    )
    with photo.image.open("rb") as handle:
        image = Image.open(handle)
        image.load()
    response = HttpResponse(encode_public_copy(prepare_image(image), max_side=1024), content_type="image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "public, max-age=3600"
    response["Expires"] = (timezone.now() + timedelta(hours=1)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    return response
