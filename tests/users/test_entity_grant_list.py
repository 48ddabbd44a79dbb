"""A person's roles on single entities as a paged list: given on many at once, changed or removed row by row, each
action one transaction checked against the manager's reach, however many roles the person holds."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse

from accounts.models import User
from entities.models import AuditLogEntry, EntityGrant, Level, Role
from tests.factories import (
    BusinessEntityFactory,
    CompanyFactory,
    UserFactory,
    grant_company_role,
    grant_entity_role,
    owned_by,
)
from tests.support.forms import edit_url, user_page_form
from users import services
from users.services import (
    entity_grants_change_role,
    entity_grants_give,
    entity_grants_remove,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def buildings(instance, owner_a):
    return owned_by(instance, owner_a, "Werk Aarau", "Werk Basel", "Werk Chur")


@pytest.fixture
def worker(owner_a):
    """A user of A whom A's Projectmanager manages, with no role on a single entity yet."""
    user = UserFactory(company=owner_a, email="worker@owner-a.example", first_name="Wanda")
    grant_company_role(user, Level.OWNER, owner_a, "customer")
    return user


def role(code: str) -> Role:
    return Role.objects.get(code=code)


def held(user) -> list[tuple[str, str]]:
    return sorted(EntityGrant.objects.filter(user=user).values_list("content_object__name", "role__code"))


def grants_url(user) -> str:
    return reverse("users:user-entity-grants", kwargs={"instance_slug": user.company.instance.slug, "pk": user.pk})


def give(actor, user, entities, code="manager", **kwargs):
    return entity_grants_give(
        actor=actor, instance=user.company.instance, user=user, entities=entities, role=role(code), **kwargs
    )


# --- the services ------------------------------------------------------------------------------


def test_a_role_is_given_on_many_entities_in_one_action_each_audited_with_its_giver(
    projectmanager_a, worker, buildings
):
    count = give(projectmanager_a, worker, buildings, lowering_confirmed=True)

    assert count == 3
    assert held(worker) == [("Werk Aarau", "manager"), ("Werk Basel", "manager"), ("Werk Chur", "manager")]
    given = AuditLogEntry.objects.filter(
        action="grant.created", subject_user_id=worker.pk, actor_id=projectmanager_a.pk
    )
    assert given.count() == 3
    assert set(EntityGrant.objects.filter(user=worker).values_list("granted_by", flat=True)) == {projectmanager_a.pk}


def test_giving_a_role_where_one_is_held_changes_it(projectmanager_a, worker, buildings):
    grant_entity_role(worker, buildings[0], "customer")

    give(projectmanager_a, worker, buildings[:1], lowering_confirmed=True)

    assert held(worker) == [("Werk Aarau", "manager")]


def test_one_entity_outside_the_managers_reach_gives_nothing_at_all(
    projectmanager_a, worker, buildings, instance, provider_b
):
    elsewhere = BusinessEntityFactory(instance=instance, owner=provider_b, name="Fremd")

    with pytest.raises(ValidationError):
        give(projectmanager_a, worker, [*buildings, elsewhere], lowering_confirmed=True)

    assert held(worker) == []
    assert not AuditLogEntry.objects.filter(action="grant.created", actor_id=projectmanager_a.pk).exists()


def test_a_failure_in_the_middle_of_an_action_leaves_nothing_changed(projectmanager_a, worker, buildings, monkeypatch):
    grant_entity_role(worker, buildings[0], "customer")  # its role changes first, then the new ones fail

    def refused(**kwargs):
        raise ValidationError("the database refused")

    monkeypatch.setattr(services, "entity_grants_create", refused)

    with pytest.raises(ValidationError):
        give(projectmanager_a, worker, buildings, lowering_confirmed=True)

    assert held(worker) == [("Werk Aarau", "customer")]
    assert not AuditLogEntry.objects.filter(action="grant.changed", subject_user_id=worker.pk).exists()


def test_more_entities_than_one_action_takes_are_refused(projectmanager_a, worker, buildings, monkeypatch):
    monkeypatch.setattr(services, "ENTITY_GRANTS_PER_ACTION", 2)

    with pytest.raises(ValidationError, match="At most 2 business entities at once"):
        give(projectmanager_a, worker, buildings, lowering_confirmed=True)

    assert held(worker) == []


def test_a_manager_who_may_not_manage_the_person_gives_nothing(provider_pm_b, worker, buildings):
    with pytest.raises((PermissionDenied, Http404)):
        give(provider_pm_b, worker, buildings)

    assert held(worker) == []


