"""Where a sign-in page goes next: the `next` address it was given, if it stays on this site."""

from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode


def safe_next(request, fallback: str = "") -> str:
    """The `next` address of this request if it is a path on this site, else `fallback` (or the home page).

    Only a path: anything else would be taken for the name of a page by redirect().
    """
    target = request.POST.get("next") or request.GET.get("next") or ""
    on_this_site = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    if on_this_site and target.startswith("/") and target.isprintable():
        return target
    return fallback or reverse("home")


def with_next(url_name: str, next_url: str, **params: str) -> str:
    """The address of a sign-in page that carries on to `next_url` afterwards."""
    query = {**({"next": next_url} if next_url else {}), **params}
    return f"{reverse(url_name)}?{urlencode(query)}" if query else reverse(url_name)
