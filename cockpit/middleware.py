import time

from django.conf import settings
from django.shortcuts import render
from django.utils import translation

from accounts.throttle import client_ip, listing_allowed
from cockpit.permissions import access_cockpit
from entities.access import request_scope, subject_of
from entities.audit import current_ip
from sharing.services import share_visited

SHARE_VISIT_RESOLUTION_SECONDS = 60 * 60


class PermissionsPolicyMiddleware:
    """Switch off the browser features the cockpit never uses (settings.PERMISSIONS_POLICY), on every response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


# The pages a script copying a cockpit asks for: lists, searches, the export, entity pages one by one.
LISTING_VIEWS = frozenset(
    {
        "entities:entity-list",
        "entities:entity-detail",
        "entities:entity-section",
        "users:user-list",
        "users:user-export",
        "users:entity-search",
        "sharing:share-list",
        "tablets:tablet-list",
        "plans:plan-list",
    }
)


class ListingLimitMiddleware:
    """A generous per-person limit on lists and searches (accounts.throttle.listing_allowed): 429 beyond it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or match.view_name not in LISTING_VIEWS or not request.user.is_authenticated:
            return None
        if listing_allowed(user_id=request.user.pk):
            return None
        minutes = max(1, settings.LIST_WINDOW_SECONDS // 60)
        response = render(request, "429.html", {"minutes": minutes}, status=429)
        response["Retry-After"] = str(settings.LIST_WINDOW_SECONDS)
        return response


class RequestContextMiddleware:
    """Open what lives exactly as long as one request: the access rules' answers and the audit log's IP.

    The access scope makes every page ask each access question once, and a changed
    grant count from the next request on. The IP is the one the rate limits use
    (accounts.throttle.client_ip): REMOTE_ADDR unless TRUSTED_PROXY_COUNT says how
    many of our own proxies stand in front.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_ip.set(client_ip(request.META))
        try:
            with request_scope():
                return self.get_response(request)
        finally:
            current_ip.reset(token)


class UserLanguageMiddleware:
    """Serve logged-in users in the language stored on their account."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            request.LANGUAGE_CODE = user.language
            # For this request only: the thread goes on to serve others.
            with translation.override(user.language):
                response = self.get_response(request)
            # LocaleMiddleware, outside this one, only fills the header when it is missing.
            response.headers.setdefault("Content-Language", user.language)
            return response
        return self.get_response(request)


class CockpitAccessMiddleware:
    """Every URL under /c/<instance_slug>/ is checked here, so no cockpit view can forget it.

    Runs after LoginRequiredMiddleware: anonymous users are sent to login first,
    logged-in users of other cockpits get a 404 that does not reveal the cockpit exists.
    Cockpit views find the cockpit as request.instance and the person, as the access
    rules see them, as request.subject.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        slug = view_kwargs.get("instance_slug")
        if slug is not None:
            request.instance = access_cockpit(request.user, slug)
            request.subject = subject_of(request.user)
            if request.instance.pk != request.user.company.instance_id:
                self.note_share_visit(request)
        return None

    @staticmethod
    def note_share_visit(request) -> None:
        """The Cockpit Shares list shows each share's last visit; noted at most hourly per session."""
        key = f"share_visit_{request.instance.pk}"
        now = int(time.time())
        if now - request.session.get(key, 0) >= SHARE_VISIT_RESOLUTION_SECONDS:
            request.session[key] = now
            share_visited(user_id=request.user.pk, instance_id=request.instance.pk)
