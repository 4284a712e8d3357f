"""The API's operations: thin, over the services and forms the pages use."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from reunions import services as reunions_services
from reunions.forms import MatchFilterForm
from reunions.models import FoundReport, LostReport
from search.backends.base import IndexUnavailable
from search.embeddings import ModelUnavailable
from search.forms import PhotoSearchForm
from search.services import find_matching_dogs

from . import serializers, services
from .filters import FoundDogFilter, LostReportFilter
from .intake import intake
from .pagination import NewestFirst


class Unavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "unavailable"
    default_detail = "Matching is unavailable right now; nothing was stored. Try again in a few minutes."


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


# The largest id a database stores (a signed 64-bit integer); SQLite raises on a larger one.
LARGEST_ID = 2**63 - 1


class ById:
    """Objects by their numeric id; any other id is not found (a JSON 404), never a server error."""

    lookup_value_regex = "[0-9]+"

    def get_object(self):
        if int(self.kwargs[self.lookup_url_kwarg or self.lookup_field]) > LARGEST_ID:
            raise exceptions.NotFound()
        return super().get_object()


@csrf_exempt  # a POST from software to a wrong address is answered like a GET: no session, no CSRF
def not_found(request: HttpRequest, path: str = "") -> JsonResponse:
    """Every other address under /api/: the API's own 404 body, not the site's HTML page."""
    body = {"code": "not_found", "message": "There is no such API address: see /api/v1/docs/.", "fields": {}}
    return JsonResponse({"error": body}, status=404)


def _ranked(search):
    """Run a search; a down index or model is a 503 saying so, never a 500 or an empty list."""
    try:
        return search()
    except (IndexUnavailable, ModelUnavailable) as exc:
        raise Unavailable(f"{Unavailable.default_detail} ({exc})") from exc


@extend_schema_view(
    list=extend_schema(summary="The shelter's found dogs", description="Newest first, by cursor pages."),
    retrieve=extend_schema(summary="A found dog"),
)
class FoundDogViewSet(ById, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = serializers.FoundDogSerializer
    filterset_class = FoundDogFilter
    pagination_class = NewestFirst
    extra_error_codes = {"matches": (503,), "outcome": (409,)}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator asks without a key
            return FoundReport.objects.none()
        # Only the key's shelter's: another shelter's found dog is not found (404).
        reports = FoundReport.objects.for_shelter(self.request.auth.shelter)
        return reports.select_related("dog").prefetch_related("dog__photos")

    @extend_schema(
        summary="Record a found dog (intake)",
        description="The same checks and limits as the intake page. The worker then embeds and indexes the "
        "photos and looks for the owner: read `/matches/` once `photos_searchable` is true.",
        request={"multipart/form-data": serializers.IntakeSerializer},
        responses={201: serializers.FoundDogSerializer},
    )
    def create(self, request: Request) -> Response:
        checked = intake(request.data, request.FILES, request.auth.shelter)
        report = reunions_services.record_found_dog(*checked.cleaned(), None)
        report = self.get_queryset().get(pk=report.pk)
        return Response(self.get_serializer(report).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Likely owners of a found dog",
        description="The found-dog page's matches and labels. The owner's contact comes only with likely, "
        "possible and certain (microchip) matches, and every contact sent is logged for the key's shelter.",
        parameters=[serializers.MatchFiltersSerializer],
        responses={200: serializers.FoundDogMatchesSerializer},
    )
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def matches(self, request: Request, pk: str) -> Response:
        report = self.get_object()
        form = MatchFilterForm(request.query_params)
        if request.query_params and not form.is_valid():
            raise exceptions.ValidationError(form.errors)
        found = _ranked(lambda: services.found_dog_matches(report, form.filters(), request.auth, request.path))
        return Response(serializers.FoundDogMatchesSerializer(found).data)

    @extend_schema(
        summary="Set a found dog's outcome",
        request=serializers.OutcomeSerializer,
        responses={200: serializers.FoundDogSerializer},
    )
    @action(detail=True, methods=["post"], filterset_class=None, pagination_class=None)
    def outcome(self, request: Request, pk: str) -> Response:
        report = self.get_object()
        given = serializers.OutcomeSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            reunions_services.set_outcome(report, **given.validated_data, user=None)
        except reunions_services.AlreadyClosed as exc:
            raise Conflict(str(exc)) from exc
        return Response(self.get_serializer(self.get_queryset().get(pk=report.pk)).data)


class PhotoSearchView(APIView):
    parser_classes = [MultiPartParser]
    extra_error_codes = {None: (503,)}

    @extend_schema(
        summary="Find owners by photo",
        description="The staff photo search across the whole network: the photo is compared, never stored.",
        request={"multipart/form-data": serializers.PhotoSearchSerializer},
        responses={200: serializers.MatchesSerializer},
    )
    def post(self, request: Request) -> Response:
        form = PhotoSearchForm(request.data, request.FILES)
        if not form.is_valid():
            raise exceptions.ValidationError(form.errors)
        _upload, checked = form.cleaned_data["photo"]
        results = _ranked(lambda: find_matching_dogs(checked.image, filters=form.filters()))
        matches = services.labelled(results, request.auth, request.path)
        return Response(serializers.MatchesSerializer(matches).data)


@extend_schema_view(
    list=extend_schema(
        summary="Open lost reports, network-wide",
        description="Without what is private: no owner, contact, notes, microchip or exact point.",
    ),
    retrieve=extend_schema(summary="An open lost report"),
)
class LostReportViewSet(ById, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = serializers.LostReportSerializer
    filterset_class = LostReportFilter
    pagination_class = NewestFirst
    queryset = LostReport.objects.open().select_related("dog")
