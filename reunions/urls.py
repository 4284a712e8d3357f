from django.urls import path

from . import views

app_name = "reunions"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("shelters/new/", views.shelter_create, name="shelter_create"),
    path("found/new/", views.found_create, name="found_create"),
    path("found/<int:pk>/", views.found_detail, name="found_detail"),
    path("found/<int:pk>/review/<int:dog_pk>/", views.review, name="review"),
    path("found/<int:pk>/outcome/", views.found_outcome, name="found_outcome"),
    path("found/photos/<int:pk>/", views.found_photo, name="found_photo"),
    path("found/photos/<int:pk>/dog/", views.found_photo, {"field": "dog_crop"}, name="found_photo_dog"),
    path("lost/new/<int:dog_pk>/", views.lost_create, name="lost_create"),
    path("lost/<int:pk>/", views.lost_detail, name="lost_detail"),
    path("lost/<int:pk>/home/", views.lost_home, name="lost_home"),
    path("claims/<int:pk>/found-photo/", views.claim_found_photo, name="claim_found_photo"),
    path("claims/<int:pk>/owner-photo/", views.claim_owner_photo, name="claim_owner_photo"),
    path("claims/<int:pk>/resolve/", views.claim_resolve, name="claim_resolve"),
]
