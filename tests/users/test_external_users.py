"""External users: employed elsewhere, holding roles at a manager's companies (GitHub's outside collaborators)."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from accounts.models import User
from entities.audit import audit_record
from entities.models import CompanyGrant, EntityGrant, Level
from tests.factories import BusinessEntityFactory, CompanyFactory, UserFactory, grant_company_role, grant_entity_role
from tests.support.forms import external_form
from tests.support.urls import users_url
from users.permissions import manager_reach
from users.selectors import managed_users
from users.services import CompanyGrantRequest, EntityGrantRequest, external_grants_replace

pytestmark = pytest.mark.django_db


@pytest.fixture
def zurich(instance):
    return CompanyFactory(instance=instance, name="Zurich Property AG")


@pytest.fixture
def cleanpro(instance):
    return CompanyFactory(instance=instance, name="CleanPro Services")


@pytest.fixture
def zurich_pm(zurich):
    manager = UserFactory(company=zurich, email="pm@zurich.example", first_name="Petra")
    grant_company_role(manager, Level.OWNER, zurich, "projectmanager")
    return manager


@pytest.fixture
def cleanpro_employee(zurich, cleanpro):
    """Seed 003's example: an owner role at Zurich Property AG and a provider role at CleanPro."""
    user = UserFactory(company=cleanpro, email="oskar@cleanpro.example", first_name="Oskar", last_name="Ott")
    grant_company_role(user, Level.OWNER, zurich, "manager")
    grant_company_role(user, Level.SERVICE_PROVIDER, cleanpro, "provider-project-manager")
    return user


def grants_of(user):
    return sorted((g.level, g.company.name, g.role.code) for g in CompanyGrant.objects.filter(user=user))


@pytest.fixture
def external_of_a(owner_a, provider_b):
    """Employed by B, holding a role at A, with a phone number and a sign-in lock in their history."""
    person = UserFactory(company=provider_b, email="ext@provider-b.example", mobile_phone="+41792222222")
    grant_company_role(person, Level.OWNER, owner_a, "customer")
    grant_company_role(person, Level.SERVICE_PROVIDER, provider_b, "team-leader")
    audit_record(
        actor=None,
        action="user.sign_in_locked",
        target=person,
        subject_user=person,
        instance=owner_a.instance,
        changes={"ip": (None, "203.0.113.9")},
    )
    return person


@pytest.fixture
def mixed_actor(owner_a, provider_b):
    """Seed 003's shape: views users at owner A (Manager), manages them at provider B."""
    actor = UserFactory(company=provider_b, email="mixed@provider-b.example")
    grant_company_role(actor, Level.OWNER, owner_a, "manager")
    grant_company_role(actor, Level.SERVICE_PROVIDER, provider_b, "provider-project-manager")
    return actor


def test_the_list_shows_the_cleanpro_employee_as_external(client, login, zurich_pm, cleanpro_employee, instance):
    login(zurich_pm)

    page = client.get(users_url(instance, "user-list")).content.decode()

    assert "oskar@cleanpro.example" in page and "data-external" in page
    assert f'href="{users_url(instance, "user-external", pk=cleanpro_employee.pk)}"' in page
    assert f'href="{users_url(instance, "user-edit", pk=cleanpro_employee.pk)}"' not in page


@pytest.mark.parametrize(("kind", "listed"), [("employees", set()), ("external", {"oskar"}), ("", {"oskar"})])
def test_the_who_filter_separates_employees_and_externals(zurich_pm, cleanpro_employee, zurich, instance, kind, listed):
    colleague = UserFactory(company=zurich, email="colleague@zurich.example", first_name="Carla")
    # Petra, the manager, is listed too: an employee of her own company.
    expected = listed | ({"carla", "petra"} if kind in ("", "employees") else set())

    users = managed_users(reach=manager_reach(zurich_pm, instance), kind=kind)

    assert {user.first_name.lower() for user in users} == expected
    assert all(user.is_employee == (user.pk in (colleague.pk, zurich_pm.pk)) for user in users)


def test_a_user_with_no_grant_in_reach_is_not_listed(zurich_pm, cleanpro, instance):
    UserFactory(company=cleanpro, email="other@cleanpro.example")

    assert not managed_users(reach=manager_reach(zurich_pm, instance)).filter(email="other@cleanpro.example").exists()


