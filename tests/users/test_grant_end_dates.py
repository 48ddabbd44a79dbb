"""User Management gives, moves and takes away a role's end date through the same services as the role itself."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from entities.models import AuditLogEntry, CompanyGrant, EntityGrant, Level, Role
from tests.factories import BusinessEntityFactory, UserFactory
from users.services import CompanyGrantRequest, EntityGrantRequest, user_edit, user_invite

pytestmark = pytest.mark.django_db


@pytest.fixture
def end():
    return timezone.localdate() + timedelta(days=90)


@pytest.fixture
def customer():
    return Role.objects.get(code="customer")


def edit(pm, person, company_grants, entity_grants=()):
    return user_edit(
        actor=pm,
        instance=person.company.instance,
        user=person,
        company_grants=list(company_grants),
        entity_grants=list(entity_grants),
    )


def test_a_new_person_gets_a_role_with_an_end_date(pm, companies, customer, end):
    person, _welcome = user_invite(
        actor=pm,
        instance=companies["A"].instance,
        company_grants=[CompanyGrantRequest(Level.OWNER, companies["A"], customer, end)],
        entity_grants=[],
        email="kim@owner-a.example",
        company=companies["A"],
    )

    grant = CompanyGrant.objects.get(user=person)
    assert grant.ends_on == end and grant.granted_by == pm


def test_an_edit_moves_the_end_and_keeps_it_while_the_row_is_unchanged(pm, companies, customer, end):
    person = UserFactory(company=companies["A"])
    edit(pm, person, [CompanyGrantRequest(Level.OWNER, companies["A"], customer, end)])

    edit(pm, person, [CompanyGrantRequest(Level.OWNER, companies["A"], customer, end)])
    edit(pm, person, [CompanyGrantRequest(Level.OWNER, companies["A"], customer, end + timedelta(days=30))])
    edit(pm, person, [CompanyGrantRequest(Level.OWNER, companies["A"], customer, None)])

    assert CompanyGrant.objects.get(user=person).ends_on is None
    moves = AuditLogEntry.objects.filter(subject_user=person, action="grant.end_set").order_by("pk")
    assert [entry.changes["ends_on"][1] for entry in moves] == [(end + timedelta(days=30)).isoformat(), None]


def test_an_end_on_a_single_entity_role(pm, companies, customer, end, instance):
    person = UserFactory(company=companies["A"])
    entity = BusinessEntityFactory(instance=instance, owner=companies["A"])

    edit(pm, person, [], [EntityGrantRequest(entity, customer, end)])

    assert EntityGrant.objects.get(user=person).ends_on == end


def test_an_end_in_the_past_saves_nothing(pm, companies, customer):
    person = UserFactory(company=companies["A"], first_name="Kim")

    with pytest.raises(ValidationError):
        edit(pm, person, [CompanyGrantRequest(Level.OWNER, companies["A"], customer, timezone.localdate())])

    assert not CompanyGrant.objects.filter(user=person).exists()
