"""The entity services: companies and entities stay in their cockpit, each write stores what it is given and
records who acted, roles' capabilities, grants, section settings and master data."""

import pytest
from django.core.exceptions import ValidationError

from entities.access import role_rights
from entities.models import (
    Access,
    AuditLogEntry,
    BusinessEntity,
    ChatMessage,
    Company,
    Level,
    ProjectForm,
    QualityFeedback,
    Role,
    Section,
    SectionSettings,
    TourActivity,
)
from entities.services import (
    business_entity_create,
    company_create,
    company_save,
    entity_grant_create,
    grant_change_role,
    grant_delete,
    master_data_update,
    role_capabilities_set,
    section_data_bulk_create,
    section_settings_update,
)
from tests.factories import BusinessEntityFactory, CompanyFactory, grant_company_role, grant_entity_role

pytestmark = pytest.mark.django_db


def test_business_entity_create_refuses_an_owner_of_another_instance(instance, other_instance):
    # given
    foreign_owner = CompanyFactory(instance=other_instance, name="Rheinhafen Immobilien")
    provider, customer = CompanyFactory(instance=instance), CompanyFactory(instance=instance)

    # when / then
    with pytest.raises(ValidationError, match="Rheinhafen Immobilien belongs to another cockpit") as excinfo:
        business_entity_create(
            actor=None,
            instance=instance,
            name="Bürohaus Seefeld",
            owner=foreign_owner,
            service_provider=provider,
            customer=customer,
        )
    assert set(excinfo.value.message_dict) == {"owner"}
    assert not BusinessEntity.objects.exists()


def test_business_entity_create_names_every_foreign_company(instance, other_instance):
    foreign = CompanyFactory(instance=other_instance)

    with pytest.raises(ValidationError) as excinfo:
        business_entity_create(
            actor=None, instance=instance, name="X", owner=foreign, service_provider=foreign, customer=foreign
        )

    assert set(excinfo.value.message_dict) == {"owner", "service_provider", "customer"}


def test_business_entity_create_stores_an_entity_of_its_own_instance(instance):
    owner, provider, customer = (CompanyFactory(instance=instance) for _ in range(3))

    entity = business_entity_create(
        actor=None, instance=instance, name=" Klinik Nord ", owner=owner, service_provider=provider, customer=customer
    )

    assert BusinessEntity.objects.get().pk == entity.pk
    assert entity.name == "Klinik Nord"


def test_company_create_refuses_a_name_that_differs_only_in_case(instance):
    company_create(actor=None, instance=instance, name="CleanPro Services")

    with pytest.raises(ValidationError, match="already exists in this instance"):
        company_create(actor=None, instance=instance, name="cleanpro services")
    assert Company.objects.count() == 1


def test_company_create_allows_the_same_name_in_another_instance(instance, other_instance):
    company_create(actor=None, instance=instance, name="CleanPro Services")
    company_create(actor=None, instance=other_instance, name="CleanPro Services")

    assert Company.objects.count() == 2


def test_company_save_refuses_to_move_a_company_in_use_to_another_cockpit(instance, other_instance):
    # given: a company that owns an entity of its cockpit
    from entities.models import Company
    from entities.services import company_save

    company = CompanyFactory(instance=instance, name="Zurich Property AG")
    BusinessEntityFactory(instance=instance, owner=company)

    # when: it is moved to another cockpit
    company.instance = other_instance
    with pytest.raises(ValidationError, match="cannot move to another cockpit"):
        company_save(actor=None, company=company)

    # then: it stays where its entities are
    assert Company.objects.get(pk=company.pk).instance == instance


def test_company_save_moves_an_unused_company_to_another_cockpit(instance, other_instance):
    from entities.models import Company
    from entities.services import company_save

    company = CompanyFactory(instance=instance, name="Typo AG")

    company.instance = other_instance
    company_save(actor=None, company=company)

    assert Company.objects.get(pk=company.pk).instance == other_instance


def test_company_save_copies_the_operator_flag_to_the_entities_it_owns(instance, owner_a, other_x):
    # given
    owned = BusinessEntityFactory(instance=instance, owner=owner_a)
    serviced_only = BusinessEntityFactory(instance=instance, owner=other_x, service_provider=owner_a)

    # when
    owner_a.is_operator = True
    company_save(actor=None, company=owner_a)

    # then
    assert BusinessEntity.objects.get(pk=owned.pk).is_operator_entity is True
    assert BusinessEntity.objects.get(pk=serviced_only.pk).is_operator_entity is False


def test_company_save_clears_the_operator_flag_on_its_entities_when_switched_off(instance, operator_company):
    # given
    demo = BusinessEntityFactory(instance=instance, owner=operator_company)
    assert BusinessEntity.objects.get(pk=demo.pk).is_operator_entity is True

    # when
    operator_company.is_operator = False
    company_save(actor=None, company=operator_company)

    # then
    assert BusinessEntity.objects.get(pk=demo.pk).is_operator_entity is False


