import datetime
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.models import update_last_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from accounts.second_factor import confirmed_devices, second_factor_pending, second_factor_required

SIGNED_OUT_AFTER_TIMEOUT = _("You were signed out after a time without activity. Please sign in again.")

# What a session may reach between the password step and the second one.
SECOND_STEP_URLS = (
    "accounts:second-factor",
    "accounts:second-factor-setup",
    "accounts:logout",
    "otp_webauthn:credential-authentication-begin",
    "otp_webauthn:credential-authentication-complete",
    "otp_webauthn:js-i18n-catalog",
)


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
        elif SIGN_IN_UNFINISHED in getattr(request, "session", {}) and not second_factor_pending(request):
            sign_in_finished(request)
        return self.get_response(request)


SIGNED_IN_AT = "signed_in_at"
LAST_SEEN_AT = "last_seen_at"
# The login before this session's, for the dashboard: User.last_login is this session's own once signed in.
PREVIOUS_LOGIN_AT = "previous_login_at"
# Remembering activity costs a session write; once a minute is precise enough for a 30-minute timeout.
ACTIVITY_RESOLUTION_SECONDS = 60


# Set at the password step, gone once every step of the sign-in is done (the second factor, a first own password).
SIGN_IN_UNFINISHED = "sign_in_unfinished"


def remember_sign_in(sender, request, user, **kwargs) -> None:
    """user_logged_in, in place of Django's update_last_login: the session's clocks start at sign-in, and the
    session keeps the previous login. last_login moves on only once the sign-in is finished (sign_in_finished):
    a password step left at the second factor or at the first own password is no sign-in to welcome back from."""
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[SIGNED_IN_AT] = request.session[LAST_SEEN_AT] = now
        request.session[PREVIOUS_LOGIN_AT] = user.last_login.isoformat() if user.last_login else None
        if user.must_change_password or second_factor_required(user):
            request.session[SIGN_IN_UNFINISHED] = True
            return
    update_last_login(sender, user, **kwargs)


def sign_in_finished(request) -> None:
    """Every step of this session's sign-in is done: it counts as the person's last login from now on."""
    del request.session[SIGN_IN_UNFINISHED]
    update_last_login(type(request.user), request.user)


def previous_login(request) -> datetime.datetime | None:
    """When the user signed in before this session (None: this is their first login)."""
    value = request.session.get(PREVIOUS_LOGIN_AT)
    return datetime.datetime.fromisoformat(value) if value else None


class SessionTimeoutMiddleware:
    """End a session after SESSION_IDLE_TIMEOUT_SECONDS without a request, and SESSION_COOKIE_AGE after sign-in.

    The cookie's own age restarts whenever the session is saved, so the absolute limit
    is kept here, from the moment of sign-in.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            session = request.session
            signed_in_at = session.setdefault(SIGNED_IN_AT, now)
            last_seen_at = session.get(LAST_SEEN_AT, now)
            if (
                now - last_seen_at > settings.SESSION_IDLE_TIMEOUT_SECONDS
                or now - signed_in_at > settings.SESSION_COOKIE_AGE
            ):
                logout(request)
                messages.info(request, SIGNED_OUT_AFTER_TIMEOUT)
                return redirect(f"{reverse(settings.LOGIN_URL)}?{urlencode({'next': request.get_full_path()})}")
            if LAST_SEEN_AT not in session or now - last_seen_at >= ACTIVITY_RESOLUTION_SECONDS:
                session[LAST_SEEN_AT] = now
        return self.get_response(request)
