"""Access reviews as services: started within the starter's reach, answered by its reviewers only, applied once
at the deadline in one transaction (each removal audited with the review's id), or stopped early."""

from datetime import datetime, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from entities.models import AuditLogEntry, CompanyGrant, EntityGrant, Level
from tests.factories import (
    BusinessEntityFactory,
    OperatorCompanyFactory,
    UserFactory,
    grant_company_role,
    grant_entity_role,
)
from users.models import AccessReviewRow, Decision, Outcome, ReviewerMode, ReviewState, ReviewSubject, Unanswered
from users.review_selectors import reviews_awaiting
from users.reviews import review_deadline_apply, review_deadlines_apply, review_decide, review_start, review_stop

pytestmark = pytest.mark.django_db

START = timezone.make_aware(datetime(2027, 3, 1, 9, 0))
DEADLINE = timezone.make_aware(datetime.combine(START.date() + timedelta(days=14), time.min))


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """The moment the services read; `clock.at = ...` moves it."""

    class Clock:
        at = START

    monkeypatch.setattr(timezone, "now", lambda: Clock.at)
    return Clock


@pytest.fixture
def externals(companies):
    """Ten people of Other X, each holding the Customer role at owner level on A (A's Projectmanager's reach)."""
    people = []
    for number in range(10):
        person = UserFactory(company=companies["X"], email=f"guest{number}@other-x.example", last_name=f"Guest{number}")
        grant_company_role(person, Level.OWNER, companies["A"], "customer")
        people.append(person)
    return people


def start(actor, instance, **overrides):
    values = {
        "company": None,
        "subject": ReviewSubject.EXTERNAL,
        "reviewer_mode": ReviewerMode.STARTER,
        "deadline": DEADLINE,
        "unanswered": Unanswered.REMOVE,
    }
    return review_start(actor=actor, instance=instance, **{**values, **overrides})


def answer_six(pm, instance, review) -> None:
    rows = list(review.rows.order_by("pk"))
    decisions = {row.pk: (Decision.KEEP, "still on the contract") for row in rows[:4]}
    decisions |= {row.pk: (Decision.REMOVE, "left") for row in rows[4:6]}
    review_decide(actor=pm, instance=instance, review=review, decisions=decisions)


def test_review_start_snapshots_the_external_people_of_the_company(pm, instance, companies, externals):
    colleague = UserFactory(company=companies["A"])
    grant_company_role(colleague, Level.OWNER, companies["A"], "customer")

    review = start(pm, instance, company=companies["A"])

    assert review.rows.count() == 10
    assert set(review.rows.values_list("person_id", flat=True)) == {person.pk for person in externals}
    assert set(review.rows.values_list("reviewer_id", flat=True)) == {pm.pk}
    assert AuditLogEntry.objects.filter(action="review.started", params__review=review.pk).count() == 1


def test_no_answer_means_remove_removes_the_removed_and_the_unanswered_at_the_deadline(
    pm, instance, companies, externals, clock
):
    review = start(pm, instance, company=companies["A"], unanswered=Unanswered.REMOVE)
    answer_six(pm, instance, review)

    clock.at = DEADLINE
    assert review_deadline_apply.call(review.pk) is True

    assert CompanyGrant.objects.filter(company=companies["A"], user__in=externals).count() == 4
    removals = AuditLogEntry.objects.filter(action="grant.deleted", params__review=review.pk)
    assert removals.count() == 6
    assert review.rows.filter(outcome=Outcome.REMOVED).count() == 6
    review.refresh_from_db()
    assert review.state == ReviewState.APPLIED and review.finished_at == DEADLINE


def test_no_answer_means_keep_removes_only_the_removed(pm, instance, companies, externals, clock):
    review = start(pm, instance, company=companies["A"], unanswered=Unanswered.KEEP)
    answer_six(pm, instance, review)

    clock.at = DEADLINE
    review_deadline_apply.call(review.pk)

    assert CompanyGrant.objects.filter(company=companies["A"], user__in=externals).count() == 8
    assert AuditLogEntry.objects.filter(action="grant.deleted", params__review=review.pk).count() == 2


