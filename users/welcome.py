"""The welcome email: queued with the change that invites the person, its temporary password issued as it leaves.

The password is never stored in clear text, not even in the queue; a new one voids the one before.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from outbox.kinds import DeliveryWords, MessageKind
from outbox.models import OutgoingMessage
from outbox.services import NothingToSend, message_queue
from users.emails import send_welcome_email

TEMPORARY_PASSWORD_BYTES = 9


def _issue_temporary_password(user: User) -> str:
    """Store a new one-time temporary password (any earlier one stops working) and return it for the email."""
    password = secrets.token_urlsafe(TEMPORARY_PASSWORD_BYTES)
    user.set_password(password)
    user.must_change_password = True
    user.temporary_password_expires_at = timezone.now() + timedelta(days=settings.TEMPORARY_PASSWORD_DAYS)
    user.save(update_fields=["password", "must_change_password", "temporary_password_expires_at"])
    return password


def _send_welcome(message: OutgoingMessage) -> None:
    """The temporary password is issued here, as the email leaves: never stored in clear text, even in the queue."""
    user = User.objects.select_for_update(of=("self",)).select_related("company__instance").get(pk=message.recipient_id)
    if not user.awaits_first_login:  # removed, or signed in with a password of their own meanwhile
        raise NothingToSend
    send_welcome_email(user=user, temporary_password=_issue_temporary_password(user))


WELCOME_EMAILS = MessageKind(
    code="welcome",
    label=_("Welcome email"),
    send=_send_welcome,
    words=DeliveryWords(
        on_its_way=_("The welcome email is on its way to %(email)s."),
        retrying=_(
            "The user is saved, but the welcome email to %(email)s could not be sent yet (%(error)s). "
            "It is tried again by itself; the user's page shows how it stands."
        ),
        failed=_("The user is saved, but the welcome email to %(email)s could not be sent (%(error)s). Send it again."),
    ),
)


def welcome_queue(user: User) -> OutgoingMessage:
    """Queue the welcome email; call it inside the transaction that creates, reactivates or re-invites the user."""
    return message_queue(kind=WELCOME_EMAILS.code, recipient=user)
