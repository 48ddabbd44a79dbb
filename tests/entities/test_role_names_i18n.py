"""Role names, usages and access rights in the reader's language: German for German readers, English otherwise."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from entities.models import AuditLogEntry, Level, Role
from tests.factories import UserFactory, admin_role_change_form, grant_company_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def project_manager(owner):
    """A Projectmanager of the owner: manages its users, sees its entities."""
    manager = UserFactory(company=owner, email="pm@owner-a.example")
    grant_company_role(manager, Level.OWNER, owner, "projectmanager")
    return manager


@pytest.fixture
def colleague(owner):
    """A user of the owner holding the read-only Manager role ("Management" in German)."""
    colleague = UserFactory(company=owner, email="colleague@owner-a.example")
    grant_company_role(colleague, Level.OWNER, owner, "manager")
    return colleague


def reading(user, language: str):
    user.language = language
    user.save(update_fields=["language"])
    return user


def roles_column(html: str) -> str:
    return " ".join(re.findall(r'<td class="roles".*?</td>', html, flags=re.DOTALL))


def users_url(instance) -> str:
    return reverse("users:user-list", kwargs={"instance_slug": instance.slug})


def section_url(entity) -> str:
    kwargs = {"instance_slug": entity.instance.slug, "pk": entity.pk, "section": "master_data"}
    return reverse("entities:entity-section", kwargs=kwargs)


def deciding_role(html: str) -> str:
    (badge,) = re.findall(r'data-testid="deciding-role">([^<]*)<', html)
    return badge


# --- the catalogue's German ------------------------------------------------------------------


def test_every_role_of_the_catalogue_has_a_german_name_usage_and_access_right():
    missing = (
        Role.objects.filter(name_de="") | Role.objects.filter(usage_de="") | Role.objects.filter(description_de="")
    )

    assert list(missing.values_list("code", flat=True)) == []


def test_share_roles_read_as_cockpit_freigaben_in_german():
    role = Role.objects.get(code="share-inventory-read-customer-care-write")

    assert role.name_de == "Cockpit-Freigabe: Inventar lesen, Kundenbetreuung schreiben"


def test_a_role_reads_its_german_name_usage_and_access_right_for_a_german_reader():
    role = Role.objects.get(code="team-leader")

    with translation.override("de"):
        assert (str(role), role.label, role.usage_label, role.description_label) == (
            "Teamleitung",
            "Teamleitung",
            "Teamleitung auf Kundenseite",
            "Kann einige Daten bearbeiten",
        )


def test_a_role_reads_english_for_an_english_reader():
    role = Role.objects.get(code="team-leader")

    with translation.override("en"):
        assert (str(role), role.usage_label, role.description_label) == (
            "Team leader",
            "Teamleader customer",
            "Is able to edit some data",
        )


def test_a_role_without_german_reads_english_for_a_german_reader():
    role = Role(code="auditor", name="Auditor", usage="External audits", description="Reads the master data")

    with translation.override("de"):
        assert (role.label, role.usage_label, role.description_label) == (
            "Auditor",
            "External audits",
            "Reads the master data",
        )


# --- where people read role names -------------------------------------------------------------


def test_a_german_reader_sees_german_role_names_on_the_user_list(client, login, project_manager, colleague, instance):
    login(reading(project_manager, "de"))

    roles = roles_column(client.get(users_url(instance)).content.decode())

    assert "<strong>Management</strong>" in roles and "<strong>Manager</strong>" not in roles


def test_an_english_reader_sees_english_role_names_on_the_user_list(
    client, login, project_manager, colleague, instance
):
    login(reading(project_manager, "en"))

    roles = roles_column(client.get(users_url(instance)).content.decode())

    assert "<strong>Manager</strong>" in roles and "<strong>Management</strong>" not in roles


def test_a_german_reader_sees_english_where_a_role_has_no_german_name(
    client, login, project_manager, colleague, instance
):
    Role.objects.filter(code="manager").update(name_de="")
    login(reading(project_manager, "de"))

    roles = roles_column(client.get(users_url(instance)).content.decode())

    assert "<strong>Manager</strong>" in roles


def test_a_german_reader_reads_the_role_guide_in_german(client, login, project_manager, instance):
    login(reading(project_manager, "de"))

    response = client.get(reverse("users:user-create", kwargs={"instance_slug": instance.slug}))

    html = response.content.decode()
    assert "<dt>Teamleitung" in html
    assert "<dd>Teamleitung auf Kundenseite: Kann einige Daten bearbeiten</dd>" in html


def test_an_english_reader_reads_the_role_guide_in_english(client, login, project_manager, instance):
    login(reading(project_manager, "en"))

    response = client.get(reverse("users:user-create", kwargs={"instance_slug": instance.slug}))

    assert "<dd>Teamleader customer: Is able to edit some data</dd>" in response.content.decode()


def test_a_german_reader_sees_the_deciding_role_of_an_entity_in_german(client, login, colleague, building):
    login(reading(colleague, "de"))

    assert deciding_role(client.get(section_url(building)).content.decode()) == "Management"


def test_an_english_reader_sees_the_deciding_role_of_an_entity_in_english(client, login, colleague, building):
    login(reading(colleague, "en"))

    assert deciding_role(client.get(section_url(building)).content.decode()) == "Manager"


def test_a_german_reader_sees_the_deciding_roles_of_the_entity_list_in_german(client, login, colleague, building):
    login(reading(colleague, "de"))

    response = client.get(reverse("entities:entity-list", kwargs={"instance_slug": building.instance.slug}))

    assert '<span class="badge brand">Management</span>' in response.content.decode()


def test_a_refused_grant_names_the_role_in_german_for_a_german_reader(user, customer_company):
    with translation.override("de"), pytest.raises(ValidationError) as refused:
        grant_company_role(user, Level.OWNER, customer_company, "sales")

    assert "Vertrieb (soobr)" in " ".join(refused.value.messages)


def test_a_refused_grant_names_the_role_in_english_for_an_english_reader(user, customer_company):
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        grant_company_role(user, Level.OWNER, customer_company, "sales")

    assert refused.value.messages == [
        "Sales (soobr) is an operator-only role; only operator (soobr) employees may hold it."
    ]


# --- operators edit both languages -----------------------------------------------------------


@pytest.fixture
def admin_client(operator_admin, login):
    return login(operator_admin)


def test_the_admin_role_page_shows_the_german_name(admin_client):
    manager = Role.objects.get(code="manager")

    response = admin_client.get(reverse("admin:entities_role_change", args=[manager.pk]))

    assert 'name="name_de"' in response.content.decode()
    assert response.context["adminform"].form["name_de"].value() == "Management"


def test_the_admin_saves_a_changed_german_name_and_audits_it(admin_client):
    manager = Role.objects.get(code="manager")
    data = admin_role_change_form(manager, name_de="Leitung (nur lesen)")

    response = admin_client.post(reverse("admin:entities_role_change", args=[manager.pk]), data)

    assert response.status_code == 302
    manager.refresh_from_db()
    assert manager.name_de == "Leitung (nur lesen)"
    assert AuditLogEntry.objects.get(action="role.changed").changes == {
        "name_de": ["Management", "Leitung (nur lesen)"]
    }
