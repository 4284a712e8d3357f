from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from shelter.health import health
from shelter.views import favicon

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("accounts/", include("dogs.account_urls")),
    path("dogs/", include("dogs.urls")),
    path("search/", include("search.urls")),
    path("reunions/", include("reunions.urls")),
    path("shelters/", include("shelters.urls")),
    path("api/v1/", include("api.urls")),
    path("", include("public.urls")),
    path("admin/", admin.site.urls),
    path("health/", health, name="health"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("favicon.ico", favicon),
]

# MEDIA_URL is never routed, not even with DEBUG on: every stored photo leaves through a view
# that checks who is asking (dogs.photos.image_response), never by its path.
