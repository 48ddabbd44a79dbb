"""The link limit counts a page because its view says so: every emailed link's page carries the mark."""

from django.urls import URLPattern, URLResolver, get_resolver, path
from django.views.generic import TemplateView

from core.limits import EmailedLinkLimited, emailed_link_methods

# An emailed link carries a token in its path: that is what someone guessing links would vary.
TOKEN_PARTS = ("<str:token>", "<token>")


def unlimited_link_pages(urlconf=None) -> list[str]:
    """The URL patterns with a token in their path whose view the link limit does not count."""

    def walk(patterns, prefix=""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern):
                yield route, pattern.callback

    return sorted(
        route
        for route, view in walk(get_resolver(urlconf).url_patterns)
        if any(part in route for part in TOKEN_PARTS) and not emailed_link_methods(view)
    )


def test_every_emailed_links_page_carries_the_link_limit():
    assert unlimited_link_pages() == []


class _UnmarkedLink(TemplateView):
    template_name = "base.html"


class _MarkedLink(EmailedLinkLimited, TemplateView):
    template_name = "base.html"


urlpatterns = [
    path("confirm/<str:token>/", _UnmarkedLink.as_view()),
    path("accept/<str:token>/", _MarkedLink.as_view()),
    path("plain/", _UnmarkedLink.as_view()),
]


def test_the_walk_finds_a_links_page_without_the_limit():
    assert unlimited_link_pages(urlconf=__name__) == ["confirm/<str:token>/"]


def test_asking_for_a_reset_link_counts_only_when_sent():
    view = get_resolver().resolve("/accounts/password/reset/").func

    assert emailed_link_methods(view) == {"POST"}