def test_a_removal_is_audited_as_its_reviewer_and_an_unanswered_one_as_the_starter(
    pm, instance, companies, externals, clock
):
    review = start(pm, instance, company=companies["A"], unanswered=Unanswered.REMOVE)
    answer_six(pm, instance, review)

    clock.at = DEADLINE
    review_deadline_apply.call(review.pk)

    actors = set(AuditLogEntry.objects.filter(params__review=review.pk, action="grant.deleted").values_list("actor"))
    assert actors == {(pm.pk,)}


def test_a_review_removing_the_last_role_that_allows_chat_switches_chat_off(pm, instance, companies, clock):
    from accounts.models import User

    guest = UserFactory(company=companies["X"], email="chatty@other-x.example", chat_enabled=True)
    grant_company_role(guest, Level.OWNER, companies["A"], "team-leader")
    review = start(pm, instance, company=companies["A"], unanswered=Unanswered.REMOVE)

    clock.at = DEADLINE
    review_deadline_apply.call(review.pk)

    assert not CompanyGrant.objects.filter(user=guest).exists()
    assert User.objects.get(pk=guest.pk).chat_enabled is False
    assert AuditLogEntry.objects.get(action="user.chat_switched_off").actor_id == pm.pk


def test_the_deadline_applies_once(pm, instance, companies, externals, clock):
    review = start(pm, instance, company=companies["A"])
    clock.at = DEADLINE
    review_deadline_apply.call(review.pk)

    assert review_deadline_apply.call(review.pk) is False
    assert review_deadlines_apply() == 0
    assert AuditLogEntry.objects.filter(action="review.applied").count() == 1


def test_the_deadline_task_before_the_deadline_does_nothing(pm, instance, companies, externals):
    review = start(pm, instance, company=companies["A"])

    assert review_deadline_apply.call(review.pk) is False
    assert CompanyGrant.objects.filter(user__in=externals).count() == 10


def test_the_backstop_applies_a_review_whose_deadline_passed(pm, instance, companies, externals, clock):
    review = start(pm, instance, company=companies["A"])
    clock.at = DEADLINE + timedelta(days=3)

    assert review_deadlines_apply() == 1
    review.refresh_from_db()
    assert review.state == ReviewState.APPLIED


def test_a_row_whose_access_went_meanwhile_reads_already_gone(pm, instance, companies, externals, clock):
    review = start(pm, instance, company=companies["A"])
    CompanyGrant.objects.filter(user=externals[0]).delete()

    clock.at = DEADLINE
    review_deadline_apply.call(review.pk)

    assert review.rows.get(person=externals[0]).outcome == Outcome.GONE
    assert review.rows.filter(outcome=Outcome.REMOVED).count() == 9


def test_a_removal_outside_the_removers_reach_at_the_deadline_is_refused_and_the_rest_is_done(
    pm, instance, companies, externals, clock
):
    review = start(pm, instance, company=companies["A"])
    row = review.rows.get(person=externals[0])
    review_decide(actor=pm, instance=instance, review=review, decisions={row.pk: (Decision.REMOVE, "")})
    # The reviewer's own role is taken from them before the deadline: nothing they decided can be carried out.
    CompanyGrant.objects.filter(user=pm).delete()

    clock.at = DEADLINE
    review_deadline_apply.call(review.pk)

    assert review.rows.filter(outcome=Outcome.REFUSED).count() == 10
    assert CompanyGrant.objects.filter(user__in=externals).count() == 10


def test_starting_a_review_of_a_company_outside_the_reach_is_refused(pm, instance, companies, externals):
    with pytest.raises(PermissionDenied):
        start(pm, instance, company=companies["B"])

    assert not AccessReviewRow.objects.exists()


def test_starting_a_review_needs_a_user_manager(colleague, instance, companies, externals):
    with pytest.raises(PermissionDenied):
        start(colleague, instance, company=companies["A"])


def test_a_review_with_nothing_in_its_scope_is_refused(pm, instance, companies):
    with pytest.raises(ValidationError, match="nothing to review"):
        start(pm, instance, company=companies["A"])


