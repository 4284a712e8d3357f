from django.urls import path

from . import views

app_name = "search"

urlpatterns = [
    path("find-owner/", views.find_owner, name="find_owner"),
]
