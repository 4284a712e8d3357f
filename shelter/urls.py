from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from shelter.health import health

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
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
