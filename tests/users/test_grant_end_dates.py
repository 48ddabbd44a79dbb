"""User Management gives, moves and takes away a role's end date through the same services as the role itself."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from entities.models import AuditLogEntry, CompanyGrant, EntityGrant, Level, Role
from entities.services import company_grant_create, hold_role_permission
from tests.factories import BusinessEntityFactory, UserFactory
from tests.support.forms import edit_url, user_page_form
from tests.support.urls import users_url
from users.imports import read_people
from users.permissions import manager_reach
from users.services import (
    BulkAction,
    BulkKind,
    CompanyGrantRequest,
    EntityGrantRequest,
    entity_grants_give,
    people_import,
    user_edit,
    user_invite,
    users_bulk_apply,
)

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


# --- the pages ---------------------------------------------------------------------------------


def test_the_user_page_saves_an_end_date_and_shows_it_again(client, login, pm, companies, customer, end):
    person = UserFactory(company=companies["A"], email="kim@owner-a.example")
    edit(pm, person, [CompanyGrantRequest(Level.OWNER, companies["A"], customer)])
    login(pm)

    saved = client.post(
        edit_url(companies["A"], person),
        user_page_form(person, companies["A"], customer, **{"company-0-ends_on": end.isoformat()}),
    )
    page = client.get(edit_url(companies["A"], person)).content.decode()
    listed = client.get(users_url(companies["A"].instance)).content.decode()

    assert saved.status_code == 302
    assert CompanyGrant.objects.get(user=person).ends_on == end
    assert f'name="company-0-ends_on" value="{end.isoformat()}"' in page
    assert f"ends {date_format(end, 'SHORT_DATE_FORMAT')}" in listed


def test_an_end_date_today_is_refused_next_to_the_field_and_nothing_saved(client, login, pm, companies, customer):
    person = UserFactory(company=companies["A"], email="kim@owner-a.example")
    edit(pm, person, [CompanyGrantRequest(Level.OWNER, companies["A"], customer)])
    login(pm)

    refused = client.post(
        edit_url(companies["A"], person),
        user_page_form(person, companies["A"], customer, **{"company-0-ends_on": timezone.localdate().isoformat()}),
    )

    assert refused.status_code == 400
    assert "The end date must lie after today" in refused.content.decode()
    assert CompanyGrant.objects.get(user=person).ends_on is None


def test_an_end_date_that_has_not_changed_is_kept_on_save(client, login, pm, companies, customer, end):
    """A stored end is kept however the page posts it back, even on the day before it comes."""
    person = UserFactory(company=companies["A"], email="kim@owner-a.example")
    edit(pm, person, [CompanyGrantRequest(Level.OWNER, companies["A"], customer, end)])
    login(pm)

    saved = client.post(
        edit_url(companies["A"], person),
        user_page_form(person, companies["A"], customer, first_name="Kimi", **{"company-0-ends_on": end.isoformat()}),
    )

    assert saved.status_code == 302
    assert CompanyGrant.objects.get(user=person).ends_on == end


def test_the_entity_roles_page_gives_roles_with_an_end_and_moves_the_end_of_chosen_rows(
    client, login, pm, companies, customer, end, instance
):
    person = UserFactory(company=companies["A"], email="kim@owner-a.example")
    aarau, basel = (BusinessEntityFactory(instance=instance, owner=companies["A"], name=n) for n in ("Aarau", "Basel"))
    url = reverse("users:user-entity-grants", kwargs={"instance_slug": instance.slug, "pk": person.pk})
    login(pm)

    client.post(
        f"{url}?find=a",
        {"op": "give", "entities": [aarau.pk, basel.pk], "role": customer.pk, "ends_on": end.isoformat(),
         "confirm_lowering": "1"},
    )  # fmt: skip
    later = end + timedelta(days=10)
    aarau_grant = EntityGrant.objects.get(user=person, content_object=aarau)
    client.post(url, {"op": "rows", "grants": [aarau_grant.pk], "action": "end", "ends_on": later.isoformat()})
    page = client.get(url).content.decode()

    ends = dict(EntityGrant.objects.filter(user=person).values_list("content_object__name", "ends_on"))
    assert ends == {"Aarau": later, "Basel": end}
    assert f"ends {date_format(later, 'SHORT_DATE_FORMAT')}" in page


def test_a_forged_row_of_another_person_moves_no_end(client, login, pm, companies, customer, end, instance):
    person, other = UserFactory(company=companies["A"]), UserFactory(company=companies["A"])
    entity = BusinessEntityFactory(instance=instance, owner=companies["A"])
    theirs = EntityGrant.objects.create(
        user=other, content_object=entity, role=customer, permission=hold_role_permission()
    )
    url = reverse("users:user-entity-grants", kwargs={"instance_slug": instance.slug, "pk": person.pk})
    login(pm)

    response = client.post(url, {"op": "rows", "grants": [theirs.pk], "action": "end", "ends_on": end.isoformat()})

    assert response.status_code == 404
    assert EntityGrant.objects.get(pk=theirs.pk).ends_on is None


# --- bulk actions and the CSV import ----------------------------------------------------------------------


def test_a_bulk_role_with_an_end_gives_new_roles_that_end_and_ends_those_already_held(
    projectmanager_a, owner_a, customer, end
):
    holder, newcomer = UserFactory(company=owner_a), UserFactory(company=owner_a)
    company_grant_create(actor=None, user=holder, level=Level.OWNER, company=owner_a, role=customer)

    result = users_bulk_apply(
        actor=projectmanager_a,
        instance=owner_a.instance,
        user_ids=[holder.pk, newcomer.pk],
        action=BulkAction(BulkKind.GIVE_ROLE, Level.OWNER, owner_a, customer, end),
    )

    assert result.changed == 2
    assert set(CompanyGrant.objects.filter(company=owner_a, role=customer).values_list("user_id", "ends_on")) == {
        (holder.pk, end),
        (newcomer.pk, end),
    }


@pytest.mark.parametrize("written", ["{iso}", "{swiss}"])
def test_an_imported_line_gives_its_roles_the_end_in_its_ends_on_column(projectmanager_a, owner_a, end, written):
    cell = written.format(iso=end.isoformat(), swiss=end.strftime("%d.%m.%Y"))
    raw = f"email,company,roles,ends_on\nnora@owner-a.example,Owner A,Owner · Owner A: Customer,{cell}\n".encode()

    plan = read_people(raw, manager_reach(projectmanager_a, owner_a.instance))
    people_import(actor=projectmanager_a, instance=owner_a.instance, plan=plan)

    assert CompanyGrant.objects.get(user__email="nora@owner-a.example").ends_on == end


@pytest.mark.parametrize("cell", ["next spring", "{today}"])
def test_an_imported_end_that_is_no_date_or_not_ahead_is_an_error_of_its_line(projectmanager_a, owner_a, cell):
    cell = cell.format(today=timezone.localdate().isoformat())
    raw = f"email,company,roles,ends_on\nnora@owner-a.example,Owner A,Owner · Owner A: Customer,{cell}\n".encode()

    plan = read_people(raw, manager_reach(projectmanager_a, owner_a.instance))

    assert plan.saves_nothing
    assert plan.people[0].errors[0].startswith("Line 2: ")


def test_giving_a_role_with_an_end_where_it_is_held_gives_the_held_role_that_end(
    pm, companies, customer, end, instance
):
    person = UserFactory(company=companies["A"])
    entity = BusinessEntityFactory(instance=instance, owner=companies["A"])
    edit(pm, person, [], [EntityGrantRequest(entity, customer)])

    entity_grants_give(actor=pm, instance=instance, user=person, entities=[entity], role=customer, ends_on=end)

    assert EntityGrant.objects.get(user=person).ends_on == end
