"""What operator staff delete in the Django admin is audited, and moves the cockpit's access version on."""

import pytest
from django.urls import reverse

from entities.models import AuditLogEntry, BusinessEntity, Company, Instance, Level, Role
from tests.factories import BusinessEntityFactory, CompanyFactory, UserFactory, grant_company_role

pytestmark = pytest.mark.django_db


def version(instance) -> int:
    return Instance.objects.get(pk=instance.pk).access_version


def a_company(instance):
    return CompanyFactory(instance=instance, name="Leer AG")


def an_entity(instance):
    return BusinessEntityFactory(instance=instance, owner=CompanyFactory(instance=instance))


def a_person(instance):
    user = UserFactory(company=CompanyFactory(instance=instance))
    grant_company_role(user, Level.OWNER, user.company, "manager")
    return user


# Sharing settings are kept on the cockpit's page and never deleted there; a share removed in the admin is
# recorded as its cockpit's page records it (tests/sharing/test_admin.py).
MADE = {
    "company": a_company,
    "entity": an_entity,
    "person": a_person,
}


@pytest.mark.parametrize("kind", sorted(MADE))
def test_deleting_in_the_admin_is_audited_and_moves_the_cockpits_version(admin_client, instance, kind):
    target = MADE[kind](instance)
    before = version(instance)
    options = target._meta

    response = admin_client.post(
        reverse(f"admin:{options.app_label}_{options.model_name}_delete", args=[target.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not type(target).objects.filter(pk=target.pk).exists()
    entry = AuditLogEntry.objects.get(action="object.deleted", target_id=str(target.pk))
    assert (entry.target_type, entry.instance_id) == (options.label, instance.pk)
    assert version(instance) == before + 1


def test_deleting_several_in_the_admins_list_audits_each(admin_client, instance):
    companies = [CompanyFactory(instance=instance) for _ in range(3)]
    before = version(instance)

    admin_client.post(
        reverse("admin:entities_company_changelist"),
        {"action": "delete_selected", "_selected_action": [c.pk for c in companies], "post": "yes"},
    )

    assert not Company.objects.filter(pk__in=[c.pk for c in companies]).exists()
    assert AuditLogEntry.objects.filter(action="object.deleted", target_type="entities.Company").count() == 3
    assert version(instance) > before


def test_deleting_a_role_of_the_catalogue_moves_every_cockpits_version(admin_client, instance, other_instance):
    role = Role.objects.create(code="temp", name="Temp")
    before = {cockpit.pk: cockpit.access_version for cockpit in Instance.objects.all()}

    admin_client.post(reverse("admin:entities_role_delete", args=[role.pk]), {"post": "yes"})

    assert not Role.objects.filter(pk=role.pk).exists()
    assert {cockpit.pk: cockpit.access_version for cockpit in Instance.objects.all()} == {
        pk: number + 1 for pk, number in before.items()
    }


def test_an_entity_deleted_in_the_admin_leaves_the_next_requests_list_and_filters(
    client, login, admin_client, instance, operator_admin
):
    owner = CompanyFactory(instance=instance, name="Owner A")
    gone = BusinessEntityFactory(
        instance=instance, owner=owner, customer=CompanyFactory(instance=instance, name="Nur Hier AG")
    )
    BusinessEntityFactory(instance=instance, owner=owner, name="Bleibt")
    reader = UserFactory(company=owner)
    grant_company_role(reader, Level.OWNER, owner, "manager")
    address = reverse("entities:entity-list", kwargs={"instance_slug": instance.slug})
    admin_client.post(reverse("admin:entities_businessentity_delete", args=[gone.pk]), {"post": "yes"})
    assert not BusinessEntity.objects.filter(pk=gone.pk).exists()

    login(reader)

    assert "Nur Hier AG" not in client.get(address).content.decode()
