from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from dogs.access import own_dog, staff_required
from dogs.models import Dog, DogPhoto, is_shelter_staff
from dogs.pagination import paginate
from dogs.photos import image_response, rendition_response
from dogs.services import log_contact_views
from search.backends.base import IndexUnavailable
from search.embeddings import ModelUnavailable
from search.labels import split, thresholds
from shelters.forms import ShelterForm
from shelters.models import Shelter
from shelters.services import create_shelter

from . import matching, services
from .forms import Intake, LostReportForm, MatchFilterForm, OutcomeForm, already_reported_lost
from .models import Claim, FoundReport, LostReport, MatchCandidate, Reunion

# The dashboard's lists, each paged on its own (?found_page=, ?review_page=, ?lost_page=, ?reunions_page=).
FOUND_IN_CARE_PER_PAGE = 25
AWAITING_REVIEW_PER_PAGE = 25
LOST_WITHOUT_MATCHES_PER_PAGE = 25
REUNIONS_PER_PAGE = 10
OPEN_CLAIMS_PER_PAGE = 20
SEARCH_DOWN = gettext_lazy(
    "Matching is unavailable right now (%(error)s). The report is saved; try again in a few minutes."
)
# What the first photo filled in at intake (FoundReport.from_photo), said in a whole sentence.
FROM_PHOTO = {
    "date": gettext_lazy("The date came from the photo."),
    "place": gettext_lazy("The place came from the photo."),
    "date and place": gettext_lazy("The date and place came from the photo."),
}


def _ranked(rank, report, filters, **options) -> tuple[list, list, str]:
    """(shown, unlikely, error): weak look-alikes are folded away, never passed off as matches."""
    try:
        shown, unlikely = split(rank(report, filters, **options))
    except (IndexUnavailable, ModelUnavailable) as exc:
        return [], [], SEARCH_DOWN % {"error": exc}
    return shown, unlikely, ""


def _monthly_counts(user, open_found_count: int) -> dict:
    month_start = timezone.now().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    found_this_month = FoundReport.objects.for_member(user).found_after(month_start).count()
    reunited_this_month = Reunion.objects.for_member(user).confirmed_since(month_start).count()
    return {
        "open_found": open_found_count,
        "open_lost": LostReport.objects.open().count(),
        "found_this_month": found_this_month,
        "reunited_this_month": reunited_this_month,
        "return_rate": round(100 * reunited_this_month / found_this_month) if found_this_month else None,
    }


def _without_a_shelter(request: HttpRequest) -> HttpResponse | None:
    """First run leads to creating a shelter; staff who work for none are told whom to ask. None: go ahead."""
    if Shelter.objects.for_member(request.user).exists():
        return None
    if not Shelter.objects.exists():
        messages.info(request, _("Create your shelter first: found dogs are recorded and held by a shelter."))
        return redirect("reunions:shelter_create")
    return render(request, "reunions/no_shelter.html", status=403)


def _log_claim_contacts(request: HttpRequest, claims) -> bool:
    """The claims show owners' contacts: each one shown is logged for the shelter holding the dog."""
    by_shelter = defaultdict(list)
    for claim in claims:
        by_shelter[claim.found_report.shelter].append((claim.owner, "owner's claim"))
    logged = [log_contact_views(request.user, shown, request.path, shelter) for shelter, shown in by_shelter.items()]
    return all(logged)


@staff_required
def dashboard(request: HttpRequest) -> HttpResponse:
    if (lead := _without_a_shelter(request)) is not None:
        return lead
    user = request.user
    open_found = paginate(request, FoundReport.objects.for_member(user).in_care(), FOUND_IN_CARE_PER_PAGE, "found_page")
    awaiting = MatchCandidate.objects.for_member(user).awaiting_review().for_review_list()
    claims = Claim.objects.for_member(user).open().for_review()
    open_claims = paginate(request, claims, OPEN_CLAIMS_PER_PAGE, "claims_page")
    context = {
        "open_found": open_found,
        "open_claims": open_claims,
        "show_claim_contacts": _log_claim_contacts(request, open_claims),
        "awaiting": paginate(request, awaiting, AWAITING_REVIEW_PER_PAGE, "review_page"),
        # Lost dogs belong to their owners, registered once for the whole network.
        "lost_without_matches": paginate(
            request, LostReport.objects.without_candidates(), LOST_WITHOUT_MATCHES_PER_PAGE, "lost_page"
        ),
        "recent_reunions": paginate(
            request, Reunion.objects.for_member(user).recent(), REUNIONS_PER_PAGE, "reunions_page"
        ),
        "counts": _monthly_counts(user, open_found.paginator.count),
    }
    return render(request, "reunions/dashboard.html", context)


