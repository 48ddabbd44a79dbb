"""Every access change made in the Django admin is audited: cockpits, companies, entities, roles and their matrix."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from entities.models import Access, AuditLogEntry, BusinessEntity, Capability, Company, Instance, Role
from entities.services import (
    business_entity_save,
    company_save,
    instance_save,
    role_capabilities_set,
    role_save,
)
from tests.factories import BusinessEntityFactory, CompanyFactory, InstanceFactory, admin_role_change_form

pytestmark = pytest.mark.django_db

IP = "203.0.113.7"


@pytest.fixture
def admin_client(operator_admin, login):
    return login(operator_admin)


@pytest.fixture
def manager():
    """A catalogue role that views route planning (and everything else) and edits nothing."""
    return Role.objects.get(code="manager")


# --- through the admin ------------------------------------------------------------------------


def test_admin_role_capability_change_is_audited_with_actor_section_before_and_after(
    admin_client, operator_admin, manager
):
    data = admin_role_change_form(manager, capability_route_planning=Access.EDIT)

    response = admin_client.post(reverse("admin:entities_role_change", args=[manager.pk]), data, REMOTE_ADDR=IP)

    assert response.status_code == 302
    entry = AuditLogEntry.objects.get(action="role.capabilities_changed")
    assert (entry.actor, entry.target_label, entry.instance) == (operator_admin, "Manager", None)
    assert entry.changes == {"route_planning": ["View", "Edit"]}
    assert Capability.objects.get(role=manager, section="route_planning").access == Access.EDIT


def test_admin_role_capability_change_records_the_ip_address(admin_client, manager):
    data = admin_role_change_form(manager, capability_analytics=Access.NONE)

    admin_client.post(reverse("admin:entities_role_change", args=[manager.pk]), data, REMOTE_ADDR=IP)

    assert AuditLogEntry.objects.get(action="role.capabilities_changed").ip_address == IP


def test_admin_role_section_set_to_none_keeps_its_row_with_no_access(admin_client, manager):
    data = admin_role_change_form(manager, capability_route_planning=Access.NONE)

    response = admin_client.post(reverse("admin:entities_role_change", args=[manager.pk]), data)

    assert response.status_code == 302
    assert AuditLogEntry.objects.get(action="role.capabilities_changed").changes == {"route_planning": ["View", "None"]}
    assert Capability.objects.get(role=manager, section="route_planning").access == Access.NONE


def test_admin_role_section_without_a_row_gets_one_when_given_access(admin_client, manager):
    Capability.objects.filter(role=manager, section="tablets").delete()
    data = admin_role_change_form(manager, capability_tablets=Access.VIEW)

    response = admin_client.post(reverse("admin:entities_role_change", args=[manager.pk]), data)

    assert response.status_code == 302
    assert AuditLogEntry.objects.get(action="role.capabilities_changed").changes == {"tablets": [None, "View"]}
    assert Capability.objects.get(role=manager, section="tablets").access == Access.VIEW


def test_admin_role_section_without_a_row_left_at_none_stays_without_one(admin_client, manager):
    Capability.objects.filter(role=manager, section="tablets").delete()

    response = admin_client.post(
        reverse("admin:entities_role_change", args=[manager.pk]), admin_role_change_form(manager)
    )

    assert response.status_code == 302
    assert not Capability.objects.filter(role=manager, section="tablets").exists()
    assert not AuditLogEntry.objects.exists()


def test_admin_role_refused_matrix_change_rolls_the_whole_save_back(admin_client, manager, monkeypatch):
    def refuse(**kwargs):
        raise ValidationError("The matrix cannot be changed now.")

    monkeypatch.setattr("entities.admin.role_capabilities_set", refuse)
    data = admin_role_change_form(manager, description="Changed")

    response = admin_client.post(reverse("admin:entities_role_change", args=[manager.pk]), data, follow=True)

    assert "Nothing was saved: The matrix cannot be changed now." in response.content.decode()
    manager.refresh_from_db()
    assert manager.description != "Changed"
    assert not AuditLogEntry.objects.exists()


def test_admin_role_change_is_audited_with_before_and_after(admin_client, operator_admin, manager):
    before = manager.description

    response = admin_client.post(
        reverse("admin:entities_role_change", args=[manager.pk]),
        admin_role_change_form(manager, description="Reads everything", chat_allowed="on"),
        REMOTE_ADDR=IP,
    )

    assert response.status_code == 302
    entry = AuditLogEntry.objects.get(action="role.changed")
    assert (entry.actor, entry.ip_address) == (operator_admin, IP)
    assert entry.changes == {"chat_allowed": [False, True], "description": [before, "Reads everything"]}


def test_admin_role_position_changed_in_the_list_is_audited(admin_client, operator_admin, manager):
    response = admin_client.post(
        reverse("admin:entities_role_changelist"),
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": manager.pk,
            "form-0-position": "5",
            "_save": "Save",
        },
        REMOTE_ADDR=IP,
    )

    assert response.status_code == 302
    entry = AuditLogEntry.objects.get(action="role.changed")
    assert (entry.actor, entry.ip_address) == (operator_admin, IP)
    assert entry.changes == {"position": [manager.position, 5]}


# The cockpit's page carries its sharing settings (sharing/admin.py); left out, they stay as they are.
NO_SHARING_SETTINGS = {
    "sharing_settings-TOTAL_FORMS": "0",
    "sharing_settings-INITIAL_FORMS": "0",
    "inactivity_policy-TOTAL_FORMS": "0",
    "inactivity_policy-INITIAL_FORMS": "0",
}


def test_admin_instance_creation_is_audited(admin_client, operator_admin):
    response = admin_client.post(
        reverse("admin:entities_instance_add"),
        {"slug": "lago", "name": "Lago Services", "is_active": "on", **NO_SHARING_SETTINGS},
    )

    assert response.status_code == 302
    entry = AuditLogEntry.objects.get(action="instance.created")
    assert (entry.actor, entry.instance) == (operator_admin, Instance.objects.get(slug="lago"))
    assert entry.changes == {"is_active": [None, True], "name": [None, "Lago Services"], "slug": [None, "lago"]}


def test_admin_instance_change_is_audited_with_before_and_after(admin_client, instance):
    response = admin_client.post(
        reverse("admin:entities_instance_change", args=[instance.pk]),
        {"slug": instance.slug, "name": instance.name, **NO_SHARING_SETTINGS},
        REMOTE_ADDR=IP,
    )

    assert response.status_code == 302
    entry = AuditLogEntry.objects.get(action="instance.changed")
    assert (entry.changes, entry.ip_address) == ({"is_active": [True, False]}, IP)


def test_admin_company_creation_is_audited(admin_client, operator_admin, instance):
    response = admin_client.post(
        reverse("admin:entities_company_add"), {"instance": instance.pk, "name": "Hygia Reinigung"}
    )

    assert response.status_code == 302
    entry = AuditLogEntry.objects.get(action="company.created")
    assert (entry.actor, entry.instance, entry.target_label) == (operator_admin, instance, "Hygia Reinigung")
    assert entry.changes == {
        "instance": [None, "Alpine Facility Services"],
        "is_operator": [None, False],
        "name": [None, "Hygia Reinigung"],
    }


def test_admin_company_change_is_audited_with_before_and_after(admin_client, customer_company):
    response = admin_client.post(
        reverse("admin:entities_company_change", args=[customer_company.pk]),
        {"instance": customer_company.instance.pk, "name": "Kantonsspital Süd", "is_operator": "on"},
        REMOTE_ADDR=IP,
    )

    assert response.status_code == 302
    entry = AuditLogEntry.objects.get(action="company.changed")
    assert entry.ip_address == IP
    assert entry.changes == {"is_operator": [False, True], "name": ["Kantonsspital Nord", "Kantonsspital Süd"]}


def entity_form(entity: BusinessEntity, **overrides) -> dict:
    data = {
        "instance": entity.instance.pk,
        "name": entity.name,
        "address": entity.address,
        "project_form": entity.project_form,
        "owner": entity.owner.pk,
        "service_provider": entity.service_provider.pk,
        "customer": entity.customer.pk,
    }
    data.update(overrides)
    return data


def test_admin_business_entity_creation_is_audited(admin_client, operator_admin, instance):
    owner, provider, customer = (CompanyFactory(instance=instance, name=name) for name in ("Owner", "Provider", "C"))
    data = entity_form(BusinessEntity(instance=instance, owner=owner, service_provider=provider, customer=customer))

    response = admin_client.post(reverse("admin:entities_businessentity_add"), {**data, "name": "Klinik Nord"})

    assert response.status_code == 302
    entry = AuditLogEntry.objects.get(action="entity.created")
    assert (entry.actor, entry.instance, entry.target_label) == (operator_admin, instance, "Klinik Nord")
    assert (entry.changes["owner"], entry.changes["project_form"]) == ([None, "Owner"], [None, "Standard"])


def test_admin_business_entity_change_is_audited_with_before_and_after(admin_client, instance):
    entity = BusinessEntityFactory(instance=instance, owner=CompanyFactory(instance=instance, name="Old owner"))
    new_owner = CompanyFactory(instance=instance, name="New owner")

    response = admin_client.post(
        reverse("admin:entities_businessentity_change", args=[entity.pk]),
        entity_form(entity, owner=new_owner.pk, project_form="easy"),
        REMOTE_ADDR=IP,
    )

    assert response.status_code == 302
    entry = AuditLogEntry.objects.get(action="entity.changed")
    assert entry.ip_address == IP
    assert entry.changes == {"owner": ["Old owner", "New owner"], "project_form": ["Standard", "Easy"]}


# --- the services -----------------------------------------------------------------------------


def test_instance_save_records_only_the_changed_fields(instance):
    instance.name = "Alpine Cleaning"

    instance_save(actor=None, instance=instance)

    entry = AuditLogEntry.objects.get()
    assert (entry.action, entry.actor_label, entry.instance) == ("instance.changed", "system", instance)
    assert entry.changes == {"name": ["Alpine Facility Services", "Alpine Cleaning"]}


def test_instance_save_records_nothing_when_nothing_changed(instance):
    instance_save(actor=None, instance=instance)

    assert not AuditLogEntry.objects.exists()


def test_instance_save_refuses_a_taken_slug_and_records_nothing(instance):
    with pytest.raises(ValidationError, match="Slug already exists"):
        instance_save(actor=None, instance=Instance(slug=instance.slug, name="Copy"))
    assert not AuditLogEntry.objects.exists()


def test_company_save_records_the_operator_flag_before_and_after(operator_admin, customer_company):
    customer_company.is_operator = True

    company_save(actor=operator_admin, company=customer_company)

    entry = AuditLogEntry.objects.get(action="company.changed")
    assert (entry.actor, entry.instance) == (operator_admin, customer_company.instance)
    assert entry.changes == {"is_operator": [False, True]}


def test_company_save_still_copies_the_operator_flag_to_owned_entities(instance, customer_company):
    entity = BusinessEntityFactory(instance=instance, owner=customer_company)
    customer_company.is_operator = True

    company_save(actor=None, company=customer_company)

    entity.refresh_from_db()
    assert entity.is_operator_entity is True


def test_company_save_records_a_move_to_another_instance(customer_company, other_instance):
    customer_company.instance = other_instance

    company_save(actor=None, company=customer_company)

    entry = AuditLogEntry.objects.get(action="company.changed")
    assert (entry.changes, entry.instance) == (
        {"instance": ["Alpine Facility Services", "Rhein Cleaning Group"]},
        other_instance,
    )


def test_business_entity_save_records_the_changed_companies(instance):
    entity = BusinessEntityFactory(instance=instance, customer=CompanyFactory(instance=instance, name="Old"))
    entity.customer = CompanyFactory(instance=instance, name="New")

    business_entity_save(actor=None, entity=entity)

    assert AuditLogEntry.objects.get(action="entity.changed").changes == {"customer": ["Old", "New"]}


def test_business_entity_save_refuses_a_foreign_company_and_records_nothing(instance, other_instance):
    entity = BusinessEntityFactory(instance=instance)
    entity.owner = CompanyFactory(instance=other_instance)

    with pytest.raises(ValidationError, match="belongs to another cockpit"):
        business_entity_save(actor=None, entity=entity)
    assert not AuditLogEntry.objects.exists()


def test_business_entity_save_records_the_creation_in_its_instance():
    instance = InstanceFactory()
    entity = BusinessEntityFactory.build(
        instance=instance,
        owner=CompanyFactory(instance=instance),
        service_provider=CompanyFactory(instance=instance),
        customer=CompanyFactory(instance=instance),
    )

    business_entity_save(actor=None, entity=entity)

    entry = AuditLogEntry.objects.get()
    assert (entry.action, entry.instance, entry.target_id) == ("entity.created", instance, str(entity.pk))


def test_role_save_records_the_changed_fields_without_an_instance(operator_admin, manager):
    manager.is_operator_only = True

    role_save(actor=operator_admin, role=manager)

    entry = AuditLogEntry.objects.get(action="role.changed")
    assert (entry.actor, entry.instance, entry.changes) == (operator_admin, None, {"is_operator_only": [False, True]})


def test_role_save_records_the_creation_of_a_role(operator_admin):
    role = role_save(actor=operator_admin, role=Role(code="auditor", name="Auditor", position=300))

    entry = AuditLogEntry.objects.get(action="role.created")
    assert (entry.target_id, entry.changes["name"], entry.changes["entity_scope"]) == (
        str(role.pk),
        [None, "Auditor"],
        [None, "All business entities"],
    )


def test_role_capabilities_set_records_before_and_after_per_section(operator_admin, manager):
    role_capabilities_set(
        actor=operator_admin, role=manager, rights={"route_planning": Access.EDIT, "analytics": Access.NONE}
    )

    entry = AuditLogEntry.objects.get(action="role.capabilities_changed")
    assert (entry.actor, entry.instance) == (operator_admin, None)
    assert entry.changes == {"route_planning": ["View", "Edit"], "analytics": ["View", "None"]}


def test_role_capabilities_set_stores_the_new_rights(manager):
    role_capabilities_set(actor=None, role=manager, rights={"route_planning": Access.EDIT})

    assert Capability.objects.get(role=manager, section="route_planning").access == Access.EDIT


def test_role_capabilities_set_removes_the_row_of_a_section_given_none(manager):
    role_capabilities_set(actor=None, role=manager, rights={"route_planning": None})

    assert not Capability.objects.filter(role=manager, section="route_planning").exists()
    assert AuditLogEntry.objects.get().changes == {"route_planning": ["View", None]}


def test_role_capabilities_set_keeps_the_sections_it_is_not_given(manager):
    before = dict(manager.capabilities.exclude(section="route_planning").values_list("section", "access"))

    role_capabilities_set(actor=None, role=manager, rights={"route_planning": Access.EDIT})

    assert dict(manager.capabilities.exclude(section="route_planning").values_list("section", "access")) == before


def test_role_capabilities_set_records_nothing_when_the_rights_are_unchanged(manager):
    role_capabilities_set(actor=None, role=manager, rights={"route_planning": Access.VIEW})

    assert not AuditLogEntry.objects.exists()


def test_role_capabilities_set_refuses_an_unknown_section_and_saves_nothing(manager):
    with pytest.raises(ValidationError, match="is not a valid choice"):
        role_capabilities_set(actor=None, role=manager, rights={"route_planning": Access.EDIT, "payroll": Access.VIEW})

    assert Capability.objects.get(role=manager, section="route_planning").access == Access.VIEW
    assert not AuditLogEntry.objects.exists()


def test_company_save_records_nothing_for_an_unchanged_company(customer_company):
    company_save(actor=None, company=Company.objects.get(pk=customer_company.pk))

    assert not AuditLogEntry.objects.exists()
