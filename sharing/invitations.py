"""A Cockpit Share's invitation: its link (stored only as a hash), the queued email, and following the link.

The link is issued again as the email leaves (the queue never holds a token) and
expires after SHARE_INVITATION_DAYS; the worker records the expiry (sharing.expiry).
"""

import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from entities.audit import audit_record
from outbox.kinds import DeliveryWords, MessageKind
from outbox.models import OutgoingMessage
from outbox.services import NothingToSend, message_queue
from sharing.emails import send_share_invitation
from sharing.expiry import share_expiry_schedule
from sharing.models import Share

INVITATION_TOKEN_BYTES = 32  # 256 bits


def token_hash(token: str) -> str:
    """Invitation tokens are stored only as this hash: a leaked table opens no cockpit."""
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_issue(share: Share) -> str:
    """A new link for the share (any earlier one stops working), stored as its hash; the worker records its expiry."""
    token = secrets.token_urlsafe(INVITATION_TOKEN_BYTES)
    share.invitation_token_hash = token_hash(token)
    share.invitation_expires_at = share.new_invitation_expiry()
    share.save(update_fields=["invitation_token_hash", "invitation_expires_at", "expiry_recorded", "role"])
    share_expiry_schedule(share)
    return token


def _send_invitation(message: OutgoingMessage) -> None:
    """The link's token is issued here, as the email leaves: the queue never holds it."""
    share = (
        Share.objects.select_for_update(of=("self",))
        .select_related("instance", "user", "invited_by")
        .filter(pk=message.subject_id or 0, accepted_at__isnull=True)
        .first()
    )
    if share is None:  # removed or accepted meanwhile
        raise NothingToSend
    send_share_invitation(share=share, token=invitation_issue(share))


INVITATIONS = MessageKind(
    code="invitation",
    label=_("Share invitation"),
    send=_send_invitation,
    words=DeliveryWords(
        on_its_way=_("The invitation is on its way to %(email)s."),
        retrying=_(
            "The share is saved, but the invitation to %(email)s could not be sent yet (%(error)s). "
            "It is tried again by itself; the list of shares shows how it stands."
        ),
        failed=_("The share is saved, but the invitation to %(email)s could not be sent (%(error)s). Send it again."),
    ),
)


def invitation_queue(share: Share) -> OutgoingMessage:
    """Queue the invitation email; call it inside the transaction that creates or resends the share."""
    # Issued now too, unsent: any earlier link stops working at once, and the share shows its expiry.
    invitation_issue(share)
    return message_queue(kind=INVITATIONS.code, recipient=share.user, subject_id=share.pk)


INVITATION_NOT_YOURS = "No such invitation."


@transaction.atomic
def share_accept(*, user: User, token: str) -> Share:
    """Follow an invitation link: only the invited user, only once, only before it expires.

    Anyone else, a used link and an unknown one get the same 404, and the share is untouched.
    ValidationError when the link is the user's but expired.
    """
    share = (
        Share.objects.select_for_update(of=("self",))
        .select_related("instance", "invited_by")
        .filter(invitation_token_hash=token_hash(token))
        .first()
    )
    if share is None or share.user_id != user.pk or not token:
        raise Http404(INVITATION_NOT_YOURS)
    if share.invitation_expires_at is None or share.invitation_expires_at <= timezone.now():
        raise ValidationError(INVITATION_EXPIRED, code="expired", params={"admin": share.invited_by or "-"})
    first = share.accepted_at is None
    share.invitation_token_hash, share.invitation_expires_at = "", None
    if first:
        share.accepted_at = timezone.now()
    share.save(update_fields=["invitation_token_hash", "invitation_expires_at", "accepted_at", "role"])
    if first:
        audit_record(actor=user, action="share.accepted", target=share, subject_user=user, instance=share.instance)
    return share


INVITATION_EXPIRED = _("This invitation has expired. Ask %(admin)s to send it again.")
