"""Bulk actions on the user list: one action for many people, confirmed first, one transaction, one audit batch."""

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse

from accounts.models import User
from entities.models import AuditLogEntry, CompanyGrant, Level, Role
from tests.factories import CompanyFactory, UserFactory, grant_company_role
from users import services
from users.services import BulkAction, BulkKind, users_bulk_apply

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(owner_a):
    """Five people of A whom A's Projectmanager manages, each a Customer at A."""
    people = []
    for n in range(5):
        person = UserFactory(company=owner_a, email=f"team{n}@owner-a.example", first_name=f"Team{n}")
        grant_company_role(person, Level.OWNER, owner_a, "customer")
        people.append(person)
    return people


def role(code: str) -> Role:
    return Role.objects.get(code=code)


def roles_at(people, owner_a) -> list[str]:
    held = {g.user_id: g.role.code for g in CompanyGrant.objects.filter(user__in=people, company=owner_a)}
    return [held.get(person.pk, "") for person in people]


def apply(actor, people, action):
    return users_bulk_apply(
        actor=actor, instance=actor.company.instance, user_ids=[person.pk for person in people], action=action
    )


def test_a_role_is_changed_for_every_chosen_person_in_one_batch(projectmanager_a, owner_a, team):
    result = apply(projectmanager_a, team, BulkAction(BulkKind.GIVE_ROLE, Level.OWNER, owner_a, role("manager")))

    assert result.changed == 5 and result.unchanged == 0
    assert roles_at(team, owner_a) == ["manager"] * 5
    entries = AuditLogEntry.objects.filter(action="grant.changed", actor_id=projectmanager_a.pk)
    assert entries.count() == 5
    assert {entry.params["batch"] for entry in entries} == {result.batch}


