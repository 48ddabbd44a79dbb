"""The Django admin behind the second factor: only verified operator staff get in, and they sign in like everyone."""

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django_otp.admin import OTPAdminSite

from accounts.second_factor import second_factor_pending


class CockpitAdminSite(OTPAdminSite):
    """django-otp's OTP-required admin site, signing in through the cockpit's own two steps and limits."""

    site_header = "Cockpit administration"

    def __init__(self, name: str = "admin"):
        super().__init__(name)

    def has_permission(self, request) -> bool:
        return bool(request.user.is_active and request.user.is_staff and not second_factor_pending(request))

    @method_decorator(login_not_required)
    def login(self, request, extra_context=None):
        # One login for every path: the same rate limits, the same second step.
        target = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        return redirect(f"{reverse('accounts:login')}?{urlencode({'next': target})}")
