"""Signing in: the password step, the second step, enrolling a first device, and passwords."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.generic import TemplateView
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.forms import CodeForm, LoginForm, PasswordChangeForm
from accounts.models import SMSDevice
from accounts.navigation import safe_next, with_next
from accounts.second_factor import (
    DEVICE_NAMES,
    METHOD_MODELS,
    Method,
    backup_codes_generate,
    backup_codes_on_enrolment,
    confirmed_devices,
    counted_methods,
    first_methods,
    remember_enrolment,
    second_factor_pending,
    second_factor_reason,
    second_factor_verify,
    sms_code_send,
    sms_code_state,
    sms_device_create,
    totp_device_create,
    totp_manual_key,
    totp_qr_code,
)
from accounts.services import password_changed
from accounts.views.account import RecentPasswordRequiredMixin
from core.limits import EmailedLinkLimited
from core.requests import SignedInRequest


class LoginView(auth_views.LoginView):
    """The password step. Under the second-factor policy it leads to the second step, which it does not replace."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        response = super().form_valid(form)  # logs in with a new session id
        remember_enrolment(self.request, user)
        if second_factor_pending(self.request):
            return redirect(with_next("accounts:second-factor", self.get_success_url()))
        return response


class SecondFactorView(TemplateView):
    """The second step: a code from the authenticator app, an SMS, or a backup code."""

    request: SignedInRequest

    template_name = "accounts/second_factor.html"

    def dispatch(self, request, *args, **kwargs):
        if not second_factor_pending(request):
            return redirect(safe_next(request))
        self.devices = confirmed_devices(request.user)
        if not self.devices:
            return redirect(with_next("accounts:second-factor-setup", safe_next(request, "")))
        wanted = request.POST.get("method") or request.GET.get("method")
        self.method = Method(wanted) if wanted in self.devices else next(iter(self.devices))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        device = self.devices[self.method]
        return {
            **super().get_context_data(**kwargs),
            "form": kwargs.get("form") or CodeForm(),
            "method": self.method,
            "methods": [(method, DEVICE_NAMES[METHOD_MODELS[method]]) for method in self.devices],
            "sms": sms_code_state(self.request, device) if isinstance(device, SMSDevice) else None,
            "phone_hint": mask_phone(self.request.user.mobile_phone),
            "next": safe_next(self.request, ""),
        }

    def post(self, request, *args, **kwargs):
        device = self.devices[self.method]
        if "send" in request.POST and isinstance(device, SMSDevice):
            try:
                sms_code_send(request, device)
            except ValidationError as error:
                # A press within the wait is no fault: the code on its way still counts.
                (messages.info if error.code == "wait" else messages.error)(request, " ".join(error.messages))
            else:
                messages.success(
                    request, _("A code is on its way to %(phone)s.") % {"phone": mask_phone(device.user.mobile_phone)}
                )
            return redirect(with_next("accounts:second-factor", safe_next(request, ""), method=self.method))
        form = CodeForm(request.POST)
        if form.is_valid():
            try:
                second_factor_verify(request, device, form.cleaned_data["code"])
            except ValidationError as error:
                form.add_error("code", error)
            else:
                return redirect(safe_next(request))
        return self.render_to_response(self.get_context_data(form=form), status=400)


def mask_phone(phone: str) -> str:
    """A mobile number with all but the last two digits hidden, e.g. +41 •• ••• •• 67."""
    return f"{phone[:3]} •• ••• •• {phone[-2:]}" if len(phone) > 5 else ""


