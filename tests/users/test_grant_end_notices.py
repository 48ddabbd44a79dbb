"""A week before a role ends, the person and whoever gave it get an email, each in their language, once; the worker
queues the notice and the end itself when the end date is set."""

from datetime import date, datetime, time, timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from entities.models import CompanyGrant, Level, Role
from entities.services import company_grant_create, entity_grant_create, grant_end_notice, grant_end_set
from outbox.models import OutgoingMessage
from tests.factories import BusinessEntityFactory, UserFactory
from tests.support.queue import DATABASE_TASKS

pytestmark = pytest.mark.django_db

END = date(2027, 3, 31)


@pytest.fixture(autouse=True)
def a_week_before(monkeypatch):
    moment = timezone.make_aware(datetime.combine(END - timedelta(days=7), time(8)))
    monkeypatch.setattr(timezone, "now", lambda: moment)


@pytest.fixture
def cleaner(companies):
    return UserFactory(company=companies["A"], email="kim@owner-a.example", first_name="Kim", language="de")


def given_until_end(pm, cleaner, companies) -> CompanyGrant:
    return company_grant_create(
        actor=pm,
        user=cleaner,
        level=Level.OWNER,
        company=companies["A"],
        role=Role.objects.get(code="customer"),
        ends_on=END,
    )


def test_the_person_and_the_one_who_gave_the_role_are_told_each_in_their_language(
    pm, cleaner, companies, django_capture_on_commit_callbacks
):
    grant = given_until_end(pm, cleaner, companies)

    with django_capture_on_commit_callbacks(execute=True):
        assert grant_end_notice.call("company", grant.pk, END.isoformat()) is True

    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert set(by_recipient) == {"kim@owner-a.example", "pm@owner-a.example"}
    to_person, to_giver = by_recipient["kim@owner-a.example"], by_recipient["pm@owner-a.example"]
    assert to_person.subject == "Ihre Rolle endet am 31. März 2027"
    assert "Wo: Eigentümer · Owner A" in to_person.body and "Rolle: Kundschaft" in to_person.body
    assert to_giver.subject == f"A role of {cleaner.get_full_name()} ends on 31 Mar 2027"
    assert f"/users/{cleaner.pk}/" in to_giver.body


def test_the_notice_goes_once_per_end_date(pm, cleaner, companies, django_capture_on_commit_callbacks):
    grant = given_until_end(pm, cleaner, companies)

    with django_capture_on_commit_callbacks(execute=True):
        grant_end_notice.call("company", grant.pk, END.isoformat())
        grant_end_set(actor=pm, grant=grant, ends_on=END + timedelta(days=1))
        grant_end_set(actor=pm, grant=CompanyGrant.objects.get(pk=grant.pk), ends_on=END)
        again = grant_end_notice.call("company", grant.pk, END.isoformat())

    assert again is False and len(mail.outbox) == 2


def test_a_notice_for_an_end_that_moved_or_went_is_not_sent(pm, cleaner, companies):
    grant = given_until_end(pm, cleaner, companies)
    grant_end_set(actor=pm, grant=grant, ends_on=None)

    assert grant_end_notice.call("company", grant.pk, END.isoformat()) is False
    assert not OutgoingMessage.objects.filter(kind="grant_end_notice").exists()


def test_an_entity_role_given_by_the_system_tells_only_the_person(
    cleaner, instance, django_capture_on_commit_callbacks
):
    entity = BusinessEntityFactory(instance=instance, owner=cleaner.company, name="Bahnhofstrasse 1")
    grant = entity_grant_create(
        actor=None, user=cleaner, entity=entity, role=Role.objects.get(code="customer"), ends_on=END
    )

    with django_capture_on_commit_callbacks(execute=True):
        grant_end_notice.call("entity", grant.pk, END.isoformat())

    (message,) = mail.outbox
    assert message.to == ["kim@owner-a.example"] and "Bahnhofstrasse 1" in message.body


def test_setting_an_end_queues_the_notice_a_week_before_and_the_end_at_midnight(
    settings, monkeypatch, pm, cleaner, companies
):
    settings.TASKS = DATABASE_TASKS
    monkeypatch.setattr(timezone, "now", lambda: timezone.make_aware(datetime(2027, 1, 10, 15)))

    given_until_end(pm, cleaner, companies)

    queued = {
        row.task_path.rsplit(".", 1)[1]: timezone.localtime(row.run_after)
        for row in DBTaskResult.objects.filter(task_path__startswith="entities.services.grant_end")
    }
    assert queued == {
        "grant_end_notice": timezone.make_aware(datetime(2027, 3, 24, 8)),
        "grant_end_record": timezone.make_aware(datetime(2027, 3, 31, 0)),
    }
