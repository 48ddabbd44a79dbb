"""Edges of a manager's reach found in review: other cockpits' history, externals read by viewers, mixed roles."""

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import SMSDevice, User
from entities.audit import audit_record
from entities.models import CompanyGrant, EntityGrant, Level
from tests.factories import BusinessEntityFactory, UserFactory, grant_company_role, grant_entity_role
from users.services import EntityGrantRequest, external_grants_replace

pytestmark = pytest.mark.django_db


def url(instance, name, **kwargs):
    return reverse(f"users:{name}", kwargs={"instance_slug": instance.slug, **kwargs})


@pytest.fixture
def manager_a(owner_a):
    """A's Manager: sees users, changes nothing."""
    viewer = UserFactory(company=owner_a, email="manager@owner-a.example")
    grant_company_role(viewer, Level.OWNER, owner_a, "manager")
    return viewer


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


def test_a_users_history_leaves_out_other_cockpits_entries(
    client, login, projectmanager_a, employee_a, instance, other_instance
):
    audit_record(
        actor=None,
        action="user.changed",
        target=employee_a,
        subject_user=employee_a,
        instance=other_instance,
        changes={"first_name": ("Secret", "Elsewhere")},
    )
    login(projectmanager_a)

    page = client.get(url(instance, "user-edit", pk=employee_a.pk)).content.decode()

    assert "Elsewhere" not in page


def test_a_viewer_reads_only_an_external_users_roles_at_their_companies(
    client, login, manager_a, external_of_a, instance
):
    login(manager_a)

    response = client.get(url(instance, "user-edit", pk=external_of_a.pk))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Owner · Owner A" in page and "Team leader" not in page
    assert "+41792222222" not in page and "203.0.113.9" not in page


def test_a_viewer_does_not_read_an_employees_phone_or_sign_in_addresses_in_the_history(
    client, login, manager_a, employee_a, instance
):
    from accounts.services import user_update

    user_update(actor=None, user=employee_a, mobile_phone="079 333 33 33")
    login(manager_a)

    page = client.get(url(instance, "user-edit", pk=employee_a.pk)).content.decode()

    assert "+41793333333" not in page and "333 33 33" not in page


def test_the_read_only_page_costs_no_query_per_entity_role(
    client, login, manager_a, employee_a, owner_a, instance, count_queries
):
    grant_entity_role(employee_a, BusinessEntityFactory(instance=instance, owner=owner_a), "customer")
    login(manager_a)
    one = count_queries(lambda: client.get(url(instance, "user-edit", pk=employee_a.pk)))
    for _ in range(6):
        grant_entity_role(employee_a, BusinessEntityFactory(instance=instance, owner=owner_a), "customer")

    assert count_queries(lambda: client.get(url(instance, "user-edit", pk=employee_a.pk))) == one


@pytest.fixture
def mixed_actor(owner_a, provider_b):
    """Seed 003's shape: views users at owner A (Manager), manages them at provider B."""
    actor = UserFactory(company=provider_b, email="mixed@provider-b.example")
    grant_company_role(actor, Level.OWNER, owner_a, "manager")
    grant_company_role(actor, Level.SERVICE_PROVIDER, provider_b, "provider-project-manager")
    return actor


def test_a_manager_who_also_views_changes_the_role_an_employee_of_the_viewed_company_holds_at_theirs(
    client, login, mixed_actor, owner_a, provider_b, instance
):
    person = UserFactory(company=owner_a, email="a-person@owner-a.example")
    grant_company_role(person, Level.SERVICE_PROVIDER, provider_b, "customer")
    login(mixed_actor)

    page = client.get(url(instance, "user-list")).content.decode()
    external_page = client.get(url(instance, "user-external", pk=person.pk))

    assert f'href="{url(instance, "user-external", pk=person.pk)}"' in page
    assert external_page.status_code == 200
    assert len(external_page.context["company_formset"].initial) == 1


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


def test_operator_staff_giving_an_operator_role_to_a_customer_read_a_form_error(
    client, login, operator_staff, owner_a, instance, role
):
    login(operator_staff)
    data = {
        "email": "neu@owner-a.example",
        "company": owner_a.pk,
        "language": "en",
        "company-TOTAL_FORMS": "1",
        "company-INITIAL_FORMS": "0",
        "company-0-level": Level.OWNER,
        "company-0-company": owner_a.pk,
        "company-0-role": role("admin").pk,
        "entity-TOTAL_FORMS": "0",
        "entity-INITIAL_FORMS": "0",
    }

    response = client.post(url(instance, "user-create"), data)

    assert response.status_code == 400
    assert "Admin" in response.content.decode()
    assert not User.objects.filter(email="neu@owner-a.example").exists()


@pytest.mark.parametrize("page", ["0", "00"])
def test_page_zero_is_page_one(client, login, projectmanager_a, employee_a, instance, page):
    login(projectmanager_a)

    response = client.get(url(instance, "user-list"), {"page": page})

    assert response.context["page"].number == 1 and not response.context["past_the_end"]


def test_stored_numbers_the_library_cannot_read_are_cleared_unless_sms_uses_them(customer_company):
    unreadable, with_sms, fine = (UserFactory(company=customer_company) for _ in range(3))
    User.objects.filter(pk__in=[unreadable.pk, with_sms.pk]).update(mobile_phone="+1234567")
    User.objects.filter(pk=fine.pk).update(mobile_phone="+41791234567")
    SMSDevice.objects.create(user=with_sms, name="SMS", confirmed=True)

    importlib.import_module("accounts.migrations.0008_mobile_phones_readable").readable_numbers(apps, None)

    phones = dict(User.objects.values_list("pk", "mobile_phone"))
    assert (phones[unreadable.pk], phones[with_sms.pk], phones[fine.pk]) == ("", "+1234567", "+41791234567")
