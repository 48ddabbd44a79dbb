"""A share invitation through the email queue and its real worker: an outage loses nothing, the link leaves unstored."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from entities.models import Level
from outbox.models import OutgoingMessage
from sharing.models import Share
from sharing.modules import ShareLevel
from sharing.services import share_invite
from tests.support.queue import DATABASE_TASKS, run_worker, stored_queue_text, time_passes

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def invited(role_catalogue, settings, admin, owner, instance, other_instance, guest, shareable):
    settings.TASKS = DATABASE_TASKS
    settings.EMAIL_BACKEND = "tests.support.failing_email.FailingBackend"
    share, _message = share_invite(
        actor=admin,
        instance=instance,
        cockpit=other_instance,
        email=guest.email,
        inventory=ShareLevel.READ,
        customer_care=ShareLevel.NONE,
        scopes=[(Level.OWNER, owner.pk)],
    )
    return share


def test_an_invitation_that_fails_keeps_the_share_and_is_sent_by_a_later_try(invited, settings):
    run_worker()
    assert OutgoingMessage.objects.get(kind="invitation").state == "queued"
    assert Share.objects.filter(pk=invited.pk).exists()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    time_passes()
    run_worker()

    (email,) = mail.outbox
    assert email.to == [invited.user.email]
    assert OutgoingMessage.objects.get(kind="invitation").state == "sent"


def test_the_invitation_link_is_never_stored_in_the_queue(invited, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    run_worker()

    token = re.search(r"/invitations/([^/\s]+)/", mail.outbox[0].body).group(1)
    assert token not in stored_queue_text()


def test_the_admin_sees_a_failing_invitation_on_the_list_of_shares(invited, client, login, admin, instance):
    run_worker()
    login(admin)

    page = client.get(reverse("sharing:share-list", kwargs={"instance_slug": instance.slug}))

    assert "Share invitation: attempt 1 of 8 could not be sent (email service unavailable)" in page.content.decode()
