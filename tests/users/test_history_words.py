"""User Management names no entity the reader cannot see, and its history reads in the reader's language: without
another cockpit's entries, and without a phone number or a sign-in address for a reader who only views users."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from accounts.services import user_update
from entities.audit import audit_record
from entities.history import history_rows
from entities.models import AuditLogEntry, EntityGrant
from entities.services import grant_delete
from tests.factories import BusinessEntityFactory, grant_entity_role
from users.permissions import manager_reach
from users.selectors import user_history
from users.services import EntityGrantRequest, user_invite

pytestmark = pytest.mark.django_db

OUTSIDE = "a business entity outside your view"


@pytest.fixture
def hidden_entities(instance, provider_b, other_x):
    """Entities of the cockpit that A's Projectmanager cannot see (A is none of their companies)."""
    return [
        BusinessEntityFactory(
            instance=instance,
            name=f"Filiale Hardturm {n}",
            owner=other_x,
            service_provider=provider_b,
            customer=other_x,
        )
        for n in (318, 319, 320)
    ]


@pytest.fixture
def visible_entity(instance, owner_a, provider_b, other_x):
    return BusinessEntityFactory(
        instance=instance, name="Seefeld Tower", owner=owner_a, service_provider=provider_b, customer=other_x
    )


def users_url(instance, name="user-list", **kwargs):
    return reverse(f"users:{name}", kwargs={"instance_slug": instance.slug, **kwargs})


def test_the_user_list_names_no_entity_the_manager_cannot_see(
    client, login, projectmanager_a, employee_a, hidden_entities, visible_entity, instance
):
    # given: operator staff gave A's employee roles on entities the Projectmanager cannot see
    for entity in hidden_entities:
        grant_entity_role(employee_a, entity, "customer")
    grant_entity_role(employee_a, visible_entity, "customer")
    login(projectmanager_a)

    # when
    page = client.get(users_url(instance)).content.decode()

    # then
    assert all(entity.name not in page for entity in hidden_entities)
    assert page.count(OUTSIDE) == len(hidden_entities)
    assert "Seefeld Tower" in page


def test_the_history_names_no_entity_the_manager_cannot_see(
    client, login, projectmanager_a, employee_a, hidden_entities, operator_staff, instance
):
    # given: roles on hidden entities were granted and revoked again (so the user is the manager's to open)
    for entity in hidden_entities:
        grant_delete(actor=operator_staff, grant=grant_entity_role(employee_a, entity, "customer"))
    login(projectmanager_a)

    # when
    page = client.get(users_url(instance, "user-edit", pk=employee_a.pk)).content.decode()

    # then
    assert all(entity.name not in page for entity in hidden_entities)
    assert page.count(OUTSIDE) == 2 * len(hidden_entities)  # granted and revoked, each
    assert "Role revoked" in page


def test_operator_staff_read_the_entity_names_in_the_history(
    client, login, employee_a, hidden_entities, operator_staff, instance
):
    for entity in hidden_entities:
        grant_delete(actor=operator_staff, grant=grant_entity_role(employee_a, entity, "customer"))
    login(operator_staff)

    page = client.get(users_url(instance, "user-edit", pk=employee_a.pk)).content.decode()

    assert all(entity.name in page for entity in hidden_entities)


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

    page = client.get(users_url(instance, "user-edit", pk=employee_a.pk)).content.decode()

    assert "Elsewhere" not in page


def test_a_viewer_does_not_read_an_employees_phone_or_sign_in_addresses_in_the_history(
    client, login, manager_a, employee_a, instance
):
    from accounts.services import user_update

    user_update(actor=None, user=employee_a, mobile_phone="079 333 33 33")
    login(manager_a)

    page = client.get(users_url(instance, "user-edit", pk=employee_a.pk)).content.decode()

    assert "+41793333333" not in page and "333 33 33" not in page


def test_a_refused_grant_on_a_hidden_entity_does_not_name_it(projectmanager_a, owner_a, hidden_entities, role):
    with pytest.raises(ValidationError) as refused:
        user_invite(
            actor=projectmanager_a,
            instance=owner_a.instance,
            company_grants=[],
            entity_grants=[EntityGrantRequest(entity, role("customer")) for entity in hidden_entities],
            email="neu@owner-a.example",
            company=owner_a,
        )

    text = " ".join(refused.value.messages)
    assert all(entity.name not in text for entity in hidden_entities)
    assert text.count(OUTSIDE) == len(hidden_entities)
    assert not EntityGrant.objects.filter(user__email="neu@owner-a.example").exists()


def rows_for(reader, user, instance, language):
    reach = manager_reach(reader, instance)
    with translation.override(language):
        return [
            (row.action, row.about, row.changes)
            for row in history_rows(
                user_history(user=user, instance=instance),
                visible_entities=reach.visible_entity_ids,
                show_internal=reach.is_operator_staff,
            )
        ]


