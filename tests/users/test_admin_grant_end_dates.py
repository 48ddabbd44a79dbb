"""The Django admin gives, moves and refuses a role's end date through the same services as User Management."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from entities.models import AuditLogEntry, CompanyGrant, EntityGrant, Level
from tests.factories import BusinessEntityFactory, UserFactory, admin_user_change_form, grant_company_role

pytestmark = pytest.mark.django_db


def grant_row(company, role, ends_on, *, pk=None) -> dict:
    return {
        "company_grants-TOTAL_FORMS": "1",
        "company_grants-INITIAL_FORMS": "1" if pk else "0",
        **({"company_grants-0-id": pk, "company_grants-0-user": ""} if pk else {}),
        "company_grants-0-level": "owner",
        "company_grants-0-company": company.pk,
        "company_grants-0-role": role.pk,
        "company_grants-0-ends_on": ends_on.isoformat() if ends_on else "",
    }


def test_the_user_page_moves_a_roles_end_and_the_history_says_so(admin_client, customer_company):
    person = UserFactory(company=customer_company)
    grant = grant_company_role(person, Level.OWNER, customer_company, "customer")
    end = timezone.localdate() + timedelta(days=60)
    data = admin_user_change_form(person, **grant_row(customer_company, grant.role, end, pk=grant.pk))
    data["company_grants-0-user"] = person.pk

    response = admin_client.post(reverse("admin:accounts_user_change", args=[person.pk]), data)

    assert response.status_code == 302
    assert CompanyGrant.objects.get(pk=grant.pk).ends_on == end
    assert AuditLogEntry.objects.filter(action="grant.end_set", subject_user=person).exists()


def test_an_end_today_is_refused_on_the_form_and_nothing_changes(admin_client, customer_company):
    person = UserFactory(company=customer_company)
    grant = grant_company_role(person, Level.OWNER, customer_company, "customer")
    data = admin_user_change_form(person, **grant_row(customer_company, grant.role, timezone.localdate(), pk=grant.pk))
    data["company_grants-0-user"] = person.pk

    response = admin_client.post(reverse("admin:accounts_user_change", args=[person.pk]), data)

    assert response.status_code == 200
    assert "The end date must lie after today" in response.content.decode()
    assert CompanyGrant.objects.get(pk=grant.pk).ends_on is None


def test_a_role_on_an_entity_is_given_with_an_end_in_the_admin(admin_client, customer_company, role):
    person = UserFactory(company=customer_company)
    entity = BusinessEntityFactory(instance=customer_company.instance, customer=customer_company)
    end = timezone.localdate() + timedelta(days=30)

    response = admin_client.post(
        reverse("admin:entities_entitygrant_add"),
        {"user": person.pk, "content_object": entity.pk, "role": role("customer").pk, "ends_on": end.isoformat()},
    )

    assert response.status_code == 302
    assert EntityGrant.objects.get(user=person).ends_on == end
