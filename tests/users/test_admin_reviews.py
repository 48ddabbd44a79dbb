"""Access reviews in the Django admin: operator staff start, answer and stop reviews of any cockpit through the staff
services (users.reviews.*_by_staff), whose rule is the managers' own; the pages are read only and never a 500."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from entities.models import AuditLogEntry, CompanyGrant, Level
from tests.factories import CompanyFactory, UserFactory, grant_company_role
from users.models import (
    AccessReview,
    AccessReviewRow,
    Decision,
    Outcome,
    ReviewerMode,
    ReviewState,
    ReviewSubject,
    Unanswered,
)
from users.reviews import review_decide_by_staff, review_start_by_staff, review_stop_by_staff

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:users_accessreview_changelist"
ROWS = "admin:users_accessreviewrow_changelist"
ADD = "admin:users_accessreview_add"


@pytest.fixture
def rhein_owner(other_instance):
    """A company of another cockpit than the operator staff's own (alpine)."""
    return CompanyFactory(instance=other_instance, name="Rhein Immobilien AG")


@pytest.fixture
def rhein_manager(rhein_owner):
    """The user manager of that company: a Projectmanager there, not operator staff."""
    manager = UserFactory(company=rhein_owner, email="pm@rhein.example", last_name="Aebi")
    grant_company_role(manager, Level.OWNER, rhein_owner, "projectmanager")
    return manager


@pytest.fixture
def guests(other_instance, rhein_owner):
    """Three people of another company of that cockpit, each with the Customer role at Rhein Immobilien (external)."""
    elsewhere = CompanyFactory(instance=other_instance, name="Putz GmbH")
    people = []
    for number in range(3):
        person = UserFactory(company=elsewhere, email=f"guest{number}@putz.example", last_name=f"Guest{number}")
        grant_company_role(person, Level.OWNER, rhein_owner, "customer")
        people.append(person)
    return people


def start(actor, instance, **overrides) -> AccessReview:
    values = {
        "company": None,
        "subject": ReviewSubject.EXTERNAL,
        "reviewer_mode": ReviewerMode.STARTER,
        "deadline": timezone.now() + timedelta(days=7),
        "unanswered": Unanswered.KEEP,
    }
    return review_start_by_staff(actor=actor, instance=instance, **{**values, **overrides})


@pytest.fixture
def review(operator_admin, other_instance, guests) -> AccessReview:
    """Staff of alpine review the external people of the other cockpit themselves."""
    return start(operator_admin, other_instance)


def add_data(cockpit, **overrides) -> dict:
    return {
        "instance": cockpit.pk,
        "company": "",
        "subject": ReviewSubject.EXTERNAL,
        "reviewer_mode": ReviewerMode.STARTER,
        "deadline": (timezone.localdate() + timedelta(days=14)).isoformat(),
        "unanswered": Unanswered.REMOVE,
        "inactive_days": "",
        **overrides,
    }


def act(client, name, action, objects, **query):
    return client.post(
        reverse(name) + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""),
        {"action": action, "_selected_action": [obj.pk for obj in objects]},
        follow=True,
    )


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# --- the services ----------------------------------------------------------------------------------------------


def test_review_start_by_staff_reviews_another_cockpit_whole(operator_admin, other_instance, guests):
    review = start(operator_admin, other_instance)

    assert (review.instance_id, review.started_by_id, review.company_id) == (other_instance.pk, operator_admin.pk, None)
    assert set(review.rows.values_list("person_id", flat=True)) == {guest.pk for guest in guests}
    assert set(review.rows.values_list("reviewer_id", flat=True)) == {operator_admin.pk}
    entry = AuditLogEntry.objects.get(action="review.started", params__review=review.pk)
    assert (entry.actor_id, entry.instance_id) == (operator_admin.pk, other_instance.pk)


def test_review_start_by_staff_gives_rows_to_the_companys_managers_and_keeps_none(
    operator_admin, other_instance, guests, rhein_manager
):
    review = start(operator_admin, other_instance, reviewer_mode=ReviewerMode.MANAGERS)

    assert set(review.rows.values_list("reviewer_id", flat=True)) == {rhein_manager.pk}


