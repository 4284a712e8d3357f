from django.urls import path

from . import views

app_name = "public"

urlpatterns = [
    path("found-dogs/", views.found_list, name="found_list"),
    path("found-dogs/<int:pk>/", views.found_detail, name="found_detail"),
    path("found-dogs/photos/<int:pk>/thumbnail/", views.found_thumbnail, name="found_thumbnail"),
    path("found-dogs/search/", views.found_search, name="found_search"),
    path("found-dogs/<int:pk>/claim/", views.claim_create, name="claim_create"),
    path("lost-dogs/mine/", views.mine, name="mine"),
    path("lost-dogs/<int:pk>/", views.lost_detail, name="lost_detail"),
    path("lost-dogs/photos/<int:pk>/", views.lost_photo, name="lost_photo"),
    path("lost-dogs/<int:pk>/share/", views.lost_share, name="lost_share"),
    path("lost-dogs/<int:pk>/poster/", views.poster, name="poster"),
    path("lost-dogs/<int:pk>/poster.png", views.poster_file, {"format": "PNG"}, name="poster_png"),
    path("lost-dogs/<int:pk>/poster.pdf", views.poster_file, {"format": "PDF"}, name="poster_pdf"),
]