def test_a_deadline_in_the_past_is_refused(pm, instance, companies, externals):
    with pytest.raises(ValidationError, match="future"):
        start(pm, instance, company=companies["A"], deadline=START - timedelta(hours=1))


def test_the_whole_reach_lists_only_what_the_starter_may_remove(pm, ppm, instance, companies, externals):
    outsider = UserFactory(company=companies["X"])
    grant_company_role(outsider, Level.SERVICE_PROVIDER, companies["B"], "customer")

    review = start(pm, instance)

    assert outsider.pk not in set(review.rows.values_list("person_id", flat=True))
    assert review.rows.count() == 10


def test_only_inactive_people_are_reviewed_when_asked(pm, instance, companies, externals):
    for person in externals[:3]:
        person.last_login = START - timedelta(days=100)
        person.save(update_fields=["last_login"])
    for person in externals[3:]:
        person.last_login = START - timedelta(days=5)
        person.save(update_fields=["last_login"])

    review = start(pm, instance, company=companies["A"], inactive_days=90)

    assert set(review.rows.values_list("person_id", flat=True)) == {person.pk for person in externals[:3]}


def test_entity_grants_of_the_company_are_reviewed(pm, instance, companies):
    building = BusinessEntityFactory(instance=instance, owner=companies["A"], name="Klinik Nord")
    cleaner = UserFactory(company=companies["A"])
    grant_entity_role(cleaner, building, "customer")

    review = start(pm, instance, company=companies["A"], subject=ReviewSubject.ENTITY)

    row = review.rows.get()
    assert (row.person, row.level, row.place, row.kind) == (cleaner, Level.ENTITY, "Klinik Nord", "entity_grant")


def test_the_managers_of_each_company_review_what_lies_at_their_company(pm, ppm, instance, companies):
    owned = BusinessEntityFactory(instance=instance, owner=companies["A"], service_provider=companies["C"])
    provided = BusinessEntityFactory(instance=instance, owner=companies["C"], service_provider=companies["B"])
    guest = UserFactory(company=companies["X"])
    grant_entity_role(guest, owned, "customer")
    grant_entity_role(guest, provided, "customer")

    review = review_start(
        actor=_operator_staff(instance),
        instance=instance,
        company=None,
        subject=ReviewSubject.ENTITY,
        reviewer_mode=ReviewerMode.MANAGERS,
        deadline=DEADLINE,
        unanswered=Unanswered.KEEP,
    )

    reviewers = dict(review.rows.values_list("object_id", "reviewer_id"))
    assert reviewers[EntityGrant.objects.get(content_object=owned).pk] == pm.pk
    assert reviewers[EntityGrant.objects.get(content_object=provided).pk] == ppm.pk


def _operator_staff(instance):
    return UserFactory(company=OperatorCompanyFactory(instance=instance), is_staff=True)


def test_a_forged_decision_on_a_row_of_another_review_changes_nothing(pm, ppm, instance, companies, externals):
    review = start(pm, instance, company=companies["A"])
    guest = UserFactory(company=companies["X"])
    grant_company_role(guest, Level.SERVICE_PROVIDER, companies["B"], "customer")
    theirs = start(ppm, instance, company=companies["B"])
    row = theirs.rows.get()

    with pytest.raises(Http404):
        review_decide(actor=pm, instance=instance, review=review, decisions={row.pk: (Decision.REMOVE, "")})
    with pytest.raises(Http404):
        review_decide(actor=pm, instance=instance, review=theirs, decisions={row.pk: (Decision.REMOVE, "")})

    assert AccessReviewRow.objects.filter(decision=Decision.REMOVE).count() == 0


def test_a_decision_after_the_deadline_is_refused(pm, instance, companies, externals, clock):
    review = start(pm, instance, company=companies["A"])
    row = review.rows.first()
    clock.at = DEADLINE

    with pytest.raises(ValidationError, match="deadline"):
        review_decide(actor=pm, instance=instance, review=review, decisions={row.pk: (Decision.KEEP, "")})


def test_one_submit_is_one_audit_entry(pm, instance, companies, externals):
    review = start(pm, instance, company=companies["A"])

    answer_six(pm, instance, review)

    entry = AuditLogEntry.objects.get(action="review.decided")
    assert (entry.params["keep"], entry.params["remove"]) == (4, 2)