def test_roles_are_changed_for_the_chosen_rows_only(projectmanager_a, worker, buildings):
    grants = [grant_entity_role(worker, building, "customer") for building in buildings]

    count = entity_grants_change_role(
        actor=projectmanager_a,
        instance=worker.company.instance,
        user=worker,
        grant_ids=[grants[0].pk, grants[2].pk],
        role=role("team-leader"),
    )

    assert count == 2
    assert held(worker) == [("Werk Aarau", "team-leader"), ("Werk Basel", "customer"), ("Werk Chur", "team-leader")]


def test_another_persons_grant_among_the_chosen_reads_as_missing_and_changes_nothing(
    projectmanager_a, worker, buildings, owner_a
):
    own = grant_entity_role(worker, buildings[0], "customer")
    someone = UserFactory(company=owner_a)
    theirs = grant_entity_role(someone, buildings[1], "customer")

    with pytest.raises(Http404):
        entity_grants_remove(
            actor=projectmanager_a, instance=worker.company.instance, user=worker, grant_ids=[own.pk, theirs.pk]
        )

    assert held(worker) == [("Werk Aarau", "customer")]
    assert EntityGrant.objects.filter(pk=theirs.pk).exists()


def test_removing_takes_the_chosen_roles_each_audited(projectmanager_a, worker, buildings):
    grants = [grant_entity_role(worker, building, "customer") for building in buildings]

    entity_grants_remove(
        actor=projectmanager_a, instance=worker.company.instance, user=worker, grant_ids=[g.pk for g in grants[:2]]
    )

    assert held(worker) == [("Werk Chur", "customer")]
    assert AuditLogEntry.objects.filter(action="grant.deleted", subject_user_id=worker.pk).count() == 2


def test_an_external_person_gets_roles_only_on_entities_of_the_managers_companies(
    projectmanager_a, owner_a, buildings, instance
):
    elsewhere_company = CompanyFactory(instance=instance, name="Extern AG")
    external = UserFactory(company=elsewhere_company, email="ext@extern.example")
    grant_company_role(external, Level.OWNER, owner_a, "customer")
    theirs = BusinessEntityFactory(instance=instance, owner=elsewhere_company, name="Extern Haus")
    grant_company_role(projectmanager_a, Level.OWNER, elsewhere_company, "customer")  # sees it, manages nobody there

    with pytest.raises(ValidationError):
        give(projectmanager_a, external, [buildings[0], theirs])
    give(projectmanager_a, external, [buildings[0]], lowering_confirmed=True)

    assert held(external) == [("Werk Aarau", "manager")]


# --- the page ----------------------------------------------------------------------------------


def test_the_page_sends_anonymous_visitors_to_the_login(client, worker):
    response = client.get(grants_url(worker))

    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_the_page_refuses_someone_who_manages_no_users(client, login, manager_a, worker):
    login(manager_a)

    assert client.get(grants_url(worker)).status_code == 403


def test_the_page_is_404_for_a_person_of_another_cockpit(client, login, projectmanager_a, other_instance):
    stranger = UserFactory(company=CompanyFactory(instance=other_instance))
    login(projectmanager_a)
    url = reverse(
        "users:user-entity-grants", kwargs={"instance_slug": projectmanager_a.company.instance.slug, "pk": stranger.pk}
    )

    assert client.get(url).status_code == 404


def test_the_page_lists_the_persons_roles_fifty_to_a_page(client, login, projectmanager_a, worker, instance, owner_a):
    for building in owned_by(instance, owner_a, *[f"Haus {n:02d}" for n in range(60)]):
        grant_entity_role(worker, building, "customer")
    login(projectmanager_a)

    first = client.get(grants_url(worker))
    second = client.get(grants_url(worker), {"page": 2})

    assert len(first.context["grants"].rows) == 50 and first.context["grants"].total == 60
    assert [row.entity for row in second.context["grants"].rows] == [f"Haus {n:02d}" for n in range(50, 60)]


def test_the_page_searches_the_persons_roles(client, login, projectmanager_a, worker, buildings):
    for building in buildings:
        grant_entity_role(worker, building, "customer")
    login(projectmanager_a)

    page = client.get(grants_url(worker), {"q": "basel"})

    assert [row.entity for row in page.context["grants"].rows] == ["Werk Basel"]


def test_the_page_asks_the_database_the_same_number_of_times_for_5_and_60_roles(
    client, login, projectmanager_a, worker, instance, owner_a, count_queries
):
    login(projectmanager_a)
    client.get(grants_url(worker))  # the session's first request writes it
    counts = []
    for first, last in ((0, 5), (5, 60)):
        for building in owned_by(instance, owner_a, *[f"Haus {n:02d}" for n in range(first, last)]):
            grant_entity_role(worker, building, "customer")
        counts.append(count_queries(lambda: client.get(grants_url(worker))))

    assert counts[0] == counts[1]