def test_one_entry_reads_in_english_and_in_german(projectmanager_a, employee_a, instance, owner_a):
    # given: the history holds a grant at the owner level and a language change
    user_update(actor=projectmanager_a, user=employee_a, language="de")

    english = rows_for(projectmanager_a, employee_a, instance, "en")
    german = rows_for(projectmanager_a, employee_a, instance, "de")

    assert ("User changed", "", [("Language", "English", "German")]) in english
    assert ("Konto geändert", "", [("Sprache", "Englisch", "Deutsch")]) in german
    assert ("Role granted", "Owner · Owner A", [("Role", "—", "Manager")]) in english
    assert ("Rolle vergeben", "Eigentümer · Owner A", [("Rolle", "—", "Management")]) in german


def test_company_admins_do_not_read_the_operators_internal_fields(
    projectmanager_a, employee_a, operator_staff, instance
):
    # given: an internal change next to a visible one, in one entry
    audit_record(
        actor=operator_staff,
        action="user.changed",
        target=employee_a,
        subject_user=employee_a,
        instance=instance,
        changes={"is_staff": (False, True), "first_name": ("Erika", "Erika Maria")},
    )

    for_staff = [changes for action, _about, changes in rows_for(operator_staff, employee_a, instance, "en")]
    for_manager = [changes for action, _about, changes in rows_for(projectmanager_a, employee_a, instance, "en")]

    assert [("Operator staff", "No", "Yes"), ("First name", "Erika", "Erika Maria")] in for_staff
    assert [("First name", "Erika", "Erika Maria")] in for_manager
    assert not any(label == "Operator staff" for changes in for_manager for label, _before, _after in changes)


def test_entries_written_before_ids_keep_the_role_and_drop_the_entity(
    projectmanager_a, employee_a, instance, hidden_entities
):
    # given: an entry in the earlier form, "Role · Entity"
    grant_entity_role(employee_a, hidden_entities[0], "customer")
    AuditLogEntry.objects.filter(action="grant.created", target_type="entities.EntityGrant").update(
        changes={"role": [None, f"Customer · {hidden_entities[0].name}"]}, params={}
    )

    rows = [row for row in rows_for(projectmanager_a, employee_a, instance, "en") if row[1] != "Owner · Owner A"]

    assert rows == [("Role granted", "", [("Role", "—", "Customer")])]


# --- each entry as a sentence and a before → after table ------------------------------------------


def history_part(page: str) -> str:
    return page.split('data-testid="history"', 1)[1].split("</ol>", 1)[0]


def test_the_history_reads_each_entry_as_a_sentence_with_a_before_after_table(
    client, login, projectmanager_a, employee_a, instance
):
    # given: the manager changed the person's language
    user_update(actor=projectmanager_a, user=employee_a, language="de")
    login(projectmanager_a)

    # when
    page = client.get(users_url(instance, "user-edit", pk=employee_a.pk)).content.decode()

    # then: who did what to whom, when (in the named zone), and the change as a row of a table
    history = history_part(page)
    assert f"User changed by pm@owner-a.example, concerning {employee_a}, on " in history
    assert "(Europe/Zurich time)." in history
    assert '<th scope="row">Language</th><td>English</td><td>German</td>' in history
    assert "Times are in the Europe/Zurich time zone." in page


def test_a_german_manager_reads_the_history_in_german(client, login, projectmanager_a, employee_a, instance):
    user_update(actor=projectmanager_a, user=employee_a, language="de")
    projectmanager_a.language = "de"
    projectmanager_a.save(update_fields=["language"])
    login(projectmanager_a)

    page = client.get(users_url(instance, "user-edit", pk=employee_a.pk)).content.decode()

    history = history_part(page)
    assert f"Konto geändert durch pm@owner-a.example, betreffend {employee_a}, am " in history
    assert "(Zeitzone Europe/Zurich)." in history
    assert '<th scope="row">Sprache</th><td>Englisch</td><td>Deutsch</td>' in history
    assert "Rolle vergeben durch das System, betreffend" in history


def test_the_sentence_names_no_entity_the_reader_cannot_see(projectmanager_a, employee_a, instance, hidden_entities):
    grant_entity_role(employee_a, hidden_entities[0], "customer")
    reach = manager_reach(projectmanager_a, instance)

    rows = history_rows(user_history(user=employee_a, instance=instance), visible_entities=reach.visible_entity_ids)

    granted = next(row for row in rows if row.about == OUTSIDE)
    assert hidden_entities[0].name not in granted.sentence
    assert f"concerning {employee_a} ({OUTSIDE})" in granted.sentence
