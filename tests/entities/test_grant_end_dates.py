"""A grant's end date: from 00:00 of that day (the cockpit's time zone) the list, the single check, has_perm and
explain ignore it, whether the worker has removed it yet or not; the worker then removes it and the history says so."""

import io
from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from entities.access import explain_access
from entities.models import AuditLogEntry, CompanyGrant, EntityGrant, Level, Role
from entities.services import (
    company_grant_create,
    entity_grant_create,
    grant_end_record,
    grant_end_set,
    grant_ends_record,
)
from tests.factories import BusinessEntityFactory, CompanyFactory, OperatorCompanyFactory, UserFactory
from tests.support.access import agreed_answers

pytestmark = pytest.mark.django_db

END = date(2027, 3, 31)


@pytest.fixture
def clock(monkeypatch):
    """The cockpit's wall clock (Europe/Zurich), set by the test."""

    class Clock:
        def at(self, day: date, hour: int = 0, minute: int = 0) -> None:
            moment = timezone.make_aware(datetime.combine(day, time(hour, minute)))
            monkeypatch.setattr(timezone, "now", lambda: moment)

    clock = Clock()
    clock.at(END - timedelta(days=10), 9)
    return clock


@pytest.fixture
def owner(instance):
    return CompanyFactory(instance=instance, name="Owner A")


@pytest.fixture
def entity(instance, owner):
    return BusinessEntityFactory(instance=instance, name="Bahnhofstrasse 1", owner=owner)


@pytest.fixture
def person(owner):
    return UserFactory(company=owner, email="kim@owner-a.example")


def answers(person, entity) -> set:
    return agreed_answers(User.objects.get(pk=person.pk), entity)


def nothing(answers: set) -> bool:
    return answers == {("list", None), ("page", None), ("check", None), ("has_perm", False), ("explain", None)}


@pytest.mark.parametrize("kind", ["company", "entity"])
def test_the_grant_counts_until_the_last_minute_before_its_end_date_and_not_from_midnight(
    clock, kind, person, owner, entity
):
    role = Role.objects.get(code="customer")
    if kind == "company":
        company_grant_create(actor=None, user=person, level=Level.OWNER, company=owner, role=role, ends_on=END)
    else:
        entity_grant_create(actor=None, user=person, entity=entity, role=role, ends_on=END)

    clock.at(END - timedelta(days=1), 23, 59)
    assert ("check", (Level.OWNER if kind == "company" else Level.ENTITY, role.pk)) in answers(person, entity)

    clock.at(END, 0, 0)
    assert nothing(answers(person, entity))


def test_a_role_on_a_company_still_decides_when_the_entity_grant_before_it_ended(clock, person, owner, entity):
    customer, manager = Role.objects.get(code="customer"), Role.objects.get(code="manager")
    company_grant_create(actor=None, user=person, level=Level.OWNER, company=owner, role=manager)
    entity_grant_create(actor=None, user=person, entity=entity, role=customer, ends_on=END)

    clock.at(END)

    assert ("check", (Level.OWNER, manager.pk)) in answers(person, entity)


def test_an_end_date_today_or_before_is_refused_with_a_clear_message(clock, person, owner):
    role = Role.objects.get(code="customer")

    with pytest.raises(ValidationError) as refused:
        company_grant_create(
            actor=None, user=person, level=Level.OWNER, company=owner, role=role, ends_on=timezone.localdate()
        )

    assert "The end date must lie after today" in str(refused.value.message_dict["ends_on"])
    assert not CompanyGrant.objects.filter(user=person).exists()


def test_setting_moving_and_clearing_the_end_is_audited(clock, person, owner, operator_staff):
    grant = company_grant_create(
        actor=None, user=person, level=Level.OWNER, company=owner, role=Role.objects.get(code="customer")
    )

    grant_end_set(actor=operator_staff, grant=grant, ends_on=END)
    grant_end_set(actor=operator_staff, grant=grant, ends_on=None)

    entries = AuditLogEntry.objects.filter(action="grant.end_set", subject_user=person).order_by("pk")
    assert [entry.changes["ends_on"] for entry in entries] == [[None, "2027-03-31"], ["2027-03-31", None]]
    assert CompanyGrant.objects.get(pk=grant.pk).ends_on is None


def test_a_refused_end_leaves_the_grant_as_it_was(clock, person, owner):
    grant = company_grant_create(
        actor=None, user=person, level=Level.OWNER, company=owner, role=Role.objects.get(code="customer"), ends_on=END
    )

    with pytest.raises(ValidationError):
        grant_end_set(actor=None, grant=grant, ends_on=timezone.localdate() - timedelta(days=1))

    assert grant.ends_on == END and CompanyGrant.objects.get(pk=grant.pk).ends_on == END


def test_the_worker_removes_the_grant_when_its_end_comes_and_the_history_says_so(clock, person, entity):
    grant = entity_grant_create(
        actor=None, user=person, entity=entity, role=Role.objects.get(code="customer"), ends_on=END
    )

    assert grant_end_record.call("entity", grant.pk, END.isoformat()) is False  # not yet
    clock.at(END)
    assert grant_end_record.call("entity", grant.pk, END.isoformat()) is True
    assert grant_end_record.call("entity", grant.pk, END.isoformat()) is False  # once

    assert not EntityGrant.objects.filter(pk=grant.pk).exists()
    ended = AuditLogEntry.objects.get(action="grant.ended", subject_user=person)
    assert ended.actor_id is None and ended.changes["role"] == ["customer", None]


