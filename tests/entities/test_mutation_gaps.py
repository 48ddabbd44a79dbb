"""Behaviour of the entity services, the entity checks and the access resolver that a mutation run
(mutmut) found unpinned: audit entries with a real actor, fields the create services store, the
entity list's filters and page edges, the explanation of an invisible entity, and request-scoped
answers kept per person."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from entities.access import (
    EntityFilter,
    count_visible_entities,
    entity_access,
    entity_page,
    explain_access,
    request_scope,
    role_rights,
    subject_of,
)
from entities.models import (
    Access,
    AuditLogEntry,
    BusinessEntity,
    Company,
    Level,
    ProjectForm,
    Role,
    Section,
    SectionSettings,
)
from entities.permissions import access_entity, section_right, user_can_edit_section
from entities.services import (
    business_entity_create,
    company_create,
    entity_grant_create,
    grant_change_role,
    grant_delete,
    master_data_update,
    role_capabilities_set,
    section_settings_update,
)
from tests.factories import BusinessEntityFactory, CompanyFactory, UserFactory, grant_company_role, grant_entity_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(owner):
    """Sees every entity A owns, as Owner project manager."""
    reader = UserFactory(company=owner, email="reader@owner-a.example")
    grant_company_role(reader, Level.OWNER, owner, "owner-project-manager")
    return reader


def owned_by(instance, owner, *names, **kwargs):
    return [BusinessEntityFactory(instance=instance, name=name, owner=owner, **kwargs) for name in names]


def names_on(page):
    return [entity.name for entity, _role, _level in page.rows]


# --- company_create / business_entity_create ---------------------------------------------------


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


# --- grants ------------------------------------------------------------------------------------


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


# --- access_entity / user_can_edit_section -----------------------------------------------------


def test_access_entity_refuses_an_entity_of_another_cockpit(reader, building, other_instance):
    # when / then: the reader sees the entity in its own cockpit, never under another one
    with pytest.raises(Http404):
        access_entity(reader.access_subject(), other_instance, building.pk)


def test_access_entity_returns_the_entity_asked_for(reader, instance, owner):
    # given
    _first, second = owned_by(instance, owner, "Halle 1", "Halle 2")

    # when
    entity, _access = access_entity(reader.access_subject(), instance, second.pk)

    # then
    assert entity == second


def test_section_right_names_no_right_for_an_unknown_verb_on_a_known_section():
    # when / then
    assert section_right("entities.delete_users") is None


def test_user_can_edit_section_refuses_chat_to_a_user_with_chat_switched_off(owner, building, role):
    # given: Team leader may edit chat, but the user's chat is off
    leader = UserFactory(company=owner, chat_enabled=False)
    grant_company_role(leader, Level.OWNER, owner, "team-leader")
    assert entity_access(leader.access_subject(), building).allows(Section.CHAT, Access.EDIT)

    # when / then
    assert user_can_edit_section(leader.access_subject(), building, Section.CHAT) is False


# --- the entity list ---------------------------------------------------------------------------


def test_entity_page_filters_by_customer(reader, instance, owner):
    # given
    clinic, other = CompanyFactory(instance=instance, name="Spital"), CompanyFactory(instance=instance, name="Schule")
    owned_by(instance, owner, "Halle 1", customer=clinic)
    owned_by(instance, owner, "Halle 2", customer=other)

    # when
    page = entity_page(reader.access_subject(), instance, entity_filter=EntityFilter(customer_id=clinic.pk))

    # then
    assert names_on(page) == ["Halle 1"]


def test_entity_page_search_matches_a_backslash_literally(reader, instance, owner):
    # given
    owned_by(instance, owner, "Halle A\\B", "Halle AB")

    # when
    page = entity_page(reader.access_subject(), instance, entity_filter=EntityFilter(search="A\\B"))

    # then
    assert names_on(page) == ["Halle A\\B"]


def test_entity_page_combines_a_company_filter_with_a_search(reader, instance, owner):
    # given: the reader also sees X's entities
    other = CompanyFactory(instance=instance, name="Other X")
    grant_company_role(reader, Level.OWNER, other, "owner-project-manager")
    owned_by(instance, owner, "Nord 1", "Süd 1")
    owned_by(instance, other, "Nord 2")

    # when
    page = entity_page(reader.access_subject(), instance, entity_filter=EntityFilter(search="Nord", owner_id=owner.pk))

    # then
    assert names_on(page) == ["Nord 1"]


def test_entity_page_starts_on_the_first_page_by_default(reader, instance, owner):
    # given
    owned_by(instance, owner, "Halle 1", "Halle 2")

    # when
    page = entity_page(reader.access_subject(), instance, per_page=1)

    # then
    assert (page.number, names_on(page)) == (1, ["Halle 1"])


def test_entity_page_first_page_has_no_previous_page(reader, instance, owner):
    # given
    owned_by(instance, owner, "Halle 1", "Halle 2")

    # when
    page = entity_page(reader.access_subject(), instance, number=1, per_page=1)

    # then
    assert page.has_previous is False


def test_entity_page_for_an_anonymous_user_is_an_empty_page_one(instance, building):
    # when
    page = entity_page(None, instance, number=3)

    # then
    assert (page.number, page.rows, page.total) == (1, [], 0)


def test_entity_page_beyond_the_last_page_shows_the_last_page(reader, instance, owner):
    # given: one page of entities
    owned_by(instance, owner, "Halle 1")

    # when
    page = entity_page(reader.access_subject(), instance, number=2)

    # then
    assert (page.number, names_on(page)) == (1, ["Halle 1"])


def test_entity_page_beyond_the_last_page_keeps_the_filter(reader, instance, owner):
    # given
    owned_by(instance, owner, "Alpha", "Beta", "Gamma")

    # when
    page = entity_page(
        reader.access_subject(), instance, entity_filter=EntityFilter(search="Gamma"), number=3, per_page=1
    )

    # then
    assert (page.number, names_on(page)) == (1, ["Gamma"])


def test_count_visible_entities_says_more_than_the_cap_beyond_it_for_grants_on_single_entities(user, instance, owner):
    # given: four entities, each through a grant on the entity itself
    for entity in owned_by(instance, owner, "Halle 1", "Halle 2", "Halle 3", "Halle 4"):
        grant_entity_role(user, entity, "customer")

    # when
    count = count_visible_entities(user.access_subject(), instance, cap=2)

    # then: cap + 1 stands for "more than the cap"
    assert count == 3


def test_count_visible_entities_is_zero_without_any_grant(user, instance, building):
    # when
    count = count_visible_entities(user.access_subject(), instance, cap=5)

    # then
    assert count == 0


def test_count_visible_entities_is_zero_for_an_anonymous_user(instance, building):
    # when
    count = count_visible_entities(None, instance, cap=5)

    # then
    assert count == 0


# --- explain_access ----------------------------------------------------------------------------


def test_explain_access_says_no_grant_matches_when_the_user_holds_none(user, building):
    # when
    explanation = explain_access(user.access_subject(), building)

    # then
    assert explanation.reason == "No grant matches this entity, so it is invisible to the user (404)."


def test_explain_access_says_no_grant_applies_when_every_grant_is_excluded(reader, building):
    # given: the reader's grant stops counting once they are deactivated
    reader.is_active = False
    reader.save()

    # when
    explanation = explain_access(reader.access_subject(), building)

    # then
    assert explanation.reason == "No grant of this user applies here, so the entity is invisible to them (404)."


def test_explain_access_gives_no_rights_on_an_invisible_entity(user, building):
    # when
    explanation = explain_access(user.access_subject(), building)

    # then
    assert explanation.rights == dict.fromkeys(Section.values, Access.NONE)


def test_explain_access_names_the_entity_explained(reader, building):
    # when
    explanation = explain_access(reader.access_subject(), building)

    # then
    assert explanation.entity == building


def test_explain_access_gives_the_deciding_grant_no_note(reader, building):
    # when
    explanation = explain_access(reader.access_subject(), building)

    # then
    assert (explanation.deciding.role.code, explanation.deciding.note) == ("owner-project-manager", "")


def test_explain_access_shows_no_company_for_a_grant_on_the_entity_itself(user, building):
    # given
    grant_entity_role(user, building, "customer")

    # when
    explanation = explain_access(user.access_subject(), building)

    # then
    assert (explanation.deciding.level, explanation.deciding.company) == (Level.ENTITY, None)


# --- subject_of / request_scope ----------------------------------------------------------------


def test_subject_of_gives_an_anonymous_user_no_subject():
    # when / then
    assert subject_of(AnonymousUser()) is None


def test_request_scope_keeps_each_persons_answers_apart(reader, user, building):
    # given: the reader sees the building, the other user does not
    with request_scope():
        # when
        seen_by_reader = entity_access(reader.access_subject(), building)
        seen_by_user = entity_access(user.access_subject(), building)

    # then
    assert (seen_by_reader is not None, seen_by_user) == (True, None)
