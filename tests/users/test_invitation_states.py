"""Invitations have a state: invited, expired, active, removed; in the list, its filter, and at login."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from entities.models import Level
from tests.factories import UserFactory, grant_company_role
from users.services import user_deactivate, user_invite

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(projectmanager_a, owner_a, employee_a, instance):
    """One user of A in each state."""
    invited = UserFactory(
        company=owner_a,
        email="invited@owner-a.example",
        must_change_password=True,
        temporary_password_expires_at=timezone.now() + timedelta(days=2),
    )
    expired = UserFactory(
        company=owner_a,
        email="expired@owner-a.example",
        must_change_password=True,
        temporary_password_expires_at=timezone.now() - timedelta(minutes=1),
    )
    removed = UserFactory(company=owner_a, email="removed@owner-a.example")
    for user in (invited, expired, removed):
        grant_company_role(user, Level.OWNER, owner_a, "customer")
    user_deactivate(actor=projectmanager_a, instance=instance, user=removed)
    return {"invited": invited, "expired": expired, "active": employee_a, "removed": removed}


def list_states(client, instance, **query) -> dict[str, str]:
    page = client.get(reverse("users:user-list", kwargs={"instance_slug": instance.slug}), query).content.decode()
    rows = re.findall(r'<span class="muted small">([^<]+@[^<]+)</span></td>.*?data-state="(\w+)"', page, re.S)
    return dict(rows)


def test_the_list_shows_each_users_state(client, login, projectmanager_a, people, instance):
    login(projectmanager_a)

    # The manager is listed with the others: active.
    expected = {user.email: state for state, user in people.items()} | {projectmanager_a.email: "active"}
    assert list_states(client, instance) == expected


@pytest.mark.parametrize("state", ["invited", "expired", "active", "removed"])
def test_the_state_filter_lists_exactly_the_users_in_that_state(
    client, login, projectmanager_a, people, instance, state
):
    login(projectmanager_a)
    expected = {people[state].email: state} | ({projectmanager_a.email: "active"} if state == "active" else {})

    assert list_states(client, instance, state=state) == expected


def test_an_invited_row_shows_until_when_the_password_works(client, login, projectmanager_a, people, instance):
    login(projectmanager_a)

    page = client.get(reverse("users:user-list", kwargs={"instance_slug": instance.slug}), {"state": "invited"})

    assert "until " in page.content.decode()


def test_resend_is_offered_on_the_rows_of_invited_and_expired_users_only(
    client, login, projectmanager_a, people, instance
):
    login(projectmanager_a)

    page = client.get(reverse("users:user-list", kwargs={"instance_slug": instance.slug})).content.decode()

    offered = {
        pk
        for pk, user in ((user.pk, user) for user in people.values())
        if reverse("users:user-resend-welcome", kwargs={"instance_slug": instance.slug, "pk": pk}) in page
    }
    assert offered == {people["invited"].pk, people["expired"].pk}


def test_resend_from_the_list_returns_to_the_list(
    client, login, projectmanager_a, people, instance, mailoutbox, django_capture_on_commit_callbacks
):
    login(projectmanager_a)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("users:user-resend-welcome", kwargs={"instance_slug": instance.slug, "pk": people["expired"].pk}),
            {"back": "list"},
        )

    assert response["Location"] == reverse("users:user-list", kwargs={"instance_slug": instance.slug})
    assert User.objects.get(pk=people["expired"].pk).temporary_password_expires_at > timezone.now()


def test_an_expired_temporary_password_names_who_to_ask(
    client, projectmanager_a, owner_a, mailoutbox, django_capture_on_commit_callbacks
):
    # given: invited by A's Projectmanager, three days and a minute ago
    with django_capture_on_commit_callbacks(execute=True):
        user_invite(
            actor=projectmanager_a,
            instance=owner_a.instance,
            company_grants=[],
            entity_grants=[],
            email="late@owner-a.example",
            company=owner_a,
        )
    password = re.search(r"(?:Temporary password|Temporäres Passwort): (\S+)", mailoutbox[0].body).group(1)
    later = timezone.now() + timedelta(days=3, minutes=1)

    # when
    with mock.patch("accounts.models.timezone.now", return_value=later):
        response = client.post(reverse("accounts:login"), {"username": "late@owner-a.example", "password": password})

    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert f"This temporary password has expired; ask {projectmanager_a} to send you a new one." in page
    assert "Please enter a correct email address and password" not in page


def test_a_wrong_password_of_an_invited_user_still_reads_as_wrong(client, people):
    response = client.post(reverse("accounts:login"), {"username": people["expired"].email, "password": "not-it"})

    page = response.content.decode()
    assert "Please enter a correct email address and password" in page and "temporary password has expired" not in page