@staff_required
@require_http_methods(["GET", "POST"])
def shelter_create(request: HttpRequest) -> HttpResponse:
    """The network administrator adds shelters; on a fresh install, the first member of staff creates theirs."""
    if not (request.user.is_superuser or not Shelter.objects.exists()):
        raise PermissionDenied(_("Only the network administrator adds shelters. Ask them to add yours."))
    form = ShelterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        shelter = create_shelter(form.save(commit=False), request.user)
        messages.success(request, _("%(shelter)s is ready, and you are its shelter admin.") % {"shelter": shelter.name})
        return redirect("reunions:found_create")
    return render(request, "reunions/shelter_form.html", {"form": form})


@staff_required
@require_http_methods(["GET", "POST"])
def found_create(request: HttpRequest) -> HttpResponse:
    if (lead := _without_a_shelter(request)) is not None:
        return lead
    intake = Intake(request.POST or None, request.FILES or None, shelters=Shelter.objects.for_member(request.user))
    if request.method == "POST" and intake.is_valid():
        report = services.record_found_dog(*intake.cleaned(), request.user)
        recorded = _("Found dog recorded; held until %(date)s.") % {"date": date_format(report.hold_until, "d M Y")}
        from_photo = FROM_PHOTO.get(report.from_photo)
        messages.success(request, f"{recorded} {from_photo}" if from_photo else recorded)
        return redirect(report)
    context = {"dog_form": intake.dog_form, "report_form": intake.report_form}
    return render(request, "reunions/found_form.html", context)


@staff_required
def found_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(FoundReport.objects.for_member(request.user).select_related("dog", "shelter"), pk=pk)
    filter_form = MatchFilterForm(request.GET or None)
    shown, unlikely, error = _ranked(matching.rank_dogs_for_found, report, filter_form.filters())
    # Only the contacts the page shows are logged: those of unlikely matches wait for "Show contact".
    contacts = [(c.dog.owner, c.strength.label) for c in shown]
    context = {
        "report": report,
        "photos": report.dog.photos.all(),
        "filter_form": filter_form,
        "shown": shown,
        "unlikely": unlikely,
        "error": error,
        "show_contacts": log_contact_views(request.user, contacts, request.path, report.shelter),
        "thresholds": thresholds(),
        "outcome_form": OutcomeForm(),
    }
    return render(request, "reunions/found_detail.html", context)


@staff_required
@require_POST
def found_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(FoundReport.objects.for_member(request.user), pk=pk)
    form = OutcomeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose how the dog left the shelter."))
        return redirect(report)
    try:
        services.set_outcome(report, form.cleaned_data["outcome"], request.user, notes=form.cleaned_data["notes"])
    except services.AlreadyClosed as exc:
        messages.error(request, str(exc))
    else:
        report.refresh_from_db()
        messages.success(
            request,
            _("%(name)s: %(status)s.") % {"name": report.dog.name, "status": report.get_status_display().lower()},
        )
    return redirect(report)


@staff_required
@require_POST
def review(request: HttpRequest, pk: int, dog_pk: int) -> HttpResponse:
    report = get_object_or_404(FoundReport.objects.for_member(request.user).open(), pk=pk)
    dog = get_object_or_404(Dog.objects.registered(), pk=dog_pk)
    if request.POST.get("decision") == "confirm":
        services.confirm_reunion(report, dog, request.user, request.POST.get("notes", "")[:2000])
        messages.success(request, _("Reunion recorded: %(name)s is going home.") % {"name": dog.name})
        return redirect("reunions:dashboard")
    if request.POST.get("decision") == "reject":
        services.reject(report, dog, request.user)
        messages.info(request, _("%(name)s will no longer be suggested for this dog.") % {"name": dog.name})
        return redirect(report)
    messages.error(request, _("Choose confirm or reject."))
    return redirect(report)


