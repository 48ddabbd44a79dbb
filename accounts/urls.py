from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("second-factor/", views.SecondFactorView.as_view(), name="second-factor"),
    path("second-factor/setup/", views.SecondFactorSetupView.as_view(), name="second-factor-setup"),
    path("second-factor/backup-codes/", views.BackupCodesView.as_view(), name="backup-codes"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password-change"),
    path("me/", views.MyAccountView.as_view(), name="my-account"),
    path("me/confirm/", views.PasswordConfirmView.as_view(), name="password-confirm"),
    path("me/methods/<str:method>/remove/", views.DeviceRemoveView.as_view(), name="device-remove"),
    path("me/passkeys/add/", views.PasskeyAddView.as_view(), name="passkey-add"),
    path("me/passkeys/added/", views.PasskeyAddedView.as_view(), name="passkey-added"),
    path("me/passkeys/<int:pk>/remove/", views.PasskeyRemoveView.as_view(), name="passkey-remove"),
    path("me/sessions/end-others/", views.OtherSessionsEndView.as_view(), name="sessions-end-others"),
    path(
        "password/reset/",
        views.PasswordResetView.as_view(
            template_name="accounts/password_reset_form.html",
            email_template_name="accounts/email/password_reset_body.txt",
            subject_template_name="accounts/email/password_reset_subject.txt",
            success_url=reverse_lazy("accounts:password-reset-done"),
        ),
        name="password-reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password-reset-done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html"),
        name="password-reset-complete",
    ),
]
