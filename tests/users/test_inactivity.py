"""Inactive people switched off (issue 29, point 3), on a frozen clock: a warning on day N − 7, once per idle stretch,
to the person and their manager; deactivation from day N, never sooner than a week after the warning; audited with
the reason; undone by reactivation. Idle days are counted in the cockpit's local dates (Europe/Zurich)."""

from datetime import date, datetime, time, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.models import InactivityNotice, InactivityPolicy, User
from entities.history import history_rows
from entities.models import AuditLogEntry, Level, Role
from entities.services import company_grant_create
from tests.factories import BusinessEntityFactory, InactivityPolicyFactory, UserFactory, grant_entity_role
from tests.support.queue import DATABASE_TASKS
from users.inactivity import (
    INACTIVITY_SOURCES,
    PersonKind,
    inactive_people_check,
    inactive_people_record,
    people_to_deactivate,
)
from users.permissions import manager_reach
from users.services import user_deactivate_inactive, user_reactivate

pytestmark = pytest.mark.django_db

# Before any real day the tests may run on: people the fixtures make join "in the future" and are never idle.
TODAY = date(2025, 6, 2)


def at(day: date, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def days_ago(days: int, hour: int = 9) -> datetime:
    return at(TODAY - timedelta(days=days), hour)


class Clock:
    def __init__(self, monkeypatch):
        self.now = at(TODAY)
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def set(self, day: date, hour: int = 8) -> None:
        self.now = at(day, hour)


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def policy(instance):
    return InactivityPolicyFactory(instance=instance, days=90)


@pytest.fixture
def pm(companies):
    """Projectmanager of owner A, who signs in every day."""
    manager = UserFactory(
        company=companies["A"], email="pm@owner-a.example", first_name="Petra", last_login=at(TODAY, 7)
    )
    company_grant_create(
        actor=None,
        user=manager,
        level=Level.OWNER,
        company=companies["A"],
        role=Role.objects.get(code="projectmanager"),
    )
    return manager


def person(company, idle_days: int | None, *, joined_days_ago: int = 400, giver=None, **fields) -> User:
    """Someone of `company` who last signed in `idle_days` days ago (None: never), holding a role there given by
    `giver`."""
    user = UserFactory(
        company=company,
        date_joined=days_ago(joined_days_ago),
        last_login=None if idle_days is None else days_ago(idle_days),
        **fields,
    )
    company_grant_create(
        actor=giver, user=user, level=Level.OWNER, company=company, role=Role.objects.get(code="customer")
    )
    return user


def run(clock, day: date, capture) -> dict[str, int]:
    clock.set(day)
    with capture(execute=True):
        return inactive_people_record()


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


# --- the acceptance ---------------------------------------------------------------------------------------------


def test_idle_91_days_is_switched_off_and_idle_89_is_not(
    policy, companies, pm, clock, django_capture_on_commit_callbacks
):
    idle_91 = person(companies["A"], 91, giver=pm)
    idle_89 = person(companies["A"], 89, giver=pm)
    run(clock, TODAY - timedelta(days=8), django_capture_on_commit_callbacks)  # day 83 of the first: warned

    counts = run(clock, TODAY, django_capture_on_commit_callbacks)

    assert counts == {"warned": 1, "ended": 1}  # the second is warned today, on their day 89
    assert fresh(idle_91).is_active is False
    assert fresh(idle_89).is_active is True


def test_the_warning_goes_on_day_83_once_and_the_end_comes_on_day_90(
    policy, companies, pm, clock, django_capture_on_commit_callbacks
):
    last_sign_in = TODAY - timedelta(days=100)
    kim = person(companies["A"], 100, giver=pm, email="kim@owner-a.example")
    mails_by_day, active_by_day = {}, {}

    for day in range(80, 93):
        for _run in range(2):  # a second worker run the same day
            run(clock, last_sign_in + timedelta(days=day), django_capture_on_commit_callbacks)
        mails_by_day[day] = sorted(message.to[0] for message in mail.outbox)
        active_by_day[day] = fresh(kim).is_active
        mail.outbox.clear()

    assert {day: to for day, to in mails_by_day.items() if to} == {83: ["kim@owner-a.example", "pm@owner-a.example"]}
    assert [day for day, active in active_by_day.items() if not active] == list(range(90, 93))
    assert InactivityNotice.objects.get(user=kim).idle_since == last_sign_in


def test_with_the_policy_off_nobody_is_warned_or_switched_off(
    companies, instance, clock, django_capture_on_commit_callbacks
):
    idle = person(companies["A"], 300)
    InactivityPolicyFactory(instance=instance, enabled=False)

    assert run(clock, TODAY, django_capture_on_commit_callbacks) == {"warned": 0, "ended": 0}
    assert run(clock, TODAY + timedelta(days=8), django_capture_on_commit_callbacks) == {"warned": 0, "ended": 0}
    assert fresh(idle).is_active and not mail.outbox


def test_a_cockpit_without_a_policy_switches_nobody_off(companies, clock, django_capture_on_commit_callbacks):
    idle = person(companies["A"], 300)

    run(clock, TODAY + timedelta(days=8), django_capture_on_commit_callbacks)

    assert fresh(idle).is_active and not mail.outbox
    assert InactivityPolicy._meta.get_field("enabled").default is False


def test_operator_staff_are_left_alone_without_the_explicit_setting(
    policy, operator_company, clock, django_capture_on_commit_callbacks
):
    staff = person(operator_company, 300, is_staff=True)
    colleague = person(operator_company, 300)

    run(clock, TODAY - timedelta(days=8), django_capture_on_commit_callbacks)
    run(clock, TODAY, django_capture_on_commit_callbacks)

    assert fresh(staff).is_active is True
    assert fresh(colleague).is_active is False  # an operator employee without the admin is no exception


def test_operator_staff_are_switched_off_with_the_explicit_setting(
    policy, operator_company, clock, django_capture_on_commit_callbacks
):
    policy.include_operator_staff = True
    policy.save()
    staff = person(operator_company, 300, is_staff=True)

    run(clock, TODAY - timedelta(days=8), django_capture_on_commit_callbacks)
    run(clock, TODAY, django_capture_on_commit_callbacks)

    assert fresh(staff).is_active is False


def test_external_people_have_their_own_limit(policy, companies, pm, clock, django_capture_on_commit_callbacks):
    policy.external_days = 30
    policy.save()
    employee = person(companies["A"], 31, giver=pm)
    external = person(companies["X"], 31, giver=None)  # employed by X ...
    company_grant_create(  # ... and holding a role at A
        actor=pm, user=external, level=Level.OWNER, company=companies["A"], role=Role.objects.get(code="customer")
    )

    run(clock, TODAY - timedelta(days=8), django_capture_on_commit_callbacks)
    run(clock, TODAY, django_capture_on_commit_callbacks)

    assert fresh(external).is_active is False
    assert fresh(employee).is_active is True
    assert not InactivityNotice.objects.filter(user=employee).exists()


def test_a_role_on_an_entity_of_another_company_makes_someone_external(
    policy, instance, companies, pm, clock, django_capture_on_commit_callbacks
):
    policy.external_days = 30
    policy.save()
    external = person(companies["X"], 40)
    grant_entity_role(external, BusinessEntityFactory(instance=instance, owner=companies["A"]), "customer")
    at_home = person(companies["X"], 40)
    grant_entity_role(at_home, BusinessEntityFactory(instance=instance, customer=companies["X"]), "customer")

    people = INACTIVITY_SOURCES["users"].candidates(policy, TODAY, None)

    assert {(found.user, found.kind, found.limit) for found in people} == {(external, PersonKind.EXTERNAL, 30)}


def test_a_person_who_never_signed_in_counts_from_joining(policy, companies, clock, django_capture_on_commit_callbacks):
    invited = person(companies["A"], None, joined_days_ago=83)
    later = person(companies["A"], None, joined_days_ago=82)

    run(clock, TODAY, django_capture_on_commit_callbacks)

    assert InactivityNotice.objects.get(user=invited).idle_since == TODAY - timedelta(days=83)
    assert not InactivityNotice.objects.filter(user=later).exists()


def test_a_sign_in_after_the_warning_starts_a_new_stretch(
    policy, companies, pm, clock, django_capture_on_commit_callbacks
):
    start = TODAY - timedelta(days=83)
    kim = person(companies["A"], 83, giver=pm)
    run(clock, TODAY, django_capture_on_commit_callbacks)
    User.objects.filter(pk=kim.pk).update(last_login=at(TODAY + timedelta(days=2), 10))
    mail.outbox.clear()

    run(clock, start + timedelta(days=90), django_capture_on_commit_callbacks)
    run(clock, TODAY + timedelta(days=2 + 82), django_capture_on_commit_callbacks)
    assert fresh(kim).is_active and not mail.outbox

    run(clock, TODAY + timedelta(days=2 + 83), django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 2
    assert InactivityNotice.objects.get(user=kim).idle_since == TODAY + timedelta(days=2)


def test_someone_idle_long_before_the_policy_is_warned_first_and_switched_off_a_week_later(
    policy, companies, clock, django_capture_on_commit_callbacks
):
    long_gone = person(companies["A"], 400)

    assert run(clock, TODAY, django_capture_on_commit_callbacks) == {"warned": 1, "ended": 0}
    run(clock, TODAY + timedelta(days=6), django_capture_on_commit_callbacks)
    assert fresh(long_gone).is_active is True

    run(clock, TODAY + timedelta(days=7), django_capture_on_commit_callbacks)
    assert fresh(long_gone).is_active is False


def test_the_day_counts_in_the_cockpit_s_time_zone(policy, companies, clock, django_capture_on_commit_callbacks):
    # 00:00 in Zurich on day 82 is still day 83 in UTC: the cockpit's day counts.
    evening = UserFactory(company=companies["A"], date_joined=days_ago(400), last_login=days_ago(83, hour=23))
    after_midnight = UserFactory(company=companies["A"], date_joined=days_ago(400), last_login=days_ago(82, hour=0))

    run(clock, TODAY, django_capture_on_commit_callbacks)

    assert InactivityNotice.objects.filter(user=evening).exists()
    assert not InactivityNotice.objects.filter(user=after_midnight).exists()


# --- the record of it, and undoing it ---------------------------------------------------------------------------


def test_the_deactivation_is_audited_with_the_reason(policy, companies, pm, clock, django_capture_on_commit_callbacks):
    kim = person(companies["A"], 91, giver=pm, first_name="Kim", last_name="Keller")
    run(clock, TODAY - timedelta(days=8), django_capture_on_commit_callbacks)

    run(clock, TODAY, django_capture_on_commit_callbacks)

    entry = AuditLogEntry.objects.get(action="user.deactivated_inactive")
    assert (entry.actor_id, entry.actor_label, entry.subject_user_id, entry.instance_id) == (
        None,
        "system",
        kim.pk,
        companies["A"].instance_id,
    )
    assert entry.changes == {
        "is_active": [True, False],
        "days_without_sign_in": [None, 91],
        "inactivity_limit": [None, 90],
    }
    (row,) = history_rows([entry])
    assert row.sentence.startswith("User removed for inactivity by the system, concerning Kim Keller")
    assert ("Days without sign-in", "—", "91") in row.changes
    assert ("Limit (days without sign-in)", "—", "90") in row.changes


def test_the_deactivation_ends_every_session(policy, companies, clock, client, django_capture_on_commit_callbacks):
    kim = person(companies["A"], 91)
    client.force_login(kim)
    User.objects.filter(pk=kim.pk).update(last_login=days_ago(91))  # signing in here counted as a sign-in
    run(clock, TODAY - timedelta(days=8), django_capture_on_commit_callbacks)

    run(clock, TODAY, django_capture_on_commit_callbacks)

    assert not fresh(kim).has_usable_password()
    assert client.get(f"/c/{companies['A'].instance.slug}/").wsgi_request.user.is_anonymous


def test_reactivation_undoes_it_and_the_count_starts_again(
    policy, companies, operator_admin, clock, django_capture_on_commit_callbacks
):
    kim = person(companies["A"], 91)
    run(clock, TODAY - timedelta(days=8), django_capture_on_commit_callbacks)
    run(clock, TODAY, django_capture_on_commit_callbacks)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        user_reactivate(actor=operator_admin, instance=companies["A"].instance, user=fresh(kim))
    run(clock, TODAY + timedelta(days=1), django_capture_on_commit_callbacks)
    run(clock, TODAY + timedelta(days=82), django_capture_on_commit_callbacks)

    assert fresh(kim).is_active is True
    assert [message.to for message in mail.outbox] == [[kim.email]]  # the welcome email, no warning
    assert AuditLogEntry.objects.filter(action="user.reactivated", subject_user=kim).exists()

    run(clock, TODAY + timedelta(days=83), django_capture_on_commit_callbacks)
    assert InactivityNotice.objects.get(user=kim).idle_since == TODAY


def test_the_service_leaves_alone_someone_who_signed_in_meanwhile(policy, companies, instance):
    read = person(companies["A"], 91)
    User.objects.filter(pk=read.pk).update(last_login=timezone.now())

    assert user_deactivate_inactive(instance=instance, user=read, idle_days=91, limit=90) is False
    assert fresh(read).is_active is True
    assert not AuditLogEntry.objects.filter(action="user.deactivated_inactive").exists()


# --- the email --------------------------------------------------------------------------------------------------


def test_the_person_and_who_gave_them_their_role_are_warned_each_in_their_language(
    policy, companies, pm, clock, django_capture_on_commit_callbacks
):
    kim = person(companies["A"], 83, giver=pm, email="kim@owner-a.example", first_name="Kim", language="de")

    run(clock, TODAY, django_capture_on_commit_callbacks)

    by_recipient = {message.to[0]: message for message in mail.outbox}
    to_kim, to_pm = by_recipient["kim@owner-a.example"], by_recipient["pm@owner-a.example"]
    assert to_kim.subject == "Ihr Zugang endet am 9. Juni 2025, wenn Sie sich nicht anmelden"
    assert "seit dem 11. März 2025" in to_kim.body and f"/c/{companies['A'].instance.slug}/" in to_kim.body
    assert to_pm.subject == f"The access of {kim.get_full_name()} ends on 9 Jun 2025 for inactivity"
    assert "has not signed in to the cockpit" in to_pm.body and "q=kim%40owner-a.example" in to_pm.body


def test_without_an_active_giver_the_user_managers_of_their_company_are_warned(
    policy, companies, pm, clock, django_capture_on_commit_callbacks
):
    gone = UserFactory(company=companies["A"], is_active=False)
    person(companies["A"], 83, giver=gone, email="kim@owner-a.example")
    UserFactory(company=companies["A"], email="viewer@owner-a.example")  # no user-managing role

    run(clock, TODAY, django_capture_on_commit_callbacks)

    assert sorted(message.to[0] for message in mail.outbox) == ["kim@owner-a.example", "pm@owner-a.example"]


def test_a_warning_already_given_for_the_stretch_is_not_given_again(policy, companies, instance, clock):
    kim = person(companies["A"], 83)
    InactivityNotice.objects.create(
        instance=instance, user=kim, idle_since=TODAY - timedelta(days=83), sent_at=timezone.now()
    )

    assert inactive_people_record() == {"warned": 0, "ended": 0}


# --- the worker and the command ---------------------------------------------------------------------------------


def test_the_command_runs_it_at_once(policy, companies, clock, django_capture_on_commit_callbacks):
    person(companies["A"], 83)
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("inactive_people_record", stdout=out)

    assert out.getvalue().strip() == "1 person(s) warned, 0 switched off for inactivity."


def waiting_runs():
    return DBTaskResult.objects.filter(task_path=inactive_people_check.module_path, status="READY")


def test_migrate_leaves_one_run_waiting_for_the_worker(settings):
    settings.TASKS = DATABASE_TASKS

    call_command("migrate", verbosity=0)
    call_command("migrate", verbosity=0)

    assert waiting_runs().count() == 1


def test_each_run_queues_the_next_for_8_o_clock(settings, clock):
    settings.TASKS = DATABASE_TASKS
    clock.set(TODAY, hour=8)

    inactive_people_check.call()

    (next_run,) = waiting_runs()
    assert timezone.localtime(next_run.run_after) == at(TODAY + timedelta(days=1), 8)


# --- for the dashboard --------------------------------------------------------------------------------------------


def test_a_manager_reads_who_in_their_reach_is_switched_off_within_a_week(
    policy, companies, pm, instance, clock, django_capture_on_commit_callbacks
):
    warned = person(companies["A"], 88)
    run(clock, TODAY - timedelta(days=5), django_capture_on_commit_callbacks)  # warned on their day 83
    clock.set(TODAY, hour=12)
    due_in_a_week = person(companies["A"], 85)  # warned at the next run
    person(companies["A"], 70)  # not for weeks
    person(companies["B"], 100)  # not the manager's

    due = people_to_deactivate(manager_reach(pm, instance))

    assert [(item.user, item.kind, item.on) for item in due] == [
        (warned, PersonKind.OWN, TODAY + timedelta(days=2)),
        (due_in_a_week, PersonKind.OWN, TODAY + timedelta(days=7)),
    ]
    assert due[0].url == f"/c/{instance.slug}/users/?q={warned.email.replace('@', '%40')}"


def test_a_manager_reads_nobody_while_the_policy_is_off(companies, pm, instance):
    person(companies["A"], 200)

    assert people_to_deactivate(manager_reach(pm, instance)) == []


def test_the_dashboard_s_list_reads_in_a_fixed_number_of_queries(
    policy, companies, pm, instance, django_assert_max_num_queries
):
    for _ in range(5):
        person(companies["A"], 100)
    reach = manager_reach(pm, instance)

    with django_assert_max_num_queries(8):
        assert len(people_to_deactivate(reach)) == 5
