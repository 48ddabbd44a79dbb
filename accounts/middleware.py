from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from accounts.second_factor import confirmed_devices, second_factor_pending

# What a session may reach between the password step and the second one.
SECOND_STEP_URLS = ("accounts:second-factor", "accounts:second-factor-setup", "accounts:logout")


class SecondFactorRequiredMiddleware:
    """Under the second-factor policy, the password step alone reaches nothing but the second step.

    Every page (cockpit, User Management, the Django admin, password change) waits
    until the session is verified; the policy itself is accounts.second_factor.second_factor_required.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if second_factor_pending(request):
            allowed = {reverse(name) for name in SECOND_STEP_URLS}
            if request.path not in allowed:
                step = "accounts:second-factor" if confirmed_devices(request.user) else "accounts:second-factor-setup"
                query = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
                return redirect(f"{reverse(step)}?{query}" if query else reverse(step))
        return self.get_response(request)


class PasswordChangeRequiredMiddleware:
    """A user logged in with a temporary password changes it before anything else (after the second factor)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.must_change_password
            # The second factor comes first; SecondFactorRequiredMiddleware holds everything else until then.
            and not second_factor_pending(request)
        ):
            allowed = {reverse("accounts:password-change"), reverse("accounts:logout")}
            if request.path not in allowed:
                return redirect("accounts:password-change")
        return self.get_response(request)