def test_business_entity_save_refuses_to_move_an_entity_with_grants_to_another_cockpit(instance, other_instance):
    # given: an entity someone holds a role on, and companies of the other cockpit to move it to
    from entities.services import business_entity_save
    from tests.factories import UserFactory, grant_entity_role

    building = BusinessEntityFactory(instance=instance)
    grant_entity_role(UserFactory(company=building.owner), building, "customer")
    elsewhere = CompanyFactory(instance=other_instance)

    # when
    building.instance = other_instance
    building.owner = building.service_provider = building.customer = elsewhere
    with pytest.raises(ValidationError, match="revoke them before moving it"):
        business_entity_save(actor=None, entity=building)

    # then
    assert BusinessEntity.objects.get(pk=building.pk).instance == instance


def test_section_data_bulk_create_stores_settings_and_entries_as_the_acting_user(building, user):
    section_data_bulk_create(
        actor=user,
        settings=[SectionSettings(entity=building, section="iot", data={"alert_threshold_percent": 80})],
        tour_activities=[
            TourActivity(
                entity=building, performed_on="2026-11-30", area="Eingang", description="Abfall", duration_minutes=30
            )
        ],
        quality_feedback=[QualityFeedback(entity=building, score=4)],
        chat_messages=[ChatMessage(entity=building, body="Hallo")],
    )

    assert SectionSettings.objects.get(entity=building, section="iot").updated_by == user
    assert TourActivity.objects.get(entity=building).created_by == user
    assert QualityFeedback.objects.get(entity=building).created_by == user
    assert ChatMessage.objects.get(entity=building).author == user


def test_section_data_bulk_create_stores_nothing_when_an_entry_is_invalid(building, user):
    with pytest.raises(ValidationError):
        section_data_bulk_create(
            actor=user,
            settings=[SectionSettings(entity=building, section="iot", data={})],
            quality_feedback=[QualityFeedback(entity=building, score=4), QualityFeedback(entity=building, score=9)],
        )

    assert not SectionSettings.objects.filter(entity=building).exists()
    assert not QualityFeedback.objects.filter(entity=building).exists()


# --- company_create / business_entity_create: what they store and record -----------------------


def test_company_create_registers_a_regular_company_by_default(instance):
    # when
    company = company_create(actor=None, instance=instance, name="CleanPro Services")

    # then
    assert Company.objects.get(pk=company.pk).is_operator is False


def test_company_create_registers_an_operator_company_when_asked(instance):
    # when
    company = company_create(actor=None, instance=instance, name="soobr AG", is_operator=True)

    # then
    assert Company.objects.get(pk=company.pk).is_operator is True


def test_company_create_records_the_acting_user(operator_admin, instance):
    # when
    company = company_create(actor=operator_admin, instance=instance, name="CleanPro Services")

    # then
    assert AuditLogEntry.objects.get(action="company.created", target_id=str(company.pk)).actor == operator_admin


def test_business_entity_create_stores_the_trimmed_address(instance, owner):
    # when
    entity = business_entity_create(
        actor=None,
        instance=instance,
        name="Klinik Süd",
        owner=owner,
        service_provider=owner,
        customer=owner,
        address="  Seefeldstrasse 1, 8008 Zürich ",
    )

    # then
    assert BusinessEntity.objects.get(pk=entity.pk).address == "Seefeldstrasse 1, 8008 Zürich"


def test_business_entity_create_leaves_the_address_empty_by_default(instance, owner):
    # when
    entity = business_entity_create(
        actor=None, instance=instance, name="Klinik Süd", owner=owner, service_provider=owner, customer=owner
    )

    # then
    assert BusinessEntity.objects.get(pk=entity.pk).address == ""


def test_business_entity_create_stores_the_given_project_form(instance, owner):
    # when
    entity = business_entity_create(
        actor=None,
        instance=instance,
        name="Klinik Süd",
        owner=owner,
        service_provider=owner,
        customer=owner,
        project_form=ProjectForm.EASY,
    )

    # then
    assert BusinessEntity.objects.get(pk=entity.pk).project_form == ProjectForm.EASY


def test_business_entity_create_records_the_acting_user(operator_admin, instance, owner):
    # when
    entity = business_entity_create(
        actor=operator_admin, instance=instance, name="Klinik Süd", owner=owner, service_provider=owner, customer=owner
    )

    # then
    assert AuditLogEntry.objects.get(action="entity.created", target_id=str(entity.pk)).actor == operator_admin


# --- role_capabilities_set / role_rights -------------------------------------------------------


