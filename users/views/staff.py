"""Operator staff on a user's page in User Management: hand over an authenticator key, reset a lost second factor."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from accounts.second_factor import second_factor_reset, totp_device_create, totp_manual_key, totp_qr_code
from entities.requests import CockpitRequest
from users.permissions import access_managed_user

ONLY_STAFF = gettext_lazy("Only operator staff change another user's second factor.")


class StaffSecondFactorView(TemplateView):
    request: CockpitRequest

    def target(self):
        target, reach = access_managed_user(self.request.user, self.request.instance, self.kwargs["pk"])
        if not reach.is_operator_staff:
            raise PermissionDenied(ONLY_STAFF)
        return target

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "target": self.target()}


class UserAuthenticatorView(StaffSecondFactorView):
    """Create the user's authenticator key; the QR code is shown on this one response only."""

    template_name = "users/user_authenticator.html"

    def post(self, request, instance_slug, pk):
        target = self.target()
        device = totp_device_create(actor=request.user, user=target, confirmed=True)
        response = self.render_to_response(
            {"target": target, "qr_code": totp_qr_code(device), "manual_key": totp_manual_key(device)}
        )
        response["Cache-Control"] = "no-store"
        return response


class UserSecondFactorResetView(StaffSecondFactorView):
    """For a lost phone: remove the user's devices and sessions; they enrol again at the next login."""

    template_name = "users/user_second_factor_reset.html"

    def post(self, request, instance_slug, pk):
        target = self.target()
        second_factor_reset(actor=request.user, user=target)
        messages.success(
            request, _("%(user)s's devices are removed; they set up a new one at the next login.") % {"user": target}
        )
        return redirect("users:user-edit", instance_slug=instance_slug, pk=pk)
