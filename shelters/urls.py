from django.urls import path

from . import views

app_name = "shelters"

urlpatterns = [
    path("", views.my_shelters, name="mine"),
    path("acting-for/", views.acting_for, name="acting_for"),
    path("join/<str:token>/", views.accept_invitation, name="accept"),
    path("<int:pk>/", views.settings_page, name="settings"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/invitations/", views.invite, name="invite"),
    path("<int:pk>/invitations/<int:invitation_pk>/cancel/", views.cancel_invitation, name="cancel_invitation"),
    path("<int:pk>/members/<int:membership_pk>/remove/", views.remove_member, name="remove_member"),
    path("<int:pk>/members/<int:membership_pk>/role/", views.change_role, name="change_role"),
    path("<int:pk>/keys/", views.create_key, name="create_key"),
    path("<int:pk>/keys/<str:prefix>/revoke/", views.revoke_key, name="revoke_key"),
    path("<int:pk>/webhooks/", views.add_webhook, name="add_webhook"),
    path("<int:pk>/webhooks/<int:webhook_pk>/delete/", views.delete_webhook, name="delete_webhook"),
]
