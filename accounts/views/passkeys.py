"""Passkeys: the page that adds one, its removal, and django-otp-webauthn's ceremonies under our rules."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View
from django_otp_webauthn import exceptions as webauthn_errors
from django_otp_webauthn import views as webauthn
from django_otp_webauthn.models import WebAuthnCredential

from accounts.forms import PasskeyNameForm
from accounts.passkeys import PASSKEY_CODES_KEY, PASSKEY_NAME_KEY, passkey_verified
from accounts.recent_password import password_recently_checked
from accounts.second_factor import second_factor_pending
from accounts.views.account import DeviceRemoveView, RecentPasswordRequiredMixin
from core.requests import SignedInRequest


class PasskeyAddView(RecentPasswordRequiredMixin, TemplateView):
    """Name the passkey, then make it with the browser (django-otp-webauthn's script) and go back to My account."""

    template_name = "accounts/passkey_add.html"
    request: SignedInRequest

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "form": kwargs.get("form") or PasskeyNameForm()}

    def post(self, request, *args, **kwargs):
        form = PasskeyNameForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        request.session[PASSKEY_NAME_KEY] = form.cleaned_data["name"]
        return self.render_to_response({**self.get_context_data(form=form), "name": form.cleaned_data["name"]})


class PasskeyAddedView(View):
    """After the ceremony: the backup codes made with a first method, shown this once, or My account."""

    request: SignedInRequest

    def get(self, request, *args, **kwargs):
        codes = request.session.pop(PASSKEY_CODES_KEY, None)
        messages.success(request, _("Your passkey is added."))
        if not codes:
            return redirect("accounts:my-account")
        shown = TemplateResponse(
            request, "accounts/backup_codes.html", {"codes": codes, "next": reverse("accounts:my-account")}
        )
        shown["Cache-Control"] = "no-store"
        return shown


class PasskeyRemoveView(DeviceRemoveView):
    """Remove one of one's passkeys after typing the password again (one of several, by its id)."""

    def chosen(self, request, **kwargs):
        device = WebAuthnCredential.objects.filter(pk=kwargs["pk"], user=request.user).first()
        if device is None:
            raise Http404("No such passkey.")
        return device, f"passkey-{device.pk}", _("The passkey “%(name)s” was removed.") % {"name": device.name}


class PasskeyNotNow(webauthn_errors.OTPWebAuthnApiError):
    status_code = 403
    default_code = "passkey_not_now"


class PasskeyRegistrationBeginView(webauthn.BeginCredentialRegistrationView):
    """Adding a passkey changes how one signs in: the password must have been typed a few minutes ago, and the
    passkey named on the page that adds it."""

    def post(self, *args, **kwargs):
        if not (password_recently_checked(self.request) or second_factor_pending(self.request)):
            raise PasskeyNotNow(detail=_("Please reload the page and type your password again first."))
        if PASSKEY_NAME_KEY not in self.request.session:
            raise PasskeyNotNow(detail=_("Name the passkey first."))
        return super().post(*args, **kwargs)


@method_decorator(login_not_required, name="dispatch")
class PasskeyAuthenticationBeginView(webauthn.BeginCredentialAuthenticationView):
    """The challenge for a passkey: the second step of a signed-in session, or a sign-in on its own."""


@method_decorator(login_not_required, name="dispatch")
class PasskeyAuthenticationCompleteView(webauthn.CompleteCredentialAuthenticationView):
    """A signed challenge verifies the session like a right code, or signs the person in (accounts.passkeys)."""

    def complete_auth(self, device):
        passkey_verified(self.request, device)
