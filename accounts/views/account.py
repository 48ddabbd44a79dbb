"""My account: a user's own profile, language, password, second-factor devices and sessions."""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView
from django_otp.models import Device

from accounts.forms import AccountForm, PasswordConfirmForm
from accounts.models import User
from accounts.navigation import safe_next, with_next
from accounts.passkeys import passkeys_of
from accounts.recent_password import note_password_checked, password_recently_checked
from accounts.second_factor import (
    DEVICE_NAMES,
    METHOD_MODELS,
    Method,
    confirmed_devices,
    counted_methods,
    device_remove,
    offered_methods,
    remember_enrolment,
    second_factor_pending,
    second_factor_required,
)
from accounts.services import account_update, password_confirm, sessions_end_all
from core.requests import SignedInRequest


class MyAccountView(TemplateView):
    template_name = "accounts/my_account.html"
    request: SignedInRequest

    def get_context_data(self, **kwargs):
        user = self.request.user
        devices = confirmed_devices(user, counted_only=False)
        backup = devices.get(Method.BACKUP)
        return {
            **super().get_context_data(**kwargs),
            "form": kwargs.get("form") or AccountForm(instance=user),
            "remove_form": kwargs.get("remove_form") or PasswordConfirmForm(),
            "remove_method": kwargs.get("remove_method"),
            "methods": [
                (method, DEVICE_NAMES[METHOD_MODELS[method]], devices.get(method))
                for method in (Method.TOTP, Method.SMS)
                if method in offered_methods()
            ],
            "counted": counted_methods(user),
            "passkeys": passkeys_of(user),
            "backup_codes_left": backup.token_set.count() if backup else 0,
            "second_factor_required": second_factor_required(user),
        }

    def post(self, request, *args, **kwargs):
        form = AccountForm(request.POST, instance=User.objects.get(pk=request.user.pk))
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = account_update(
                    user=request.user,
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    language=data["language"],
                    mobile_phone=data["mobile_phone"],
                    password=data["password"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                # The new language from this page on.
                messages.success(request, _("Your account is saved."))
                response = redirect("accounts:my-account")
                response.set_cookie("django_language", user.language, samesite="Lax", secure=request.is_secure())
                return response
        return self.render_to_response(self.get_context_data(form=form), status=400)


class DeviceRemoveView(MyAccountView):
    """Remove one's authenticator app or SMS after typing the password again."""

    http_method_names = ["post"]

    def chosen(self, request, **kwargs) -> tuple[Device, str, str]:
        """The device to remove, the key its form is known by on My account, and the words once it is gone."""
        try:
            method = Method(kwargs["method"])
        except ValueError:
            raise Http404("No such sign-in method.") from None
        device = confirmed_devices(request.user, counted_only=False).get(method)
        if device is None:
            raise Http404("No such sign-in method.")
        return device, method, _("%(device)s was removed.") % {"device": DEVICE_NAMES[type(device)]}

    def post(self, request, *args, **kwargs):
        device, key, removed = self.chosen(request, **kwargs)
        form = PasswordConfirmForm(request.POST)
        if form.is_valid():
            try:
                device_remove(actor=request.user, device=device, password=form.cleaned_data["password"])
            except ValidationError as error:
                form.add_error(None, error)
            else:
                # Without a method left, a user outside the policy owes no second factor any more.
                remember_enrolment(request, request.user)
                messages.success(request, removed)
                return redirect("accounts:my-account")
        return self.render_to_response(self.get_context_data(remove_form=form, remove_method=key), status=400)


class PasswordConfirmView(TemplateView):
    """The password again, before changing how one signs in; then on to where the person was going."""

    template_name = "accounts/password_confirm.html"
    request: SignedInRequest

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "form": kwargs.get("form") or PasswordConfirmForm(),
            "next": safe_next(self.request),
        }

    def post(self, request, *args, **kwargs):
        form = PasswordConfirmForm(request.POST)
        if form.is_valid():
            try:
                password_confirm(request.user, form.cleaned_data["password"])
            except ValidationError as error:
                form.add_error("password", error)
            else:
                note_password_checked(request)
                return redirect(safe_next(request))
        return self.render_to_response(self.get_context_data(form=form), status=400)


class RecentPasswordRequiredMixin:
    """For a page that changes how one signs in: the password first, unless typed in the last few minutes.

    Not while the sign-in itself is under way (the second step still owed): its password was just typed,
    and the person may be setting up their first method (accounts.recent_password).
    """

    def dispatch(self, request, *args, **kwargs):
        asks = self.asks_for_password(request) and not second_factor_pending(request)
        if asks and not password_recently_checked(request):
            return redirect(with_next("accounts:password-confirm", request.get_full_path()))
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]

    def asks_for_password(self, request) -> bool:
        return True


class OtherSessionsEndView(View):
    """Log out every other session of one's account; this one stays."""

    http_method_names = ["post"]
    request: SignedInRequest

    def post(self, request, *args, **kwargs):
        sessions_end_all(user=request.user)
        update_session_auth_hash(request, request.user)
        messages.success(request, _("Your other sessions are logged out."))
        return redirect("accounts:my-account")
