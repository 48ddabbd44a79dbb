"""A share's expiry goes into the history when it happens, written by the task worker, never by a page view."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks import default_task_backend

from entities.models import AuditLogEntry, Level
from sharing.expiry import share_expiry_record
from sharing.models import Share
from sharing.modules import ShareLevel
from sharing.services import share_invite, share_update

pytestmark = pytest.mark.django_db

DUMMY_QUEUE = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def expired_entries(user) -> int:
    return AuditLogEntry.objects.filter(subject_user=user, action="share.expired").count()


def run_out(share) -> None:
    Share.objects.filter(pk=share.pk).update(invitation_expires_at=timezone.now() - datetime.timedelta(seconds=1))


def queued_expiries(share) -> list[datetime.datetime]:
    return sorted(
        result.task.run_after
        for result in default_task_backend.results
        if result.task.func is share_expiry_record.func and result.args == [share.pk]
    )


def test_the_worker_records_an_unused_invitation_once_when_it_expires(invite, guest):
    share, _token = invite(guest)
    run_out(share)

    assert share_expiry_record.call(share.pk) is True
    assert share_expiry_record.call(share.pk) is False
    assert expired_entries(guest) == 1


def test_the_worker_records_nothing_before_the_moment(invite, guest):
    share, _token = invite(guest)

    assert share_expiry_record.call(share.pk) is False
    assert expired_entries(guest) == 0


def test_the_shares_page_shows_an_expired_invitation_and_writes_nothing(client, login, invite, guest, admin, instance):
    share, _token = invite(guest)
    run_out(share)
    login(admin)

    page = client.get(reverse("sharing:share-list", kwargs={"instance_slug": instance.slug})).content.decode()

    assert 'data-state="expired"' in page
    assert expired_entries(guest) == 0
    assert Share.objects.get(pk=share.pk).expiry_recorded is False


def test_the_worker_records_a_share_past_its_end_date(shared_with, guest):
    share = shared_with(guest)
    Share.objects.filter(pk=share.pk).update(ends_on=timezone.localdate() - datetime.timedelta(days=1))

    assert share_expiry_record.call(share.pk) is True
    assert expired_entries(guest) == 1


@override_settings(TASKS=DUMMY_QUEUE)
def test_an_invitation_queues_its_expiry_for_the_worker(admin, instance, other_instance, owner, shareable, guest):
    default_task_backend.clear()
    share, _delivery = share_invite(
        actor=admin,
        instance=instance,
        cockpit=other_instance,
        email=guest.email,
        inventory=ShareLevel.READ,
        customer_care=ShareLevel.NONE,
        scopes=[(Level.OWNER, owner.pk)],
    )

    assert queued_expiries(share) == [share.invitation_expires_at]


def test_a_new_end_date_queues_the_expiry_at_the_start_of_the_next_day(shared_with, guest, admin, settings):
    share = shared_with(guest)
    settings.TASKS = DUMMY_QUEUE
    default_task_backend.clear()
    ends_on = timezone.localdate() + datetime.timedelta(days=30)

    share_update(
        actor=admin,
        share=share,
        inventory=share.inventory,
        customer_care=share.customer_care,
        ends_on=ends_on,
        scopes=[(scope.level, scope.company_id) for scope in share.scopes.all()],
    )

    next_day = datetime.datetime.combine(ends_on + datetime.timedelta(days=1), datetime.time.min)
    assert queued_expiries(share) == [next_day.replace(tzinfo=ZoneInfo(timezone.get_current_timezone_name()))]


def test_the_catch_up_command_records_what_ran_out_before_the_upgrade(invite, guest, capsys):
    share, _token = invite(guest)
    run_out(share)

    call_command("share_expiries_record")

    assert expired_entries(guest) == 1
    assert "1 expired share(s) recorded" in capsys.readouterr().out