def test_an_entity_grant_at_the_managers_company_lists_its_holder(zurich_pm, zurich, cleanpro, instance):
    entity = BusinessEntityFactory(instance=instance, owner=zurich)
    holder = UserFactory(company=cleanpro, email="qc@cleanpro.example")
    grant_entity_role(holder, entity, "quality-feedback-users")

    users = managed_users(reach=manager_reach(zurich_pm, instance), kind="external")

    assert [user.email for user in users] == ["qc@cleanpro.example"]


def test_the_manager_removes_the_external_users_grant_at_their_company(
    client, login, zurich_pm, cleanpro_employee, zurich, role, instance
):
    login(zurich_pm)

    response = client.post(
        users_url(instance, "user-external", pk=cleanpro_employee.pk),
        external_form([(Level.OWNER, zurich, role("manager"), True)], initial=1),
    )

    assert response.status_code == 302
    assert grants_of(cleanpro_employee) == [(Level.SERVICE_PROVIDER, "CleanPro Services", "provider-project-manager")]


def test_the_manager_changes_the_role_of_the_external_users_grant(zurich_pm, cleanpro_employee, zurich, role, instance):
    external_grants_replace(
        actor=zurich_pm,
        instance=instance,
        user=cleanpro_employee,
        company_grants=[CompanyGrantRequest(Level.OWNER, zurich, role("customer"))],
        entity_grants=[],
    )

    assert grants_of(cleanpro_employee) == [
        (Level.OWNER, "Zurich Property AG", "customer"),
        (Level.SERVICE_PROVIDER, "CleanPro Services", "provider-project-manager"),
    ]


def test_the_manager_cannot_grant_at_the_external_users_own_company(
    zurich_pm, cleanpro_employee, zurich, cleanpro, role, instance
):
    before = grants_of(cleanpro_employee)

    with pytest.raises(ValidationError, match="You hold no user-managing role"):
        external_grants_replace(
            actor=zurich_pm,
            instance=instance,
            user=cleanpro_employee,
            company_grants=[
                CompanyGrantRequest(Level.OWNER, zurich, role("manager")),
                CompanyGrantRequest(Level.SERVICE_PROVIDER, cleanpro, role("customer")),
            ],
            entity_grants=[],
        )
    assert grants_of(cleanpro_employee) == before


def test_a_forged_post_with_the_cleanpro_grant_changes_nothing(
    client, login, zurich_pm, cleanpro_employee, zurich, cleanpro, role, instance
):
    login(zurich_pm)
    before = grants_of(cleanpro_employee)

    response = client.post(
        users_url(instance, "user-external", pk=cleanpro_employee.pk),
        external_form(
            [
                (Level.OWNER, zurich, role("manager"), False),
                (Level.SERVICE_PROVIDER, cleanpro, role("customer"), False),
            ],
            initial=1,
        ),
    )

    assert response.status_code == 400
    assert grants_of(cleanpro_employee) == before


def test_a_forged_post_cannot_change_the_external_users_profile(
    client, login, zurich_pm, cleanpro_employee, zurich, role, instance
):
    login(zurich_pm)
    data = external_form([(Level.OWNER, zurich, role("manager"), False)], initial=1)
    data.update({"email": "taken-over@zurich.example", "first_name": "Mallory", "company": zurich.pk})

    client.post(users_url(instance, "user-external", pk=cleanpro_employee.pk), data)
    edit = client.post(users_url(instance, "user-edit", pk=cleanpro_employee.pk), data)
    remove = client.post(users_url(instance, "user-remove", pk=cleanpro_employee.pk))

    stored = User.objects.get(pk=cleanpro_employee.pk)
    assert (stored.email, stored.first_name, stored.company_id, stored.is_active) == (
        "oskar@cleanpro.example",
        "Oskar",
        cleanpro_employee.company_id,
        True,
    )
    assert edit.status_code == remove.status_code == 404


def test_the_external_page_shows_only_the_grants_in_reach(client, login, zurich_pm, cleanpro_employee, instance):
    login(zurich_pm)

    response = client.get(users_url(instance, "user-external", pk=cleanpro_employee.pk))

    assert response.status_code == 200
    assert response.context["company_formset"].initial == [
        {
            "level": Level.OWNER,
            "company": cleanpro_employee.company_grants.get(level=Level.OWNER).company,
            "role": cleanpro_employee.company_grants.get(level=Level.OWNER).role,
            "ends_on": None,
        }
    ]
    assert response.context["elsewhere"] == 1