def test_a_failure_in_the_middle_of_a_batch_leaves_everyone_as_they_were(projectmanager_a, owner_a, team, monkeypatch):
    real = services.grant_change_role
    calls = []

    def fails_on_the_third(**kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise ValidationError("the database refused")
        return real(**kwargs)

    monkeypatch.setattr(services, "grant_change_role", fails_on_the_third)

    with pytest.raises(ValidationError):
        apply(projectmanager_a, team, BulkAction(BulkKind.GIVE_ROLE, Level.OWNER, owner_a, role("manager")))

    assert roles_at(team, owner_a) == ["customer"] * 5
    assert not AuditLogEntry.objects.filter(action="grant.changed").exists()


def test_one_person_outside_the_managers_reach_makes_the_whole_batch_404(projectmanager_a, owner_a, team, provider_b):
    stranger = UserFactory(company=provider_b, email="stranger@provider-b.example")

    with pytest.raises(Http404):
        apply(
            projectmanager_a, [*team, stranger], BulkAction(BulkKind.GIVE_ROLE, Level.OWNER, owner_a, role("manager"))
        )

    assert roles_at(team, owner_a) == ["customer"] * 5


def test_a_role_above_the_managers_own_is_refused_for_everyone(provider_pm_b, provider_b):
    people = [UserFactory(company=provider_b, email=f"b{n}@provider-b.example") for n in range(2)]
    for person in people:
        grant_company_role(person, Level.SERVICE_PROVIDER, provider_b, "customer")

    with pytest.raises(ValidationError):
        apply(
            provider_pm_b,
            people,
            BulkAction(BulkKind.GIVE_ROLE, Level.SERVICE_PROVIDER, provider_b, role("projectmanager")),
        )

    assert roles_at(people, provider_b) == ["customer", "customer"]


def test_removing_a_role_takes_it_from_those_who_hold_it_and_counts_the_others(projectmanager_a, owner_a, team):
    CompanyGrant.objects.filter(user=team[0]).delete()

    result = apply(projectmanager_a, team, BulkAction(BulkKind.REMOVE_ROLE, Level.OWNER, owner_a))

    assert (result.changed, result.unchanged) == (4, 1)
    assert roles_at(team, owner_a) == [""] * 5


def test_people_are_deactivated_in_one_batch(projectmanager_a, team):
    result = apply(projectmanager_a, team[:3], BulkAction(BulkKind.DEACTIVATE))

    assert result.changed == 3
    assert [User.objects.get(pk=p.pk).is_active for p in team] == [False, False, False, True, True]
    assert AuditLogEntry.objects.filter(action="user.deactivated", params__batch=result.batch).count() == 3


def test_a_second_factor_is_required_of_every_chosen_person(projectmanager_a, team):
    apply(projectmanager_a, team, BulkAction(BulkKind.REQUIRE_SECOND_FACTOR))

    assert all(User.objects.get(pk=p.pk).otp_required for p in team)


def test_welcome_emails_go_only_to_people_yet_to_sign_in(projectmanager_a, owner_a, team, mailoutbox):
    User.objects.filter(pk__in=[p.pk for p in team[:2]]).update(must_change_password=True)

    result = apply(projectmanager_a, team, BulkAction(BulkKind.RESEND_WELCOME))

    assert (result.changed, result.unchanged) == (2, 3)


def test_nobody_chosen_changes_nothing(projectmanager_a):
    with pytest.raises(ValidationError):
        users_bulk_apply(
            actor=projectmanager_a, instance=projectmanager_a.company.instance, user_ids=[], action=BulkAction("x")
        )


def test_more_people_than_one_batch_takes_are_refused(projectmanager_a, team, monkeypatch):
    monkeypatch.setattr(services, "PEOPLE_PER_BATCH", 3)

    with pytest.raises(ValidationError):
        apply(projectmanager_a, team, BulkAction(BulkKind.DEACTIVATE))

    assert all(User.objects.get(pk=p.pk).is_active for p in team)


# --- the pages ---------------------------------------------------------------------------------


def bulk_url(instance) -> str:
    return reverse("users:user-bulk", args=[instance.slug])


def test_the_confirmation_says_how_many_people_change_and_how(client, login, projectmanager_a, owner_a, team):
    login(projectmanager_a)

    page = client.post(
        bulk_url(owner_a.instance),
        {"op": "review", "kind": "give_role", "level": "owner", "company": owner_a.pk, "role": role("manager").pk,
         "users": [p.pk for p in team[:3]]},
    )  # fmt: skip

    assert "3 people change:" in page.content.decode()
    assert "Give or change a role — Manager · Owner · Owner A" in page.content.decode()
    assert roles_at(team, owner_a) == ["customer"] * 5  # nothing yet


def test_confirming_applies_it_and_names_the_batch(client, login, projectmanager_a, owner_a, team):
    login(projectmanager_a)

    response = client.post(
        bulk_url(owner_a.instance),
        {"op": "apply", "kind": "require_second_factor", "users": [p.pk for p in team]},
        follow=True,
    )

    assert "Done for 5 people." in response.content.decode()
    assert all(User.objects.get(pk=p.pk).otp_required for p in team)


def test_all_the_filters_match_are_the_people_the_manager_may_change(
    client, login, projectmanager_a, owner_a, team, instance
):
    external = UserFactory(company=CompanyFactory(instance=instance, name="Extern AG"), email="ext@extern.example")
    grant_company_role(external, Level.OWNER, owner_a, "customer")
    login(projectmanager_a)

    page = client.post(bulk_url(owner_a.instance), {"op": "review", "kind": "deactivate", "all_matching": "on"})

    assert page.context["count"] == 5 and external.pk not in page.context["ids"]


def test_the_bulk_page_refuses_someone_who_manages_no_users(client, login, manager_a, owner_a):
    login(manager_a)

    assert client.post(bulk_url(owner_a.instance), {"op": "review", "kind": "deactivate"}).status_code == 403


def test_the_bulk_page_sends_anonymous_visitors_to_the_login(client, owner_a):
    response = client.post(bulk_url(owner_a.instance), {"op": "review"})

    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_the_bulk_page_is_404_for_a_manager_of_another_cockpit(client, login, other_instance, owner_a):
    elsewhere = UserFactory(company=CompanyFactory(instance=other_instance), email="pm@elsewhere.example")
    grant_company_role(elsewhere, Level.OWNER, elsewhere.company, "projectmanager")
    login(elsewhere)

    assert client.post(bulk_url(owner_a.instance), {"op": "review", "kind": "deactivate"}).status_code == 404


def test_a_forged_person_outside_reach_on_confirm_is_404_and_changes_nothing(
    client, login, projectmanager_a, owner_a, team, provider_b
):
    stranger = UserFactory(company=provider_b)
    login(projectmanager_a)

    response = client.post(
        bulk_url(owner_a.instance), {"op": "apply", "kind": "deactivate", "users": [team[0].pk, stranger.pk]}
    )

    assert response.status_code == 404
    assert User.objects.get(pk=team[0].pk).is_active


def test_the_list_offers_a_checkbox_for_each_person_the_manager_may_change(client, login, projectmanager_a, team):
    login(projectmanager_a)

    page = client.get(reverse("users:user-list", args=[projectmanager_a.company.instance.slug])).content.decode()

    assert page.count('form="bulk-form"') == 5


def test_the_persons_history_names_the_batch(client, login, projectmanager_a, owner_a, team):
    result = apply(projectmanager_a, team[:2], BulkAction(BulkKind.REQUIRE_SECOND_FACTOR))
    login(projectmanager_a)

    page = client.get(reverse("users:user-edit", args=[owner_a.instance.slug, team[0].pk])).content.decode()

    assert f"batch {result.batch}" in page


def test_a_manager_of_one_level_reads_it_in_the_bulk_bar_instead_of_picking_it(
    client, login, projectmanager_a, owner_a, team
):
    login(projectmanager_a)

    page = client.get(reverse("users:user-list", kwargs={"instance_slug": owner_a.instance.slug})).content.decode()

    assert 'data-testid="bulk-only-level">Owner</p><input type="hidden" name="level" value="owner">' in page
    assert 'id="id_bulk_level"' not in page


def test_operator_staff_pick_the_level_in_the_bulk_bar(client, login, operator_staff, owner_a):
    login(operator_staff)

    page = client.get(reverse("users:user-list", kwargs={"instance_slug": owner_a.instance.slug})).content.decode()

    assert '<select id="id_bulk_level" name="level">' in page
    assert 'data-testid="bulk-only-level"' not in page
