"""A generous per-person limit on lists and searches: a script copying a cockpit is paused, a person never is."""

import re

import pytest
from django.urls import URLResolver, get_resolver, path, reverse
from django.views.generic import TemplateView

from accounts.throttle import listing_allowed
from core.limits import ListingLimited, is_listing_limited
from entities.models import Level
from tests.factories import CompanyFactory, UserFactory, grant_company_role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_limit(settings):
    settings.LIST_REQUESTS_PER_USER = 3


@pytest.fixture
def owner(instance):
    return CompanyFactory(instance=instance, name="Owner A")


def manager(owner, name: str):
    user = UserFactory(company=owner, email=f"{name}@owner-a.example", language="en")
    grant_company_role(user, Level.OWNER, owner, "projectmanager")
    return user


def test_the_limit_counts_each_person_alone():
    assert [listing_allowed(user_id=1) for _ in range(4)] == [True, True, True, False]
    assert listing_allowed(user_id=2)


def test_lists_beyond_the_limit_answer_429_with_a_retry_after(client, login, owner, instance):
    login(manager(owner, "petra"))
    users = reverse("users:user-list", kwargs={"instance_slug": instance.slug})

    statuses = [client.get(users).status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    paused = client.get(users)
    assert paused["Retry-After"] == "600" and "Too many requests" in paused.content.decode()


def test_searches_and_lists_count_together(client, login, owner, instance):
    login(manager(owner, "petra"))
    users = reverse("users:user-list", kwargs={"instance_slug": instance.slug})
    search = reverse("users:entity-search", kwargs={"instance_slug": instance.slug})

    for _ in range(3):
        client.get(users)

    assert client.get(search, {"q": "Klinik"}).status_code == 429


def test_a_paused_person_still_reaches_the_other_pages(client, login, owner, instance):
    login(manager(owner, "petra"))
    users = reverse("users:user-list", kwargs={"instance_slug": instance.slug})
    for _ in range(4):
        client.get(users)

    assert client.get(reverse("cockpit:dashboard", kwargs={"instance_slug": instance.slug})).status_code == 200


def test_one_person_paused_leaves_the_others_their_lists(client, login, owner, instance):
    users = reverse("users:user-list", kwargs={"instance_slug": instance.slug})
    login(manager(owner, "petra"))
    for _ in range(4):
        client.get(users)

    client.logout()
    login(manager(owner, "paul"))

    assert client.get(users).status_code == 200


def test_a_cockpit_the_person_may_not_open_answers_404_and_is_not_counted(client, login, owner, other_instance):
    login(manager(owner, "petra"))
    elsewhere = reverse("users:user-list", kwargs={"instance_slug": other_instance.slug})

    assert [client.get(elsewhere).status_code for _ in range(5)] == [404] * 5


# --- which pages count: a property of each view --------------------------------------------------

# A page is a list when its URL name says so; entity pages are counted one by one too (a script walks them).
LIST_PAGE_NAME = re.compile(r"-(list|search|export)$|^entities:entity-(detail|section)$")


def unlimited_list_pages(urlconf=None) -> list[str]:
    """The list pages among every URL pattern whose view does not carry the listing limit."""
    resolver = get_resolver(urlconf)

    def walk(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                yield from walk(pattern.url_patterns, inner)
            elif pattern.name:
                yield f"{namespace}{pattern.name}", pattern.callback

    return sorted(
        name
        for name, view in walk(resolver.url_patterns)
        if LIST_PAGE_NAME.search(name) and not is_listing_limited(view)
    )


def test_every_list_page_carries_the_listing_limit():
    assert unlimited_list_pages() == []


class _UnmarkedList(TemplateView):
    template_name = "base.html"


class _MarkedList(ListingLimited, TemplateView):
    template_name = "base.html"


urlpatterns = [
    path("things/", _UnmarkedList.as_view(), name="thing-list"),
    path("other/", _MarkedList.as_view(), name="other-list"),
    path("thing/", _UnmarkedList.as_view(), name="thing-detail"),
]


def test_the_walk_finds_a_list_page_without_the_limit():
    assert unlimited_list_pages(urlconf=__name__) == ["thing-list"]


def test_every_page_that_carries_the_limit_is_counted(client, login, owner, instance):
    login(manager(owner, "petra"))
    tablets = reverse("tablets:tablet-list", kwargs={"instance_slug": instance.slug})
    plans = reverse("plans:plan-list", kwargs={"instance_slug": instance.slug})
    shares = reverse("sharing:share-list", kwargs={"instance_slug": instance.slug})
    for page in (tablets, plans, shares):
        client.get(page)

    assert client.get(reverse("users:user-list", kwargs={"instance_slug": instance.slug})).status_code == 429
