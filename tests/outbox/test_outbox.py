"""The email and SMS queue with the real worker (`manage.py db_worker`) and the database task backend.

Real commits: the worker sees only what has committed, as in production.
"""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.models import User
from accounts.second_factor import SMS_CODES
from entities.models import Level
from outbox.models import OutgoingMessage
from outbox.services import deliver_message, message_queue, retry_delay
from tests.factories import CompanyFactory, UserFactory, grant_company_role
from tests.support.queue import DATABASE_TASKS, invite, run_worker, stored_queue_text, time_passes
from users.services import welcome_email_resend
from users.welcome import WELCOME_EMAILS

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def queue(settings):
    settings.TASKS = DATABASE_TASKS
    settings.MESSAGE_MAX_ATTEMPTS = 3


@pytest.fixture
def email_down(settings):
    settings.EMAIL_BACKEND = "tests.support.failing_email.FailingBackend"


@pytest.fixture
def owner(role_catalogue, instance):
    return CompanyFactory(instance=instance, name="Owner A")


@pytest.fixture
def manager(owner):
    user = UserFactory(company=owner, email="pm@owner-a.example")
    grant_company_role(user, Level.OWNER, owner, "projectmanager")
    return user


def welcome_of(user) -> OutgoingMessage:
    return OutgoingMessage.objects.get(recipient=user, kind=WELCOME_EMAILS.code)


def temporary_password(message) -> str:
    return re.search(r"(?:Temporary password|Temporäres Passwort): (\S+)", message.body).group(1)


def test_a_new_user_waits_in_the_queue_until_the_worker_sends_the_welcome_email(manager, owner):
    user = invite(manager, owner)

    assert welcome_of(user).state == "queued" and mail.outbox == []
    run_worker()

    assert welcome_of(user).state == "sent"
    (email,) = mail.outbox
    assert email.to == ["nora@owner-a.example"]


def test_a_welcome_email_that_fails_keeps_the_user_and_waits_for_its_next_try(manager, owner, email_down):
    user = invite(manager, owner)

    run_worker()

    message = welcome_of(user)
    assert User.objects.filter(pk=user.pk).exists()
    assert (message.state, message.attempts, message.last_error) == ("queued", 1, "email service unavailable")
    assert message.next_attempt_at > timezone.now()
    assert DBTaskResult.objects.filter(status="READY", run_after__gt=timezone.now()).count() == 1
    # The password issued for the failed send was taken back with it.
    assert not User.objects.get(pk=user.pk).has_usable_password()


def test_a_failed_welcome_email_is_sent_by_a_later_try_once_the_service_is_back(manager, owner, email_down, settings):
    user = invite(manager, owner)
    run_worker()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    time_passes()
    run_worker()

    message = welcome_of(user)
    assert (message.state, message.attempts) == ("sent", 2)
    (email,) = mail.outbox
    assert User.objects.get(pk=user.pk).check_password(temporary_password(email))


def test_no_clear_text_password_is_stored_in_the_queue(manager, owner):
    invite(manager, owner)
    run_worker()

    password = temporary_password(mail.outbox[0])
    assert password not in stored_queue_text()


def test_after_the_last_attempt_the_message_is_given_up_and_no_further_try_is_queued(manager, owner, email_down):
    user = invite(manager, owner)
    for _attempt in range(3):
        run_worker()
        time_passes()

    message = welcome_of(user)
    assert (message.state, message.attempts, message.next_attempt_at) == ("failed", 3, None)
    assert not DBTaskResult.objects.filter(status="READY").exists()


def test_the_manager_sees_a_failing_welcome_email_and_its_next_try_on_the_users_page(
    manager, owner, email_down, client, login
):
    user = invite(manager, owner)
    run_worker()
    login(manager)

    page = client.get(reverse("users:user-edit", kwargs={"instance_slug": owner.instance.slug, "pk": user.pk}))

    text = page.content.decode()
    assert "attempt 1 of 3 could not be sent (email service unavailable)" in text
    assert reverse("users:user-resend-welcome", kwargs={"instance_slug": owner.instance.slug, "pk": user.pk}) in text