def test_a_viewer_reads_only_an_external_users_roles_at_their_companies(
    client, login, manager_a, external_of_a, instance
):
    login(manager_a)

    response = client.get(users_url(instance, "user-edit", pk=external_of_a.pk))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Owner · Owner A" in page and "Team leader" not in page
    assert "+41792222222" not in page and "203.0.113.9" not in page


def test_a_manager_who_also_views_changes_the_role_an_employee_of_the_viewed_company_holds_at_theirs(
    client, login, mixed_actor, owner_a, provider_b, instance
):
    person = UserFactory(company=owner_a, email="a-person@owner-a.example")
    grant_company_role(person, Level.SERVICE_PROVIDER, provider_b, "customer")
    login(mixed_actor)

    page = client.get(users_url(instance, "user-list")).content.decode()
    external_page = client.get(users_url(instance, "user-external", pk=person.pk))

    assert f'href="{users_url(instance, "user-external", pk=person.pk)}"' in page
    assert external_page.status_code == 200
    assert len(external_page.context["company_formset"].initial) == 1


def test_the_external_page_is_404_for_a_manager_without_a_grant_of_theirs(
    client, login, cleanpro_employee, instance, owner_a, projectmanager_a
):
    login(projectmanager_a)

    assert client.get(users_url(instance, "user-external", pk=cleanpro_employee.pk)).status_code == 404
    assert client.post(users_url(instance, "user-external", pk=cleanpro_employee.pk), {}).status_code == 404


def test_the_external_page_sends_anonymous_users_to_login(client, cleanpro_employee, instance):
    response = client.get(users_url(instance, "user-external", pk=cleanpro_employee.pk))

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_external_page_is_403_for_a_user_who_manages_nobody(client, login, cleanpro_employee, zurich, instance):
    viewer = UserFactory(company=zurich, email="viewer@zurich.example")
    grant_company_role(viewer, Level.OWNER, zurich, "customer")
    login(viewer)

    assert client.get(users_url(instance, "user-external", pk=cleanpro_employee.pk)).status_code == 403


def test_the_external_page_is_404_from_another_cockpit(client, login, cleanpro_employee, other_instance):
    outsider = UserFactory(company=CompanyFactory(instance=other_instance))
    grant_company_role(outsider, Level.OWNER, outsider.company, "projectmanager")
    login(outsider)

    assert client.get(users_url(other_instance, "user-external", pk=cleanpro_employee.pk)).status_code == 404


def test_removing_an_entity_grant_of_an_external_user(zurich_pm, zurich, cleanpro, instance):
    entity = BusinessEntityFactory(instance=instance, owner=zurich)
    holder = UserFactory(company=cleanpro, email="qc@cleanpro.example")
    grant_entity_role(holder, entity, "quality-feedback-users")

    external_grants_replace(actor=zurich_pm, instance=instance, user=holder, company_grants=[], entity_grants=[])

    assert not EntityGrant.objects.filter(user=holder).exists()


def test_a_role_above_the_managers_own_is_neither_changed_nor_replaced(zurich_pm, zurich, cleanpro, role, instance):
    # given: an external user holds a role at Zurich that outranks the Projectmanager's
    boss = UserFactory(company=cleanpro, email="boss@cleanpro.example")
    grant_company_role(boss, Level.OWNER, zurich, "projectmanager-extended")

    # when / then: asking for another role at the same level and company is refused
    with pytest.raises(ValidationError, match="outranks yours there"):
        external_grants_replace(
            actor=zurich_pm,
            instance=instance,
            user=boss,
            company_grants=[CompanyGrantRequest(Level.OWNER, zurich, role("customer"))],
            entity_grants=[],
        )
    # and an empty request leaves it too: it is not the manager's to remove
    external_grants_replace(actor=zurich_pm, instance=instance, user=boss, company_grants=[], entity_grants=[])
    assert grants_of(boss) == [(Level.OWNER, "Zurich Property AG", "projectmanager-extended")]


