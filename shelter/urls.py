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
    path("", include("public.urls")),
    path("admin/", admin.site.urls),
    path("health/", health, name="health"),
]

# MEDIA_URL is never routed, not even with DEBUG on: every stored photo leaves through a view
# that checks who is asking (dogs.photos.image_response), never by its path.
