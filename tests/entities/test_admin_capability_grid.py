"""The capability matrix of a role edited in the admin as one grid: a none / view / edit choice per section."""

import re

import pytest
from django.urls import reverse

from entities.models import Access, AuditLogEntry, Capability, Role, Section
from tests.factories import admin_role_change_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(operator_admin, login):
    return login(operator_admin)


@pytest.fixture
def manager():
    """A catalogue role that views every business section and users, and edits nothing."""
    return Role.objects.get(code="manager")


def radios(html: str) -> list[str]:
    return re.findall(r'<input type="radio"[^>]*>', html)


def change_url(role: Role) -> str:
    return reverse("admin:entities_role_change", args=[role.pk])


def test_the_role_page_has_one_radio_group_per_section_in_section_order(admin_client, manager):
    html = admin_client.get(change_url(manager)).content.decode()

    groups = list(dict.fromkeys(re.findall(r'<input type="radio" name="capability_(\w+)"', html)))
    assert groups == list(Section.values)
    assert len(radios(html)) == len(Section.values) * len(Access.values)


def test_the_role_page_checks_each_sections_stored_access(admin_client, manager):
    html = admin_client.get(change_url(manager)).content.decode()

    checked = dict(re.findall(r'name="capability_(\w+)" value="(\d)"[^>]*checked', html))
    assert checked == {
        section: str(access) for section, access in manager.capabilities.values_list("section", "access")
    }


def test_every_radio_of_the_grid_is_named_with_its_section_and_access(admin_client, manager):
    html = admin_client.get(change_url(manager)).content.decode()

    labels = [re.search(r'aria-label="([^"]*)"', radio).group(1) for radio in radios(html)]
    assert labels[:3] == ["Master data: None", "Master data: View", "Master data: Edit"]
    assert labels[-1] == "Plan upload: Edit"
    assert len(set(labels)) == len(labels)


def test_the_role_page_no_longer_stacks_capability_rows(admin_client, manager):
    response = admin_client.get(change_url(manager))

    assert response.context["inline_admin_formsets"] == []
    assert "capabilities-TOTAL_FORMS" not in response.content.decode()


def test_changes_in_the_grid_update_the_capability_rows(admin_client, manager):
    data = admin_role_change_form(manager, capability_route_planning=Access.EDIT, capability_users=Access.NONE)

    response = admin_client.post(change_url(manager), data)

    assert response.status_code == 302
    stored = dict(manager.capabilities.values_list("section", "access"))
    assert (stored["route_planning"], stored["users"], stored["master_data"]) == (Access.EDIT, Access.NONE, Access.VIEW)


def test_changes_in_the_grid_are_one_audit_entry_with_before_and_after(admin_client, operator_admin, manager):
    data = admin_role_change_form(manager, capability_route_planning=Access.EDIT, capability_users=Access.NONE)

    admin_client.post(change_url(manager), data)

    entry = AuditLogEntry.objects.get(action="role.capabilities_changed")
    assert (entry.actor, entry.changes) == (
        operator_admin,
        {"route_planning": ["View", "Edit"], "users": ["View", "None"]},
    )


def test_a_bad_access_value_shows_an_error_and_changes_nothing(admin_client, manager):
    data = admin_role_change_form(manager, description="Changed", capability_route_planning="7")

    response = admin_client.post(change_url(manager), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["capability_route_planning"] == [
        "Select a valid choice. 7 is not one of the available choices."
    ]
    manager.refresh_from_db()
    assert manager.description != "Changed"
    assert Capability.objects.get(role=manager, section="route_planning").access == Access.VIEW
    assert not AuditLogEntry.objects.exists()


def test_a_missing_access_shows_an_error_and_changes_nothing(admin_client, manager):
    data = admin_role_change_form(manager, capability_route_planning=Access.EDIT)
    del data["capability_users"]

    response = admin_client.post(change_url(manager), data)

    assert response.status_code == 200
    assert "capability_users" in response.context["adminform"].form.errors
    assert Capability.objects.get(role=manager, section="route_planning").access == Access.VIEW


def test_a_new_role_gets_one_capability_row_per_section(admin_client):
    role = Role(code="auditor", name="Auditor", position=300)
    data = admin_role_change_form(role, capability_master_data=Access.VIEW)

    response = admin_client.post(reverse("admin:entities_role_add"), data)

    assert response.status_code == 302
    stored = dict(Role.objects.get(code="auditor").capabilities.values_list("section", "access"))
    assert stored == {**dict.fromkeys(Section.values, Access.NONE), "master_data": Access.VIEW}


def test_a_share_role_shows_its_matrix_as_text_without_radios(admin_client):
    share_role = Role.objects.get(code="share-inventory-read-customer-care-write")

    html = admin_client.get(change_url(share_role)).content.decode()

    assert radios(html) == []
    assert "<li>Route planning: View</li>" in html and "<li>Chat: Edit</li>" in html
