from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import account_views, views

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", account_views.PasswordChangeView.as_view(), name="password_change"),
    path("password-reset/", account_views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(success_url=reverse_lazy("password_reset_complete")),
        name="password_reset_confirm",
    ),
    path("reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("verify-email/send/", account_views.send_verification, name="send_verification"),
    path("verify-email/<str:token>/", account_views.verify_email, name="verify_email"),
    path("my-data.zip", account_views.download_data, name="download_data"),
    path("delete/", account_views.delete_account, name="delete_account"),
]