def test_a_task_for_an_end_date_that_moved_does_nothing(clock, person, owner):
    grant = company_grant_create(
        actor=None, user=person, level=Level.OWNER, company=owner, role=Role.objects.get(code="customer"), ends_on=END
    )
    grant_end_set(actor=None, grant=grant, ends_on=END + timedelta(days=30))

    clock.at(END)

    assert grant_end_record.call("company", grant.pk, END.isoformat()) is False
    assert CompanyGrant.objects.filter(pk=grant.pk).exists()


def test_ends_missed_while_no_worker_ran_are_recorded_by_the_command(clock, person, owner, entity):
    role = Role.objects.get(code="customer")
    company_grant_create(actor=None, user=person, level=Level.OWNER, company=owner, role=role, ends_on=END)
    entity_grant_create(actor=None, user=person, entity=entity, role=role, ends_on=END + timedelta(days=5))

    clock.at(END + timedelta(days=1))

    assert grant_ends_record() == 1
    assert not CompanyGrant.objects.filter(user=person).exists() and EntityGrant.objects.filter(user=person).exists()


def test_explain_names_the_ended_grant_and_why_it_no_longer_counts(clock, person, owner, entity):
    company_grant_create(
        actor=None, user=person, level=Level.OWNER, company=owner, role=Role.objects.get(code="customer"), ends_on=END
    )
    clock.at(END)

    explanation = explain_access(User.objects.get(pk=person.pk).access_subject(), entity)

    (grant,) = explanation.grants
    assert not grant.applies and grant.note == "Ignored: the role's end date has come."


def test_show_all_ends_with_the_operator_project_manager_role_it_rests_on(clock, instance, entity):
    operator = OperatorCompanyFactory(instance=instance)
    pm = UserFactory(company=operator, email="pm@soobr.example")
    company_grant_create(
        actor=None,
        user=pm,
        level=Level.OWNER,
        company=operator,
        role=Role.objects.get(code="projectmanager"),
        ends_on=END,
    )
    User.objects.filter(pk=pm.pk).update(sees_all_entities=True, all_entities_role=Role.objects.get(code="customer"))
    assert ("has_perm", True) in answers(pm, entity)

    clock.at(END)

    assert nothing(answers(pm, entity))
    assert not User.objects.get(pk=pm.pk).holds_operator_project_manager_role()


def test_the_command_reports_what_it_removed(clock, person, owner):
    company_grant_create(
        actor=None, user=person, level=Level.OWNER, company=owner, role=Role.objects.get(code="customer"), ends_on=END
    )
    clock.at(END)
    out = io.StringIO()

    call_command("grant_ends_record", stdout=out)

    assert out.getvalue().startswith("1 ended role(s) removed")


@pytest.mark.parametrize(("language", "day"), [("en", "31 Mar 2027"), ("de", "31. März 2027")])
def test_the_history_writes_an_end_date_as_the_reader_writes_dates(clock, person, owner, language, day):
    from django.utils import translation

    from entities.history import history_rows

    grant = company_grant_create(
        actor=None, user=person, level=Level.OWNER, company=owner, role=Role.objects.get(code="customer")
    )
    grant_end_set(actor=None, grant=grant, ends_on=END)

    with translation.override(language):
        (row,) = history_rows(AuditLogEntry.objects.filter(action="grant.end_set"))

    assert [(before, after) for _label, before, after in row.changes] == [("—", day)]


def test_when_the_last_role_that_allows_chat_ends_chat_goes_off_with_it_audited(clock, person, owner):
    User.objects.filter(pk=person.pk).update(chat_enabled=True)
    grant = company_grant_create(
        actor=None,
        user=person,
        level=Level.OWNER,
        company=owner,
        role=Role.objects.get(code="team-leader"),
        ends_on=END,
    )

    clock.at(END, 0, 0)
    assert grant_end_record.call("company", grant.pk, END.isoformat()) is True

    assert User.objects.get(pk=person.pk).chat_enabled is False
    entry = AuditLogEntry.objects.get(action="user.chat_switched_off")
    assert (entry.actor, entry.subject_user_id, entry.changes) == (None, person.pk, {"chat_enabled": [True, False]})


def test_chat_stays_on_when_another_role_still_allows_it(clock, person, owner, entity):
    User.objects.filter(pk=person.pk).update(chat_enabled=True)
    role = Role.objects.get(code="team-leader")
    grant = company_grant_create(actor=None, user=person, level=Level.OWNER, company=owner, role=role, ends_on=END)
    entity_grant_create(actor=None, user=person, entity=entity, role=role)

    clock.at(END, 0, 0)
    grant_end_record.call("company", grant.pk, END.isoformat())

    assert User.objects.get(pk=person.pk).chat_enabled is True
    assert not AuditLogEntry.objects.filter(action="user.chat_switched_off").exists()
