"""The Django admin's roles on single entities: their own paged changelist, saved through the grant services."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from entities.models import AuditLogEntry, EntityGrant, Role
from tests.factories import UserFactory, grant_entity_role, owned_by

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(owner_a):
    return UserFactory(company=owner_a, email="erika@owner-a.example")


@pytest.fixture
def buildings(instance, owner_a):
    return owned_by(instance, owner_a, "Haus 1", "Haus 2")


def test_the_user_page_counts_the_roles_and_links_them_instead_of_listing_them(admin_client, person, buildings):
    for building in buildings:
        grant_entity_role(person, building, "customer")

    page = admin_client.get(reverse("admin:accounts_user_change", args=[person.pk])).content.decode()

    assert 'name="entitygrant_set-TOTAL_FORMS"' not in page
    assert f"{reverse('admin:entities_entitygrant_changelist')}?person={person.pk}" in page


def test_the_changelist_shows_one_persons_roles(admin_client, person, buildings, owner_a):
    grant_entity_role(person, buildings[0], "customer")
    grant_entity_role(UserFactory(company=owner_a), buildings[1], "customer")

    page = admin_client.get(reverse("admin:entities_entitygrant_changelist"), {"person": person.pk})

    assert [grant.user_id for grant in page.context["cl"].result_list] == [person.pk]


def test_a_role_added_in_the_admin_is_audited_with_its_giver(admin_client, operator_admin, person, buildings):
    response = admin_client.post(
        reverse("admin:entities_entitygrant_add"),
        {"user": person.pk, "content_object": buildings[0].pk, "role": Role.objects.get(code="customer").pk},
    )

    grant = EntityGrant.objects.get(user=person)
    assert response.status_code == 302
    assert grant.granted_by == operator_admin
    assert AuditLogEntry.objects.filter(action="grant.created", subject_user_id=person.pk).exists()


def test_a_role_changed_and_deleted_in_the_admin_is_audited(admin_client, person, buildings):
    grant = grant_entity_role(person, buildings[0], "customer")
    url = reverse("admin:entities_entitygrant_change", args=[grant.pk])

    admin_client.post(
        url, {"user": person.pk, "content_object": buildings[0].pk, "role": Role.objects.get(code="manager").pk}
    )
    admin_client.post(reverse("admin:entities_entitygrant_delete", args=[grant.pk]), {"post": "yes"})

    assert not EntityGrant.objects.filter(user=person).exists()
    actions = list(AuditLogEntry.objects.filter(subject_user_id=person.pk).values_list("action", flat=True))
    assert "grant.changed" in actions and "grant.deleted" in actions


def test_the_changelist_never_counts_every_role(admin_client, person, buildings):
    grant_entity_role(person, buildings[0], "customer")

    with CaptureQueriesContext(connection) as queries:
        admin_client.get(reverse("admin:entities_entitygrant_changelist"))

    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper() and "entities_entitygrant" in q["sql"]]
    assert counts and all("LIMIT" in sql.upper() for sql in counts), counts