def test_stopping_early_applies_the_decisions_so_far_and_keeps_the_unanswered(pm, instance, companies, externals):
    review = start(pm, instance, company=companies["A"], unanswered=Unanswered.REMOVE)
    answer_six(pm, instance, review)

    counts = review_stop(actor=pm, instance=instance, review=review, apply_decisions=True)

    assert counts["removed"] == 2 and counts["kept"] == 8
    assert CompanyGrant.objects.filter(user__in=externals).count() == 8
    review.refresh_from_db()
    assert review.state == ReviewState.STOPPED_APPLIED
    assert review_deadline_apply.call(review.pk) is False


def test_stopping_early_can_discard_every_decision(pm, instance, companies, externals):
    review = start(pm, instance, company=companies["A"])
    answer_six(pm, instance, review)

    review_stop(actor=pm, instance=instance, review=review, apply_decisions=False)

    assert CompanyGrant.objects.filter(user__in=externals).count() == 10
    assert AuditLogEntry.objects.filter(action="review.stopped", params__applied=False).count() == 1


def test_only_the_starter_stops_a_review(pm, instance, companies, externals):
    review = start(pm, instance, company=companies["A"])
    other = UserFactory(company=companies["A"])
    grant_company_role(other, Level.OWNER, companies["A"], "projectmanager")

    with pytest.raises(PermissionDenied):
        review_stop(actor=other, instance=instance, review=review, apply_decisions=True)


def test_reviews_awaiting_counts_the_rows_left(pm, instance, companies, externals):
    review = start(pm, instance, company=companies["A"])
    answer_six(pm, instance, review)

    awaiting = reviews_awaiting(pm, instance)

    assert [(item.review.pk, item.deadline, item.left) for item in awaiting] == [(review.pk, DEADLINE, 4)]


def test_the_backstop_command_says_how_many_it_applied(pm, instance, companies, externals, clock):
    from io import StringIO

    from django.core.management import call_command

    start(pm, instance, company=companies["A"])
    clock.at = DEADLINE
    out = StringIO()

    call_command("review_deadlines_apply", stdout=out)

    assert out.getvalue().startswith("1 access review(s) applied")


def test_operator_staff_review_any_company_of_their_cockpit(instance, companies, externals):
    review = start(_operator_staff(instance), instance, company=companies["A"])

    assert review.rows.count() == 10


def test_the_removal_service_refuses_a_role_outside_the_removers_reach_and_keeps_it(pm, instance, companies):
    from users.review_sources import review_grant_remove

    guest = UserFactory(company=companies["X"])
    elsewhere = grant_company_role(guest, Level.OWNER, companies["B"], "customer")

    with pytest.raises(PermissionDenied):
        review_grant_remove(actor=pm, instance=instance, grant=elsewhere, review_id=1)

    assert CompanyGrant.objects.filter(pk=elsewhere.pk).exists()


def test_a_review_lists_no_role_above_the_starters_own(pm, instance, companies):
    from tests.factories import BusinessEntityFactory, grant_entity_role

    entity = BusinessEntityFactory(instance=instance, owner=companies["A"], name="Haus A")
    guest = UserFactory(company=companies["X"])
    grant_entity_role(guest, entity, "customer")
    above = grant_entity_role(UserFactory(company=companies["X"]), entity, "projectmanager-extended")

    review = start(pm, instance, subject=ReviewSubject.ENTITY)

    assert list(review.rows.values_list("person", flat=True)) == [guest.pk]
    assert not review.rows.filter(object_id=above.pk).exists()


def test_an_answer_after_the_deadline_is_refused_before_the_worker_applies_the_review(
    pm, instance, companies, externals, clock
):
    review = start(pm, instance, company=companies["A"])
    row = review.rows.order_by("pk").first()

    clock.at = DEADLINE
    with pytest.raises(ValidationError):
        review_decide(actor=pm, instance=instance, review=review, decisions={row.pk: (Decision.REMOVE, "late")})

    row.refresh_from_db()
    assert (row.decision, row.reason) == (Decision.NONE, "")