def test_review_start_by_staff_refuses_a_company_of_another_cockpit(operator_admin, other_instance, guests, instance):
    alpine_company = CompanyFactory(instance=instance)

    with pytest.raises(PermissionDenied, match="This company belongs to another cockpit."):
        start(operator_admin, other_instance, company=alpine_company)

    assert not AccessReview.objects.exists()


def test_staff_services_refuse_a_user_manager(rhein_manager, other_instance, review):
    row = review.rows.first()

    with pytest.raises(PermissionDenied, match="Your role does not allow managing users."):
        start(rhein_manager, other_instance)
    with pytest.raises(PermissionDenied):
        review_decide_by_staff(actor=rhein_manager, review=review, decisions={row.pk: (Decision.REMOVE, "")})
    with pytest.raises(PermissionDenied):
        review_stop_by_staff(actor=rhein_manager, review=review, apply_decisions=True)

    assert AccessReview.objects.count() == 1
    assert review.rows.filter(decision=Decision.NONE).count() == 3


def test_staff_services_refuse_an_operator_employee_who_is_not_staff(operator_projectmanager, other_instance, guests):
    with pytest.raises(PermissionDenied, match="Your role does not allow managing users."):
        start(operator_projectmanager, other_instance)

    assert not AccessReview.objects.exists()


def test_review_decide_by_staff_refuses_another_reviewers_row(operator_admin, other_instance, guests, rhein_manager):
    review = start(operator_admin, other_instance, reviewer_mode=ReviewerMode.MANAGERS)
    row = review.rows.first()

    with pytest.raises(Http404):
        review_decide_by_staff(actor=operator_admin, review=review, decisions={row.pk: (Decision.REMOVE, "")})

    assert AccessReviewRow.objects.get(pk=row.pk).decision == Decision.NONE


def test_a_staff_review_of_another_cockpit_removes_at_its_deadline_as_staff(
    operator_admin, other_instance, guests, monkeypatch
):
    review = start(operator_admin, other_instance, unanswered=Unanswered.REMOVE)
    from users.reviews import review_deadline_apply

    later = review.deadline
    monkeypatch.setattr(timezone, "now", lambda: later)
    review_deadline_apply.call(review.pk)

    assert not CompanyGrant.objects.filter(user__in=guests).exists()
    assert set(review.rows.values_list("outcome", flat=True)) == {Outcome.REMOVED}
    removals = AuditLogEntry.objects.filter(action="grant.deleted", params__review=review.pk)
    assert set(removals.values_list("actor_id", "instance_id")) == {(operator_admin.pk, other_instance.pk)}


def test_a_share_of_another_cockpit_answered_remove_by_staff_is_removed(
    operator_admin, other_instance, rhein_owner, instance, role
):
    from sharing.models import ScopeLevel, Share, ShareScope, SharingSettings

    SharingSettings.objects.create(instance=other_instance, is_shareable=True)
    guest = UserFactory(company=CompanyFactory(instance=instance), email="guest@alpine.example")
    share = Share.objects.create(
        instance=other_instance, user=guest, inventory=1, role=role("share-inventory-read-customer-care-none")
    )
    ShareScope.objects.create(share=share, level=ScopeLevel.OWNER, company=rhein_owner)
    review = start(operator_admin, other_instance, subject=ReviewSubject.SHARES)
    row = review.rows.get()
    review_decide_by_staff(actor=operator_admin, review=review, decisions={row.pk: (Decision.REMOVE, "over")})

    review_stop_by_staff(actor=operator_admin, review=review, apply_decisions=True)

    assert not Share.objects.filter(pk=share.pk).exists()
    assert (
        AuditLogEntry.objects.filter(action="share.removed", params__review=review.pk, actor=operator_admin).count()
        == 1
    )


# --- who reaches the admin pages -----------------------------------------------------------------------------------


