"""Cockpit Shares in an access review: listed within the starter's share reach, removed through share_remove at
the deadline, audited with the review's id."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from entities.models import AuditLogEntry, Level
from sharing.models import Share
from tests.factories import CompanyFactory, UserFactory, grant_company_role
from users.models import Decision, Outcome, ReviewerMode, ReviewSubject, Unanswered
from users.reviews import review_deadline_apply, review_decide, review_start

pytestmark = pytest.mark.django_db


def start(actor, instance, company=None):
    return review_start(
        actor=actor,
        instance=instance,
        company=company,
        subject=ReviewSubject.SHARES,
        reviewer_mode=ReviewerMode.STARTER,
        deadline=timezone.now() + timedelta(days=7),
        unanswered=Unanswered.KEEP,
    )


def test_a_share_removed_in_a_review_is_gone_at_the_deadline_audited_with_the_review(
    admin, instance, guest, shared_with, monkeypatch
):
    share = shared_with(guest)
    review = start(admin, instance)
    row = review.rows.get()
    assert (row.kind, row.object_id, row.person_id, row.given_by_id) == ("share", share.pk, guest.pk, admin.pk)

    review_decide(actor=admin, instance=instance, review=review, decisions={row.pk: (Decision.REMOVE, "ended")})
    later = review.deadline
    monkeypatch.setattr(timezone, "now", lambda: later)
    review_deadline_apply.call(review.pk)

    assert not Share.objects.filter(pk=share.pk).exists()
    assert AuditLogEntry.objects.filter(action="share.removed", params__review=review.pk, actor=admin).count() == 1
    assert review.rows.get().outcome == Outcome.REMOVED


def test_a_share_of_the_company_is_listed_and_one_of_another_company_is_not(admin, owner, instance, guest, shared_with):
    shared_with(guest)

    elsewhere = CompanyFactory(instance=instance, name="Elsewhere AG")
    manager = UserFactory(company=elsewhere)
    grant_company_role(manager, Level.OWNER, elsewhere, "projectmanager")

    assert start(admin, instance, company=owner).rows.count() == 1
    with pytest.raises(ValidationError, match="nothing to review"):
        start(manager, instance, company=elsewhere)
