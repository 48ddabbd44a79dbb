"""Many roles on single entities in one statement: each held to the rules of a single grant, each audited."""

import pytest
from django.core.exceptions import ValidationError

from entities.models import AuditLogEntry, EntityGrant, Role
from entities.services import entity_grants_create
from tests.factories import UserFactory, grant_entity_role, owned_by

pytestmark = pytest.mark.django_db


@pytest.fixture
def buildings(instance, owner_a):
    return owned_by(instance, owner_a, "Haus 1", "Haus 2", "Haus 3")


def test_every_grant_is_written_with_its_own_audit_entry(owner_a, buildings, operator_staff):
    person = UserFactory(company=owner_a)

    entity_grants_create(actor=operator_staff, user=person, entities=buildings, role=Role.objects.get(code="customer"))

    assert EntityGrant.objects.filter(user=person, granted_by=operator_staff).count() == 3
    entries = AuditLogEntry.objects.filter(action="grant.created", subject_user_id=person.pk)
    assert sorted(entry.params["entity"] for entry in entries) == sorted(b.pk for b in buildings)


def test_a_role_already_held_on_one_of_them_writes_none(owner_a, buildings):
    person = UserFactory(company=owner_a)
    grant_entity_role(person, buildings[1], "customer")

    with pytest.raises(ValidationError):
        entity_grants_create(actor=None, user=person, entities=buildings, role=Role.objects.get(code="manager"))

    assert EntityGrant.objects.filter(user=person).count() == 1


def test_a_deactivated_person_gets_none(owner_a, buildings):
    person = UserFactory(company=owner_a, is_active=False)

    with pytest.raises(ValidationError):
        entity_grants_create(actor=None, user=person, entities=buildings, role=Role.objects.get(code="customer"))

    assert not EntityGrant.objects.filter(user=person).exists()


def test_an_entity_of_another_cockpit_is_refused(owner_a, other_instance):
    from tests.factories import CompanyFactory

    person = UserFactory(company=owner_a)
    foreign = owned_by(other_instance, CompanyFactory(instance=other_instance), "Fremd")

    with pytest.raises(ValidationError):
        entity_grants_create(actor=None, user=person, entities=foreign, role=Role.objects.get(code="customer"))

    assert not EntityGrant.objects.filter(user=person).exists()
