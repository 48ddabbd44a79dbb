"""Addresses the tests share: every named URL of the site, and User Management's pages of a cockpit."""

from django.urls import URLPattern, URLResolver, get_resolver, reverse


def cockpit_url_names(resolver=None, namespace=""):
    """Every named URL that takes an instance slug, so pages added later are covered here too."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from cockpit_url_names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}"


def users_url(instance, name="user-list", **kwargs):
    """A User Management page of the cockpit: the list by default, or `name` with its arguments (pk=...)."""
    return reverse(f"users:{name}", kwargs={"instance_slug": instance.slug, **kwargs})
