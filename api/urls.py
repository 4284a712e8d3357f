from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from . import views

app_name = "api"

router = SimpleRouter()
router.register("found-dogs", views.FoundDogViewSet, basename="found-dog")
router.register("lost-reports", views.LostReportViewSet, basename="lost-report")

urlpatterns = [
    # The schema and its docs are public: no key, so anyone can learn how to ask for one.
    path("schema/", SpectacularAPIView.as_view(authentication_classes=[]), name="schema"),
    # The split view serves its settings script from this server too: no inline script for a strict CSP.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema", authentication_classes=[]), name="docs"),
    path("search/", views.PhotoSearchView.as_view(), name="search"),
    *router.urls,
    # Anything else under /api/v1/ (newlines included): a JSON 404, not the site's page nor a slash redirect.
    re_path(r"^(?P<path>[\s\S]*)$", views.not_found),
]
