from django.contrib import admin
from django.urls import include, path
from django.views.decorators.cache import cache_page
from django.views.generic import TemplateView
from django.views.i18n import JavaScriptCatalog

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
    # The scripts' strings in the page's language: a file, as the Content-Security-Policy allows no inline
    # script. Cached per language (base.html puts the language in the query too, for browsers' caches).
    path("jsi18n/", cache_page(60 * 60, key_prefix="jsi18n")(JavaScriptCatalog.as_view()), name="javascript-catalog"),
    path("favicon.ico", favicon),
]

# MEDIA_URL is never routed, not even with DEBUG on: every stored photo leaves through a view
# that checks who is asking (dogs.photos.image_response), never by its path.