def test_role_capabilities_set_stores_a_change_listed_after_an_unchanged_section(role):
    # given: the first section keeps its right, the second changes
    manager = role("manager")
    kept = manager.capabilities.get(section=Section.USERS)
    changed = Access.EDIT if manager.capabilities.get(section=Section.ANALYTICS).access != Access.EDIT else Access.VIEW

    # when
    role_capabilities_set(actor=None, role=manager, rights={Section.USERS: kept.access, Section.ANALYTICS: changed})

    # then
    assert manager.capabilities.get(section=Section.ANALYTICS).access == changed


def test_role_rights_gives_no_access_on_a_section_without_a_row(role):
    # given: the role's row for analytics is removed
    manager = role("manager")
    role_capabilities_set(actor=None, role=manager, rights={Section.ANALYTICS: None})

    # when
    rights = role_rights([manager.pk])[manager.pk]

    # then
    assert rights[Section.ANALYTICS] == Access.NONE


# --- grants: who gave or revoked which role, filed under the entity's cockpit ------------------


def test_entity_grant_create_records_the_acting_user(operator_admin, user, building):
    # when
    entity_grant_create(actor=operator_admin, user=user, entity=building, role=Role.objects.get(code="customer"))

    # then
    assert AuditLogEntry.objects.get(action="grant.created", subject_user=user).actor == operator_admin


def test_entity_grant_create_records_the_role_given(user, building):
    # when
    entity_grant_create(actor=None, user=user, entity=building, role=Role.objects.get(code="customer"))

    # then: codes and ids, rendered for each reader later
    entry = AuditLogEntry.objects.get(action="grant.created", subject_user=user)
    assert entry.changes == {"role": [None, "customer"]}
    assert entry.params == {"level": Level.ENTITY, "entity": building.pk}


def test_grant_audit_files_the_entry_under_the_entitys_cockpit(user, building, instance):
    # when
    grant_entity_role(user, building, "customer")

    # then
    assert AuditLogEntry.objects.get(action="grant.created", subject_user=user).instance == instance


def test_grant_change_role_records_the_acting_user(operator_admin, user, owner):
    # given
    grant = grant_company_role(user, Level.OWNER, owner, "customer")

    # when
    grant_change_role(actor=operator_admin, grant=grant, role=Role.objects.get(code="manager"))

    # then
    assert AuditLogEntry.objects.get(action="grant.changed", subject_user=user).actor == operator_admin


def test_grant_delete_records_the_acting_user(operator_admin, user, owner):
    # given
    grant = grant_company_role(user, Level.OWNER, owner, "customer")

    # when
    grant_delete(actor=operator_admin, grant=grant)

    # then
    assert AuditLogEntry.objects.get(action="grant.deleted", subject_user=user).actor == operator_admin


def test_grant_delete_records_what_was_revoked(user, owner):
    # given
    grant = grant_company_role(user, Level.OWNER, owner, "customer")

    # when
    grant_delete(actor=None, grant=grant)

    # then
    entry = AuditLogEntry.objects.get(action="grant.deleted", subject_user=user)
    assert entry.changes == {"role": ["customer", None]}
    assert entry.params == {"level": Level.OWNER, "company": owner.pk}


# --- section_settings_update / master_data_update ----------------------------------------------


def test_section_settings_update_remembers_who_changed_the_settings(operator_admin, building):
    # when
    section_settings_update(actor=operator_admin, entity=building, section=Section.FEATURES, data={"tablets": 2})

    # then
    assert SectionSettings.objects.get(entity=building, section=Section.FEATURES).updated_by == operator_admin


def test_master_data_update_clears_the_address_when_none_is_given(operator_admin, building):
    # when
    master_data_update(actor=operator_admin, entity=building, data={"name": "Klinik Nord"})

    # then
    assert BusinessEntity.objects.get(pk=building.pk).address == ""


def test_master_data_update_records_the_acting_user(operator_admin, building):
    # when
    master_data_update(actor=operator_admin, entity=building, data={"name": "Klinik Nord-Ost", "address": "Weg 1"})

    # then
    assert AuditLogEntry.objects.get(action="entity.changed", target_id=str(building.pk)).actor == operator_admin


def test_master_data_update_keeps_the_further_fields_in_the_master_data_settings(operator_admin, building):
    # when
    master_data_update(
        actor=operator_admin,
        entity=building,
        data={"name": "Klinik Nord", "address": "Weg 1", "contact_person": "Frau Keller"},
    )

    # then: name and address live on the entity, the rest in the master data settings
    assert SectionSettings.objects.get(entity=building, section=Section.MASTER_DATA).data == {
        "contact_person": "Frau Keller"
    }


def test_master_data_update_remembers_who_changed_the_further_fields(operator_admin, building):
    # when
    master_data_update(
        actor=operator_admin, entity=building, data={"name": "Klinik Nord", "contact_person": "Frau Keller"}
    )

    # then
    assert SectionSettings.objects.get(entity=building, section=Section.MASTER_DATA).updated_by == operator_admin