def test_the_manager_sees_a_given_up_welcome_email_and_sends_it_again(
    manager, owner, email_down, client, login, settings
):
    user = invite(manager, owner)
    for _attempt in range(3):
        run_worker()
        time_passes()
    login(manager)
    edit = reverse("users:user-edit", kwargs={"instance_slug": owner.instance.slug, "pk": user.pk})
    assert "could not be sent after 3 attempts (email service unavailable)" in client.get(edit).content.decode()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client.post(reverse("users:user-resend-welcome", kwargs={"instance_slug": owner.instance.slug, "pk": user.pk}))
    run_worker()

    assert [email.to for email in mail.outbox] == [["nora@owner-a.example"]]
    assert "Welcome email: sent" in client.get(edit).content.decode()


def test_a_second_welcome_email_replaces_the_one_still_waiting(manager, owner):
    user = invite(manager, owner)

    welcome_email_resend(actor=manager, instance=owner.instance, user=user)
    run_worker()

    states = sorted(OutgoingMessage.objects.filter(recipient=user).values_list("state", flat=True))
    assert states == ["sent", "superseded"] and len(mail.outbox) == 1


def test_a_welcome_email_for_a_user_who_signed_in_meanwhile_is_not_sent(manager, owner):
    user = invite(manager, owner)
    user.set_password("their-own-password-123")
    user.must_change_password = False
    user.save()

    run_worker()

    assert welcome_of(user).state == "superseded" and mail.outbox == []
    assert User.objects.get(pk=user.pk).check_password("their-own-password-123")


def test_a_task_delivered_twice_sends_once(manager, owner):
    user = invite(manager, owner)
    message = welcome_of(user)

    deliver_message.call(message.pk)
    deliver_message.call(message.pk)

    assert len(mail.outbox) == 1 and welcome_of(user).attempts == 1


def test_a_rolled_back_change_queues_nothing(manager, owner):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        message_queue(kind=WELCOME_EMAILS.code, recipient=manager)
        raise RuntimeError("the change failed")

    assert not OutgoingMessage.objects.exists() and not DBTaskResult.objects.exists()


def test_the_pause_between_tries_doubles_up_to_an_hour(settings):
    settings.MESSAGE_RETRY_SECONDS = 30

    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 8, 9)] == [30, 60, 120, 3600, 3600]


@pytest.fixture
def sms_user(owner):
    return UserFactory(company=owner, email="kim@owner-a.example", otp_required=True, mobile_phone="+41791234567")


def queue_sms_code(user) -> OutgoingMessage:
    from accounts.models import SMSDevice

    device = SMSDevice.objects.create(user=user, name="SMS", confirmed=True)
    return message_queue(kind=SMS_CODES.code, recipient=user, subject_id=device.pk)


def test_an_sms_code_is_made_when_it_leaves_and_only_then(sms_user):
    from accounts.models import SMSDevice
    from outbox.sms import FakeGateway

    FakeGateway.outbox.clear()
    message = queue_sms_code(sms_user)
    assert SMSDevice.objects.get(user=sms_user).token is None

    run_worker()

    (sms,) = FakeGateway.outbox
    assert sms.phone == "+41791234567" and SMSDevice.objects.get(user=sms_user).token in sms.body
    assert OutgoingMessage.objects.get(pk=message.pk).state == "sent"


def test_an_sms_code_that_could_no_longer_be_typed_in_time_is_not_sent(sms_user, settings):
    from outbox.sms import FakeGateway

    FakeGateway.outbox.clear()
    message = queue_sms_code(sms_user)
    OutgoingMessage.objects.filter(pk=message.pk).update(
        created_at=timezone.now() - timedelta(seconds=settings.SMS_CODE_SECONDS + 1)
    )

    run_worker()

    assert OutgoingMessage.objects.get(pk=message.pk).state == "superseded" and FakeGateway.outbox == []
