"""django-otp-webauthn's endpoints under its own namespace (its template tags reverse them), served by our views."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path
from django.views.i18n import JavaScriptCatalog
from django_otp_webauthn.views import CompleteCredentialRegistrationView

from accounts.views.passkeys import (
    PasskeyAuthenticationBeginView,
    PasskeyAuthenticationCompleteView,
    PasskeyRegistrationBeginView,
)

app_name = "otp_webauthn"

urlpatterns = [
    path("registration/begin/", PasskeyRegistrationBeginView.as_view(), name="credential-registration-begin"),
    path(
        "registration/complete/", CompleteCredentialRegistrationView.as_view(), name="credential-registration-complete"
    ),
    path("authentication/begin/", PasskeyAuthenticationBeginView.as_view(), name="credential-authentication-begin"),
    path(
        "authentication/complete/",
        PasskeyAuthenticationCompleteView.as_view(),
        name="credential-authentication-complete",
    ),
    # The browser script's words, in the person's language.
    path(
        "jsi18n/",
        login_not_required(JavaScriptCatalog.as_view(packages=["django_otp_webauthn"])),
        name="js-i18n-catalog",
    ),
]
