import logging

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation

from accounts.navigation import with_next
from accounts.second_factor import OWED_IN_COCKPIT, second_factor_owed_in
from accounts.throttle import client_ip, link_allowed, listing_allowed
from core.limits import emailed_link_methods, is_listing_limited
from core.query import cleaned_query
from entities.access import cache as access_cache
from entities.access import request_scope, subject_of
from entities.audit import current_ip
from sharing.access import access_cockpit

security_log = logging.getLogger("accounts.security")


class QueryStringMiddleware:
    """Every request's query string read as text (core.query.cleaned_query): no NUL, no endless value.

    Pages, forms and the Django admin alike then never pass PostgreSQL a value it refuses;
    ids and searches are read further by core.query helpers where a page reads them.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.GET = cleaned_query(request.GET)
        return self.get_response(request)


class PermissionsPolicyMiddleware:
    """Switch off the browser features the cockpit never uses (settings.PERMISSIONS_POLICY), on every response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


def too_many_requests(request, window_seconds: int, **context) -> HttpResponse:
    """The 429 page, saying in minutes when to come back (also as Retry-After)."""
    minutes = max(1, window_seconds // 60)
    response = render(request, "429.html", {"minutes": minutes, **context}, status=429)
    response["Retry-After"] = str(window_seconds)
    return response


class ListingLimitMiddleware:
    """A generous per-person limit on lists and searches (accounts.throttle.listing_allowed): 429 beyond it.

    Which pages count is a property of each view (core.limits.ListingLimited).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not is_listing_limited(view_func) or not request.user.is_authenticated:
            return None
        if listing_allowed(user_id=request.user.pk):
            return None
        return too_many_requests(request, settings.LIST_WINDOW_SECONDS)


class EmailedLinkLimitMiddleware:
    """Invitation and password-reset links, and reset requests, per address (accounts.throttle.link_allowed): 429.

    Which pages count, on which methods, is a property of each view (core.limits.EmailedLinkLimited).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method not in emailed_link_methods(view_func) or link_allowed(ip=client_ip(request.META)):
            return None
        return too_many_requests(request, settings.LINK_WINDOW_SECONDS, links=True)


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
    rules see them, as request.subject. What the layout and the filters ask about them
    comes from the shared cache while the cockpit's access is unchanged (entities.access.cache).
    Every 403 and 404 of a cockpit page is logged with who asked and from where: someone
    trying ids one by one shows up in the log.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        primed = getattr(request, "access_cache_primed", None)
        if primed is not None and request.method in ("GET", "HEAD") and response.status_code == 200:
            # After a read only: a write's request holds answers from before and after its change.
            access_cache.kept(request.subject, request.instance, primed)
        if response.status_code in (403, 404) and request.path.startswith("/c/"):
            security_log.warning(
                "Cockpit page refused (%s): user_id=%s ip=%s path=%s",
                response.status_code,
                request.user.pk if request.user.is_authenticated else None,
                client_ip(request.META),
                request.path,
            )
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        slug = view_kwargs.get("instance_slug")
        if slug is not None:
            request.instance = access_cockpit(request.user, slug)
            request.subject = subject_of(request.user)
            request.access_cache_primed = access_cache.primed(request.subject, request.instance)
            if second_factor_owed_in(request, request.instance):
                messages.info(request, OWED_IN_COCKPIT % {"cockpit": request.instance})
                back = request.get_full_path() if request.method == "GET" else ""
                return redirect(with_next("accounts:second-factor-setup", back))
        return None