class SecondFactorSetupView(RecentPasswordRequiredMixin, TemplateView):
    """Enrol a device: scan the QR code into an authenticator app (or get an SMS) and type a code to confirm.

    Reached right after the password step by users under the policy who have no
    device yet, and from My account by everyone else.
    """

    request: SignedInRequest

    template_name = "accounts/second_factor_setup.html"

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if second_factor_pending(request) and confirmed_devices(user):
            return redirect(with_next("accounts:second-factor", safe_next(request, "")))
        self.sms_possible = Method.SMS in first_methods(user)
        wanted = request.POST.get("method") or request.GET.get("method")
        self.method = Method.SMS if wanted == Method.SMS and self.sms_possible else Method.TOTP
        return super().dispatch(request, *args, **kwargs)

    def device(self) -> TOTPDevice | SMSDevice:
        model = METHOD_MODELS[self.method]
        device = model.objects.filter(user=self.request.user, confirmed=False).order_by("-id").first()
        if device is None:
            if self.method == Method.SMS:
                device = sms_device_create(actor=self.request.user, user=self.request.user)
            else:
                device = totp_device_create(actor=self.request.user, user=self.request.user, confirmed=False)
        return device

    def get_context_data(self, **kwargs):
        device = kwargs.pop("device", None) or self.device()
        context = {
            **super().get_context_data(**kwargs),
            "form": kwargs.get("form") or CodeForm(),
            "method": self.method,
            "sms_possible": self.sms_possible,
            "sms_counts": Method.SMS in counted_methods(self.request.user),
            "reason": second_factor_reason(self.request.user),
            "next": safe_next(self.request, ""),
            "device": device,
        }
        if isinstance(device, TOTPDevice):
            context.update(qr_code=totp_qr_code(device), manual_key=totp_manual_key(device))
        else:
            context.update(
                sms=sms_code_state(self.request, device), phone_hint=mask_phone(self.request.user.mobile_phone)
            )
        return context

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response["Cache-Control"] = "no-store"  # the page shows a secret key
        return response

    def post(self, request, *args, **kwargs):
        device = self.device()
        if "send" in request.POST and isinstance(device, SMSDevice):
            try:
                sms_code_send(request, device)
            except ValidationError as error:
                (messages.info if error.code == "wait" else messages.error)(request, " ".join(error.messages))
            return redirect(with_next("accounts:second-factor-setup", safe_next(request, ""), method=Method.SMS))
        form = CodeForm(request.POST)
        if form.is_valid():
            try:
                with transaction.atomic():
                    second_factor_verify(request, device, form.cleaned_data["code"])
                    codes = backup_codes_on_enrolment(user=request.user)
            except ValidationError as error:
                form.add_error("code", error)
            else:
                messages.success(request, _("%(device)s is set up.") % {"device": DEVICE_NAMES[type(device)]})
                if codes is None:
                    return redirect(safe_next(request))
                # Shown on this response only, with "I have saved them" as the way on.
                shown = TemplateResponse(
                    request, "accounts/backup_codes.html", {"codes": codes, "next": safe_next(request)}
                )
                shown["Cache-Control"] = "no-store"
                return shown
        response = self.render_to_response(self.get_context_data(form=form, device=device), status=400)
        response["Cache-Control"] = "no-store"
        return response


class BackupCodesView(RecentPasswordRequiredMixin, TemplateView):
    """Generate backup codes and show them once; a user who has some keeps them until they ask for new ones."""

    request: SignedInRequest

    def asks_for_password(self, request) -> bool:
        return request.method == "POST"  # the page itself only offers the button

    template_name = "accounts/backup_codes.html"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "codes": kwargs.get("codes"),
            "has_codes": Method.BACKUP in confirmed_devices(self.request.user),
            "next": safe_next(self.request),
        }

    def post(self, request, *args, **kwargs):
        codes = backup_codes_generate(actor=request.user, user=request.user)
        response: HttpResponse = self.render_to_response(self.get_context_data(codes=codes))
        response["Cache-Control"] = "no-store"
        return response


class PasswordResetView(EmailedLinkLimited, auth_views.PasswordResetView):
    """Django's reset by email, its link built from COCKPIT_BASE_URL: a forged Host header cannot redirect it."""

    # Asking for a link counts; opening the form to ask does not.
    emailed_link_methods = frozenset({"POST"})

    @property
    def extra_email_context(self) -> dict[str, str]:
        return {"cockpit_url": settings.COCKPIT_BASE_URL}


class PasswordResetConfirmView(EmailedLinkLimited, auth_views.PasswordResetConfirmView):
    """Choosing a password by reset link ends a pending forced change; it never signs in (the second factor stays)."""

    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password-reset-complete")
    post_reset_login = False

    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            password_changed(user=form.user)
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    form_class = PasswordChangeForm
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            password_changed(user=form.user)
        messages.success(self.request, _("Your password has been changed."))
        return response


__all__ = [
    "BackupCodesView",
    "LoginView",
    "PasswordChangeView",
    "PasswordResetConfirmView",
    "PasswordResetView",
    "SecondFactorSetupView",
    "SecondFactorView",
]