@login_required
@require_http_methods(["GET", "POST"])
def lost_create(request: HttpRequest, dog_pk: int) -> HttpResponse:
    dog = own_dog(request.user, dog_pk)
    open_report = dog.lost_reports.open().first()
    if request.method == "GET" and open_report is not None:
        messages.info(request, _("%(name)s is already reported lost; here is that report.") % {"name": dog.name})
        return redirect(open_report)
    form = LostReportForm(request.POST or None, dog=dog)
    if request.method == "POST" and form.is_valid():
        report = form.save(commit=False)
        report.dog = dog
        try:
            services.report_lost(report)
        except IntegrityError:  # the same owner's other tab reported the dog lost a moment earlier
            form.add_error(None, already_reported_lost(dog))
        else:
            messages.success(
                request,
                _("%(name)s is reported lost. We will email you when a found dog looks alike.") % {"name": dog.name},
            )
            return redirect(report)
    return render(request, "reunions/lost_form.html", {"form": form, "dog": dog})


@login_required
def lost_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(LostReport.objects.select_related("dog__owner"), pk=pk)
    is_owner = report.dog.owner is not None and report.dog.owner.user_id == request.user.pk
    if not (is_owner or is_shelter_staff(request.user)):
        raise Http404
    filter_form = MatchFilterForm(request.GET or None)
    exact = is_shelter_staff(request.user)
    shown, unlikely, error = _ranked(matching.rank_found_for_lost, report, filter_form.filters(), exact_places=exact)
    context = {
        "report": report,
        "filter_form": filter_form,
        "shown": shown,
        "unlikely": unlikely,
        "error": error,
        "is_owner": is_owner,
        "thresholds": thresholds(),
    }
    return render(request, "reunions/lost_detail.html", context)


@login_required
@require_POST
def lost_home(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(LostReport.objects.open().filter(dog__in=Dog.objects.owned_by(request.user)), pk=pk)
    services.mark_home(report)
    messages.success(request, _("Welcome home, %(name)s!") % {"name": report.dog.name})
    return redirect(report.dog)


def found_photo(request: HttpRequest, pk: int, field: str = "display") -> HttpResponse:
    """A found dog's photo (or the dog's crop) as anyone may see it: re-encoded, EXIF (GPS, device) stripped."""
    photo = get_object_or_404(
        DogPhoto.objects.filter(dog__kind=Dog.Kind.FOUND, dog__found_report__status=FoundReport.Status.OPEN), pk=pk
    )
    return rendition_response(photo, field, cache_control="public, max-age=3600")


# Owners' claims, for staff.


def _claim(request: HttpRequest, pk: int) -> Claim:
    return get_object_or_404(Claim.objects.for_member(request.user).for_review(), pk=pk)


@staff_required
def claim_found_photo(request: HttpRequest, pk: int) -> HttpResponse:
    photo = _claim(request, pk).found_report.dog.photos.first()
    if photo is None:
        raise Http404("The found dog has no photo.")
    return rendition_response(photo, "display", cache_control="private, max-age=600")


@staff_required
def claim_owner_photo(request: HttpRequest, pk: int) -> HttpResponse:
    claim = _claim(request, pk)
    if claim.claim_photo:  # stored as an EXIF-free JPEG already
        return image_response(claim.claim_photo, cache_control="private, max-age=600")
    if claim.dog_photo is None:
        raise Http404("The claim has no photo.")
    return rendition_response(claim.dog_photo, "display", cache_control="private, max-age=600")


@staff_required
@require_POST
def claim_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    claim = _claim(request, pk)
    services.resolve_claim(claim, request.user)
    messages.success(request, _("The claim by %(owner)s is resolved.") % {"owner": claim.owner.name})
    return redirect(reverse("reunions:dashboard") + "#claims")
