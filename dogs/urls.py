from django.urls import path

from . import views

app_name = "dogs"

urlpatterns = [
    path("", views.my_dogs, name="my_dogs"),
    path("new/", views.dog_create, name="create"),
    path("<int:pk>/", views.dog_detail, name="detail"),
    path("<int:pk>/edit/", views.dog_edit, name="edit"),
    path("<int:pk>/delete/", views.dog_delete, name="delete"),
    path("<int:pk>/contact/", views.owner_contact, name="contact"),
    path("<int:pk>/photos/", views.photo_add, name="photo_add"),
    path("photos/<int:pk>/delete/", views.photo_delete, name="photo_delete"),
    path("photos/<int:pk>/image/", views.photo_image, name="photo_image"),
    path("photos/<int:pk>/thumbnail/", views.photo_rendition, {"field": "thumbnail"}, name="photo_thumbnail"),
    path("photos/<int:pk>/display/", views.photo_rendition, {"field": "display"}, name="photo_display"),
    path("photos/<int:pk>/dog/", views.photo_rendition, {"field": "dog_crop"}, name="photo_dog"),
    path("profile/", views.profile, name="profile"),
]