def test_the_page_finds_entities_and_gives_the_chosen_a_role(client, login, projectmanager_a, worker, buildings):
    login(projectmanager_a)

    found = client.get(grants_url(worker), {"find": "Werk"})
    given = client.post(
        f"{grants_url(worker)}?find=Werk",
        {"op": "give", "entities": [buildings[0].pk, buildings[2].pk], "role": role("manager").pk,
         "confirm_lowering": "1"},
    )  # fmt: skip

    assert [entity.name for entity, _role, _level in found.context["found"].rows] == [b.name for b in buildings]
    assert given.status_code == 302
    assert held(worker) == [("Werk Aarau", "manager"), ("Werk Chur", "manager")]


def test_the_page_gives_a_role_on_all_entities_matching_the_search(client, login, projectmanager_a, worker, buildings):
    login(projectmanager_a)

    client.post(
        f"{grants_url(worker)}?find=Werk",
        {"op": "give", "all_matching": "on", "role": role("manager").pk, "confirm_lowering": "1"},
    )

    assert len(held(worker)) == 3


def test_an_entity_the_manager_cannot_see_reads_as_missing_on_the_page(
    client, login, projectmanager_a, worker, instance, provider_b
):
    hidden = BusinessEntityFactory(instance=instance, owner=provider_b, name="Geheim")
    login(projectmanager_a)

    response = client.post(grants_url(worker), {"op": "give", "entities": [hidden.pk], "role": role("manager").pk})

    assert response.status_code == 404
    assert held(worker) == []


@pytest.mark.parametrize("value", ["abc", "99999999999999999999999", "1;DROP"])
def test_odd_row_ids_are_a_form_error_not_a_500(client, login, projectmanager_a, worker, value):
    login(projectmanager_a)

    response = client.post(grants_url(worker), {"op": "rows", "action": "remove", "grants": [value]})

    assert response.status_code == 400


def test_saving_the_profile_leaves_the_roles_on_single_entities_as_they_are(
    client, login, projectmanager_a, worker, buildings, owner_a
):
    grant_entity_role(worker, buildings[0], "customer")
    login(projectmanager_a)

    response = client.post(
        edit_url(owner_a, worker), user_page_form(worker, owner_a, role("customer"), last_name="Neu")
    )

    assert response.status_code == 302
    assert held(worker) == [("Werk Aarau", "customer")]


def test_the_user_page_counts_the_roles_on_single_entities_and_links_their_list(
    client, login, projectmanager_a, worker, buildings, owner_a
):
    for building in buildings:
        grant_entity_role(worker, building, "customer")
    login(projectmanager_a)

    page = client.get(edit_url(owner_a, worker)).content.decode()

    assert "3 roles on single business entities." in page
    assert grants_url(worker) in page


def test_changing_the_role_without_choosing_one_says_so_and_changes_nothing(
    client, login, projectmanager_a, worker, buildings
):
    grant = grant_entity_role(worker, buildings[0], "customer")
    login(projectmanager_a)

    response = client.post(grants_url(worker), {"op": "rows", "action": "change", "grants": [grant.pk], "role": ""})

    assert response.status_code == 400
    assert "Choose the new role." in response.content.decode()
    assert held(worker) == [("Werk Aarau", "customer")]


def test_beyond_the_count_cap_the_pages_say_at_least(
    client, login, projectmanager_a, worker, instance, owner_a, monkeypatch
):
    from core.paging import CappedCountPaginator

    monkeypatch.setattr(CappedCountPaginator, "COUNT_CAP", 3)
    for building in owned_by(instance, owner_a, *[f"Haus {n}" for n in range(5)]):
        grant_entity_role(worker, building, "customer")
    login(projectmanager_a)

    listed = client.get(grants_url(worker)).content.decode()
    summary = client.get(edit_url(owner_a, worker)).content.decode()

    assert "3 or more roles; search to narrow them" in listed
    assert "3 or more roles on single business entities." in summary


def test_removing_the_only_role_that_allows_chat_of_someone_who_chats_is_refused(projectmanager_a, owner_a, buildings):
    chatter = UserFactory(company=owner_a, email="chatter@owner-a.example")
    grant = grant_entity_role(chatter, buildings[0], "team-leader")  # Team leader allows chat; nothing else held
    User.objects.filter(pk=chatter.pk).update(chat_enabled=True)
    chatter.refresh_from_db()

    with pytest.raises(ValidationError, match="Chat can only be switched on"):
        entity_grants_remove(actor=projectmanager_a, instance=owner_a.instance, user=chatter, grant_ids=[grant.pk])

    assert held(chatter) == [("Werk Aarau", "team-leader")]