def test_admin_review_pages_send_anonymous_people_to_sign_in(client, review):
    for url in (
        reverse(CHANGELIST),
        reverse(ADD),
        reverse(ROWS),
        reverse("admin:users_accessreview_change", args=[review.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]


def test_admin_review_pages_are_closed_to_a_user_manager(client, login, rhein_manager, review):
    login(rhein_manager)

    for url in (reverse(CHANGELIST), reverse(ADD), reverse(ROWS)):
        response = client.get(url)
        assert response.status_code == 302 and reverse("admin:login") in response["Location"]


def test_admin_add_page_needs_the_add_permission(client, login, operator_staff, other_instance):
    from django.contrib.auth.models import Permission

    operator_staff.user_permissions.add(Permission.objects.get(codename="view_accessreview"))
    login(operator_staff)

    assert client.get(reverse(CHANGELIST)).status_code == 200
    assert client.post(reverse(ADD), add_data(other_instance)).status_code == 403
    assert not AccessReview.objects.exists()


# --- starting in the admin -----------------------------------------------------------------------------------------


def test_admin_add_page_starts_a_review_of_another_cockpit(
    admin_client, operator_admin, other_instance, rhein_owner, guests
):
    response = admin_client.post(reverse(ADD), add_data(other_instance, company=rhein_owner.pk))

    review = AccessReview.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:users_accessreview_change", args=[review.pk])
    assert (review.instance_id, review.company_id, review.started_by_id) == (
        other_instance.pk,
        rhein_owner.pk,
        operator_admin.pk,
    )
    assert review.unanswered == Unanswered.REMOVE and review.rows.count() == 3
    assert review.last_day == timezone.localdate() + timedelta(days=14)


def test_admin_add_page_shows_a_company_of_another_cockpit_on_the_form(admin_client, other_instance, instance, guests):
    alpine_company = CompanyFactory(instance=instance)

    response = admin_client.post(reverse(ADD), add_data(other_instance, company=alpine_company.pk))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["company"] == ["This company belongs to another cockpit."]
    assert not AccessReview.objects.exists()


def test_admin_add_page_shows_an_empty_scope_on_the_form(admin_client, other_instance):
    response = admin_client.post(reverse(ADD), add_data(other_instance))

    assert response.status_code == 200
    assert "There is nothing to review in this scope" in str(response.context["adminform"].form.non_field_errors())
    assert not AccessReview.objects.exists()


def test_admin_review_pages_answer_malformed_values_without_a_server_error(admin_client, review):
    admin_client.raise_request_exception = False
    failures = []
    for name in (CHANGELIST, ROWS):
        for query in [
            {"instance__id__exact": "abc"},
            {"state__exact": "99999999999999999999"},
            {"review": "abc"},
            {"review": "99999999999999999999"},
            {"mine": "x"},
            {"o": "abc"},
            {"q": "' OR 1=1 --"},
        ]:
            response = admin_client.get(reverse(name), query)
            if response.status_code >= 500:
                failures.append((name, query, response.status_code))
    for name in ("instance", "company", "subject", "reviewer_mode", "deadline", "unanswered", "inactive_days"):
        for value in ("abc", "99999999999999999999", "-1"):
            response = admin_client.post(reverse(ADD), add_data(review.instance, **{name: value}))
            if response.status_code >= 500 or AccessReview.objects.count() != 1:
                failures.append((name, value, response.status_code))

    assert failures == []


# --- the review's page: read only ------------------------------------------------------------------------------


def test_admin_review_page_shows_its_rows_and_changes_nothing(admin_client, review, guests):
    page = reverse("admin:users_accessreview_change", args=[review.pk])

    shown = admin_client.get(page)
    posted = admin_client.post(page, {"state": ReviewState.APPLIED})

    assert shown.status_code == 200
    assert all(str(guest) in shown.content.decode() for guest in guests)
    assert posted.status_code == 403
    assert (
        admin_client.post(reverse("admin:users_accessreview_delete", args=[review.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert AccessReview.objects.get().state == ReviewState.OPEN


# --- answering and stopping in the admin ----------------------------------------------------------------------------


def test_staff_answer_their_own_rows_by_the_admin_action(admin_client, operator_admin, review):
    rows = list(review.rows.order_by("pk")[:2])

    response = act(admin_client, ROWS, "answer_remove", rows, review=review.pk)

    assert messages_of(response) == ["2 answers saved."]
    assert set(review.rows.filter(decision=Decision.REMOVE).values_list("pk", "decided_by_id")) == {
        (row.pk, operator_admin.pk) for row in rows
    }
    assert AuditLogEntry.objects.filter(action="review.decided", params__review=review.pk, params__remove=2).exists()


def test_staff_cannot_answer_another_reviewers_row_by_the_admin_action(
    admin_client, operator_admin, other_instance, guests, rhein_manager
):
    review = start(operator_admin, other_instance, reviewer_mode=ReviewerMode.MANAGERS)

    response = act(admin_client, ROWS, "answer_keep", list(review.rows.all()))

    assert messages_of(response) == ["3 rows were not answered: they are other reviewers'."]
    assert not review.rows.exclude(decision=Decision.NONE).exists()
    assert not AuditLogEntry.objects.filter(action="review.decided").exists()


def test_stop_early_in_the_admin_applies_the_decisions_so_far(admin_client, operator_admin, review, guests):
    removed = review.rows.get(person=guests[0])
    review_decide_by_staff(actor=operator_admin, review=review, decisions={removed.pk: (Decision.REMOVE, "left")})

    response = act(admin_client, CHANGELIST, "stop_applying", [review])

    assert messages_of(response) == [f"Access review {review.pk} is stopped; 1 access was removed."]
    assert AccessReview.objects.get().state == ReviewState.STOPPED_APPLIED
    assert set(CompanyGrant.objects.filter(user__in=guests).values_list("user_id", flat=True)) == {
        guests[1].pk,
        guests[2].pk,
    }
    assert (
        AuditLogEntry.objects.filter(action="grant.deleted", params__review=review.pk, actor=operator_admin).count()
        == 1
    )


def test_stop_early_in_the_admin_discards_the_decisions(admin_client, operator_admin, review, guests):
    removed = review.rows.get(person=guests[0])
    review_decide_by_staff(actor=operator_admin, review=review, decisions={removed.pk: (Decision.REMOVE, "left")})

    act(admin_client, CHANGELIST, "stop_discarding", [review])

    assert AccessReview.objects.get().state == ReviewState.STOPPED_DISCARDED
    assert CompanyGrant.objects.filter(user__in=guests).count() == 3
    assert not AuditLogEntry.objects.filter(action="grant.deleted").exists()


def test_stopping_a_closed_review_in_the_admin_says_why(admin_client, operator_admin, review):
    review_stop_by_staff(actor=operator_admin, review=review, apply_decisions=False)

    response = act(admin_client, CHANGELIST, "stop_applying", [review])

    assert messages_of(response) == [
        f"Access review {review.pk} not stopped: This review is closed; its decisions can no longer change."
    ]


# --- no N+1 -------------------------------------------------------------------------------------------------------


def test_admin_review_lists_make_as_many_queries_for_20_reviews_as_for_2(
    admin_client, operator_admin, other_instance, guests, count_queries
):
    def both_lists() -> int:
        return count_queries(lambda: admin_client.get(reverse(CHANGELIST))) + count_queries(
            lambda: admin_client.get(reverse(ROWS))
        )

    for _ in range(2):
        start(operator_admin, other_instance)
    few = both_lists()
    for _ in range(18):
        start(operator_admin, other_instance)
    many = both_lists()

    assert AccessReview.objects.count() == 20
    assert few == many


def test_the_review_admins_words_read_in_german(operator_admin, review):
    from django.utils import translation

    from users.admin import AccessReviewAdmin, AccessReviewRowAdmin

    with translation.override("de"):
        words = [
            str(AccessReviewAdmin.stop_applying.short_description),
            str(AccessReviewRowAdmin.answer_remove.short_description),
            str(AccessReviewAdmin.rows_counted.short_description),
        ]

    assert words == [
        "Vorzeitig beenden, bisherige Entscheide umsetzen",
        "Mit «Entfernen» antworten (Ihre Zeilen)",
        "Zeilen",
    ]
