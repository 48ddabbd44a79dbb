"""A generous per-person limit on lists and searches: a script copying a cockpit is paused, a person never is."""

import pytest
from django.urls import reverse

from accounts.throttle import listing_allowed
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
