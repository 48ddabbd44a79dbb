"""Every page of the cockpit and of the admin, with odd input in each query parameter it reads: never a 500.

The walk takes every URL pattern there is (so a page added later is walked too), fills its
path with a real object of a small world, and asks it once as operator staff and once as a
company admin. It records which query parameters the page reads, then asks again with each
odd value in all of them, and in every path parameter that takes text: a NUL (PostgreSQL
refuses it), a digit that is no ASCII digit (Python's int() refuses "²"), a number of
10,000 digits (past Python's int limit) and 10,000 characters.
"""

from contextlib import contextmanager

import pytest
from django.http import QueryDict
from django.urls import URLPattern, URLResolver, get_resolver

from entities.models import BusinessEntity, Level
from tests.factories import BusinessEntityFactory, CompanyFactory, UserFactory, grant_company_role

pytestmark = pytest.mark.django_db

ODD = {"nul": "ab\x00cd", "superscript": "²", "10,000 digits": "9" * 10_000, "10,000 characters": "x" * 10_000}
# Parameters a page may read without the walk's clean request reaching the branch that reads them.
ALWAYS = {"q", "page", "p", "o", "term", "entity", "next", "sort", "method"}


def patterns(resolver=None, prefix=""):
    """(route as text, pattern) of every URL of the project, admin included."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


@contextmanager
def reading_recorded():
    """Which query parameters the pages read, by name."""
    read: set[str] = set()
    original_get, original_getlist, original_getitem = QueryDict.get, QueryDict.getlist, QueryDict.__getitem__

    def get(self, key, default=None):
        read.add(key)
        return original_get(self, key, default)

    def getlist(self, key, default=None):
        read.add(key)
        return original_getlist(self, key, default)

    def getitem(self, key):
        read.add(key)
        return original_getitem(self, key)

    QueryDict.get, QueryDict.getlist, QueryDict.__getitem__ = get, getlist, getitem
    try:
        yield read
    finally:
        QueryDict.get, QueryDict.getlist, QueryDict.__getitem__ = original_get, original_getlist, original_getitem


@pytest.fixture
def world(instance, operator_admin):
    owner = CompanyFactory(instance=instance, name="Zurich Property AG")
    entity = BusinessEntityFactory(instance=instance, name="Klinik Nord", owner=owner)
    manager = UserFactory(company=owner, email="pm@zurich.example")
    grant_company_role(manager, Level.OWNER, owner, "projectmanager")
    return {"entity": entity, "manager": manager, "staff": operator_admin}


def concrete(route: str, world) -> list[str]:
    """The route with its parameters filled by real values, and with each odd value in each text parameter."""
    entity: BusinessEntity = world["entity"]
    values = {
        "instance_slug": entity.instance.slug,
        "pk": str(entity.pk),
        "user_id": str(world["manager"].pk),
        "object_id": str(entity.pk),
        "section": "master_data",
        "method": "totp",
        "token": "not-a-token",
        "uidb64": "MQ",
        "app_label": "entities",
        "model_name": "businessentity",
        "content_type_id": "1",
        "url": "entities/businessentity/",
    }
    import re

    names = re.findall(r"<(?:(\w+):)?(\w+)>", route)

    def fill(overrides: dict[str, str]) -> str:
        url = route
        for _converter, name in names:
            url = re.sub(rf"<(?:\w+:)?{name}>", overrides.get(name, values.get(name, "1")), url, count=1)
        return "/" + url.lstrip("^").rstrip("$").replace("\\Z", "")

    urls = [fill({})]
    for converter, name in names:
        if converter in ("", "str", "path", "slug"):
            urls += [fill({name: odd}) for odd in ODD.values() if converter != "slug" or odd.isascii()]
    return urls


def test_no_page_answers_odd_input_with_a_server_error(client, login, world):
    client.raise_request_exception = False
    failures = []
    skipped = ("/admin/logout/", "/accounts/logout/", "/i18n/")
    for who in ("staff", "manager"):
        login(world[who])
        for route, _pattern in patterns():
            for url in concrete(route, world):
                if url.startswith(skipped) or "(?P" in url:
                    continue
                with reading_recorded() as read:
                    response = client.get(url)
                if response.status_code >= 500:
                    failures.append((who, url[:80], "as it is", response.status_code))
                    continue
                for label, odd in ODD.items():
                    asked = client.get(url, dict.fromkeys(read | ALWAYS, odd))
                    if asked.status_code >= 500:
                        failures.append((who, url[:80], f"{label} in {sorted(read | ALWAYS)}", asked.status_code))

    assert failures == [], "\n".join(map(repr, failures))
