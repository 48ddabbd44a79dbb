"""Explain access (admin, cockpit, command) and the audit log of grant changes."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from entities.models import AuditLogEntry, CompanyGrant, Level, Role
from entities.services import grant_change_role, grant_delete
from tests.factories import (
    UserFactory,
    admin_user_change_form,
    grant_company_role,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def project_manager(owner):
    pm = UserFactory(company=owner, email="pm@owner-a.example")
    grant_company_role(pm, Level.OWNER, owner, "projectmanager")
    return pm


@pytest.fixture
def reader(owner):
    reader = UserFactory(company=owner, email="reader@owner-a.example")
    grant_company_role(reader, Level.OWNER, owner, "manager")
    return reader


def test_grant_changes_are_audited_with_actor_before_after_and_ip(client, login, operator_admin, user, owner):
    login(operator_admin)
    change_url = reverse("admin:accounts_user_change", args=[user.pk])
    data = admin_user_change_form(
        user,
        **{
            "company_grants-TOTAL_FORMS": "1",
            "company_grants-0-level": "owner",
            "company_grants-0-company": owner.pk,
            "company_grants-0-role": Role.objects.get(code="manager").pk,
        },
    )

    response = client.post(change_url, data, REMOTE_ADDR="203.0.113.7")

    assert response.status_code == 302, list(response.context["errors"])
    grant = CompanyGrant.objects.get(user=user)
    entry = AuditLogEntry.objects.get(action="grant.created")
    assert (entry.actor, entry.subject_user, entry.ip_address) == (operator_admin, user, "203.0.113.7")
    assert entry.changes["role"] == [None, "manager"]
    assert grant.role.code == "manager"


def test_role_change_and_revocation_are_audited(user, owner):
    grant = grant_company_role(user, Level.OWNER, owner, "manager")

    grant_change_role(actor=None, grant=grant, role=Role.objects.get(code="customer"))
    grant_delete(actor=None, grant=grant)

    changed, deleted = (
        AuditLogEntry.objects.get(action="grant.changed"),
        AuditLogEntry.objects.get(action="grant.deleted"),
    )
    assert changed.changes == {"role": ["manager", "customer"]}
    assert deleted.subject_user == user and deleted.changes["role"][1] is None


def test_audit_log_is_readable_but_not_editable_in_the_admin(client, login, operator_admin, user, owner):
    grant_company_role(user, Level.OWNER, owner, "manager")
    entry = AuditLogEntry.objects.get()
    login(operator_admin)

    assert client.get(reverse("admin:entities_auditlogentry_changelist") + "?action=grant.created").status_code == 200
    assert client.get(reverse("admin:entities_auditlogentry_change", args=[entry.pk])).status_code == 200
    assert (
        client.post(reverse("admin:entities_auditlogentry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    )
    assert client.get(reverse("admin:entities_auditlogentry_add")).status_code == 403
    assert AuditLogEntry.objects.filter(pk=entry.pk).exists()


def test_admin_refuses_an_operator_role_for_a_customer_in_the_grant_inline(client, login, operator_admin, user, owner):
    login(operator_admin)
    change_url = reverse("admin:accounts_user_change", args=[user.pk])
    data = admin_user_change_form(
        user,
        **{
            "company_grants-TOTAL_FORMS": "1",
            "company_grants-0-level": "owner",
            "company_grants-0-company": owner.pk,
            "company_grants-0-role": Role.objects.get(code="sales").pk,
        },
    )

    response = client.post(change_url, data)

    assert response.status_code == 200
    assert [message for errors in response.context["errors"] for message in errors] == [
        "Sales (soobr) is an operator-only role; only operator (soobr) employees may hold it."
    ]
    assert not CompanyGrant.objects.filter(user=user).exists()


def test_admin_explains_a_users_access_to_an_entity(client, login, operator_admin, reader, building):
    login(operator_admin)

    response = client.get(reverse("admin:accounts_user_explain", args=[reader.pk]) + f"?entity={building.pk}")

    html = response.content.decode()
    assert response.status_code == 200
    assert "The owner grant has the highest precedence" in html and "Manager" in html


def test_admin_explain_reports_an_unknown_entity(client, login, operator_admin, reader):
    login(operator_admin)

    response = client.get(reverse("admin:accounts_user_explain", args=[reader.pk]) + "?entity=999999")

    assert response.context["form"].errors["entity"] == [
        "There is no business entity with this ID in the user's cockpit."
    ]


def test_explain_access_command_prints_the_deciding_grant(reader, building):
    out = StringIO()

    call_command("explain_access", reader.email, str(building.pk), stdout=out)

    assert "Owner Owner A: Manager - DECIDES" in out.getvalue()
    assert "Master data" in out.getvalue()
