"""Shared people switched off for inactivity (users.inactivity, sharing's source): a user of another cockpit who has
not opened this one for its limit loses their Cockpit Share of it, never their login, after a warning to them and
to whoever gave the share a week before."""

from datetime import date, datetime, time, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import User
from entities.models import AuditLogEntry
from sharing.inactivity import share_remove_inactive
from sharing.models import Share, SharingSettings
from sharing.services import share_visited, sharing_settings_save
from tests.factories import InactivityPolicyFactory
from users.inactivity import PersonKind, inactive_people_record, people_to_deactivate
from users.permissions import manager_reach

pytestmark = pytest.mark.django_db

TODAY = date(2025, 6, 2)


def at(day: date, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    class Clock:
        now = at(TODAY)

        def set(self, day: date, hour: int = 8) -> None:
            self.now = at(day, hour)

    frozen = Clock()
    monkeypatch.setattr(timezone, "now", lambda: frozen.now)
    return frozen


@pytest.fixture
def policy(instance):
    return InactivityPolicyFactory(instance=instance, days=90, shared_days=30)


@pytest.fixture
def admin(admin):
    """The cockpit's admin, who gave the share and signs in every day."""
    User.objects.filter(pk=admin.pk).update(last_login=at(TODAY, 7))
    return User.objects.get(pk=admin.pk)


@pytest.fixture
def share(shared_with, guest, mailoutbox) -> Share:
    """The guest's accepted share, last used 31 days ago."""
    accepted = shared_with(guest)
    Share.objects.filter(pk=accepted.pk).update(last_visit_at=at(TODAY - timedelta(days=31), 9))
    mailoutbox.clear()
    return Share.objects.get(pk=accepted.pk)


def run(clock, day: date, capture) -> dict[str, int]:
    clock.set(day)
    with capture(execute=True):
        return inactive_people_record()


def test_a_shared_person_idle_past_the_shared_limit_loses_the_share_not_the_login(
    policy, share, guest, instance, clock, django_capture_on_commit_callbacks
):
    run(clock, TODAY - timedelta(days=8), django_capture_on_commit_callbacks)  # their day 23: warned

    assert run(clock, TODAY, django_capture_on_commit_callbacks) == {"warned": 0, "ended": 1}

    assert not Share.objects.filter(pk=share.pk).exists()
    assert User.objects.get(pk=guest.pk).is_active is True
    entry = AuditLogEntry.objects.get(action="share.removed_inactive")
    assert (entry.actor_id, entry.subject_user_id, entry.instance_id) == (None, guest.pk, instance.pk)
    assert entry.changes["days_without_sign_in"] == [None, 31] and entry.changes["inactivity_limit"] == [None, 30]


def test_the_shared_person_and_the_giver_are_warned_once(
    policy, share, guest, admin, instance, clock, django_capture_on_commit_callbacks
):
    run(clock, TODAY - timedelta(days=8), django_capture_on_commit_callbacks)
    run(clock, TODAY - timedelta(days=7), django_capture_on_commit_callbacks)

    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert len(mail.outbox) == 2 and set(by_recipient) == {guest.email, admin.email}
    assert "You have not opened the cockpit Alpine Facility Services, shared with you" in by_recipient[guest.email].body
    assert "the Cockpit Share of this cockpit (the login stays)" in by_recipient[guest.email].body
    assert f"/c/{instance.slug}/shares/{share.pk}/" in by_recipient[admin.email].body


def test_a_visit_after_the_warning_keeps_the_share(
    policy, share, guest, instance, clock, django_capture_on_commit_callbacks
):
    run(clock, TODAY - timedelta(days=8), django_capture_on_commit_callbacks)
    clock.set(TODAY - timedelta(days=2), hour=15)
    share_visited(user_id=guest.pk, instance_id=instance.pk)

    run(clock, TODAY, django_capture_on_commit_callbacks)

    assert Share.objects.filter(pk=share.pk).exists()


def test_shares_are_left_alone_while_the_cockpit_s_sharing_is_off(
    policy, share, operator_admin, instance, clock, django_capture_on_commit_callbacks
):
    sharing_settings_save(
        actor=operator_admin,
        settings=SharingSettings.objects.get(instance=instance),
        is_shareable=False,
        allowed_companies=[],
    )

    run(clock, TODAY - timedelta(days=8), django_capture_on_commit_callbacks)
    run(clock, TODAY, django_capture_on_commit_callbacks)

    assert Share.objects.filter(pk=share.pk).exists() and not mail.outbox


def test_the_shared_limit_falls_back_to_the_cockpit_s(policy, share, clock, django_capture_on_commit_callbacks):
    policy.shared_days = None
    policy.save()

    assert run(clock, TODAY, django_capture_on_commit_callbacks) == {"warned": 0, "ended": 0}


def test_the_manager_reads_the_share_that_ends_soon(policy, share, guest, admin, instance, clock):
    (due,) = people_to_deactivate(manager_reach(admin, instance))

    assert (due.user, due.kind, due.on) == (guest, PersonKind.SHARED, TODAY + timedelta(days=7))
    assert due.url == f"/c/{instance.slug}/shares/{share.pk}/"


def test_the_service_leaves_alone_a_share_visited_meanwhile(policy, share, guest, instance):
    read_at = share.last_visit_at
    share_visited(user_id=guest.pk, instance_id=instance.pk)

    assert share_remove_inactive(share_id=share.pk, active_at=read_at, idle_days=31, limit=30) is False
    assert Share.objects.filter(pk=share.pk).exists()