def test_an_external_gets_entity_roles_only_on_entities_of_the_managers_companies(
    projectmanager_a, owner_a, provider_b, other_x, instance, role
):
    # given: the Projectmanager manages users on an entity of other companies through a role on it
    elsewhere = BusinessEntityFactory(instance=instance, owner=other_x, service_provider=provider_b, customer=other_x)
    grant_entity_role(projectmanager_a, elsewhere, "projectmanager")
    person = UserFactory(company=provider_b, email="ext2@provider-b.example")
    grant_company_role(person, Level.OWNER, owner_a, "customer")

    with pytest.raises(ValidationError, match="only on business entities of your companies"):
        external_grants_replace(
            actor=projectmanager_a,
            instance=instance,
            user=person,
            company_grants=[],
            entity_grants=[EntityGrantRequest(elsewhere, role("customer"))],
        )
    assert not EntityGrant.objects.filter(user=person).exists()
    assert CompanyGrant.objects.filter(user=person).count() == 1


def test_the_service_refuses_a_user_who_is_not_external(zurich_pm, zurich, role, instance):
    colleague = UserFactory(company=zurich, email="colleague@zurich.example")

    with pytest.raises(Http404):
        external_grants_replace(
            actor=zurich_pm,
            instance=instance,
            user=colleague,
            company_grants=[CompanyGrantRequest(Level.OWNER, zurich, role("customer"))],
            entity_grants=[],
        )
    assert not CompanyGrant.objects.filter(user=colleague).exists()


def test_an_entity_role_above_the_managers_own_is_not_replaced(zurich_pm, zurich, cleanpro, role, instance):
    entity = BusinessEntityFactory(instance=instance, owner=zurich)
    boss = UserFactory(company=cleanpro, email="entity-boss@cleanpro.example")
    grant_entity_role(boss, entity, "projectmanager-extended")

    with pytest.raises(ValidationError, match="outranks yours there"):
        external_grants_replace(
            actor=zurich_pm,
            instance=instance,
            user=boss,
            company_grants=[],
            entity_grants=[EntityGrantRequest(entity, role("customer"))],
        )
    assert EntityGrant.objects.get(user=boss).role.code == "projectmanager-extended"


def test_a_save_of_the_external_users_grants_on_an_older_version_is_refused_and_keeps_the_other_change(
    zurich_pm, cleanpro_employee, zurich, role, instance
):
    from users.selectors import user_edit_version

    seen = user_edit_version(cleanpro_employee.pk)
    external_grants_replace(
        actor=zurich_pm,
        instance=instance,
        user=cleanpro_employee,
        company_grants=[CompanyGrantRequest(Level.OWNER, zurich, role("customer"))],
        entity_grants=[],
        seen_version=seen,
    )

    with pytest.raises(ValidationError) as refused:
        external_grants_replace(
            actor=zurich_pm,
            instance=instance,
            user=cleanpro_employee,
            company_grants=[],
            entity_grants=[],
            seen_version=seen,
        )

    assert refused.value.code == "changed_meanwhile"
    assert (Level.OWNER, "Zurich Property AG", "customer") in grants_of(cleanpro_employee)


def test_the_second_manager_saving_an_external_user_is_told_and_sees_the_current_roles(
    client, login, zurich_pm, cleanpro_employee, zurich, role, instance
):
    login(zurich_pm)
    page = client.get(users_url(instance, "user-external", pk=cleanpro_employee.pk)).content.decode()
    seen = re.search(r'name="version" value="([0-9a-f]+)"', page).group(1)
    external_grants_replace(
        actor=zurich_pm,
        instance=instance,
        user=cleanpro_employee,
        company_grants=[CompanyGrantRequest(Level.OWNER, zurich, role("customer"))],
        entity_grants=[],
    )

    response = client.post(
        users_url(instance, "user-external", pk=cleanpro_employee.pk),
        {**external_form([(Level.OWNER, zurich, role("manager"), True)], initial=1), "version": seen},
    )

    assert response.status_code == 409
    assert "Someone else changed this user while you were editing" in response.content.decode()
    assert response.context["company_formset"].initial == [
        {"level": Level.OWNER, "company": zurich, "role": role("customer"), "ends_on": None}
    ]
    assert (Level.OWNER, "Zurich Property AG", "customer") in grants_of(cleanpro_employee)
