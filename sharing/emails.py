"""The invitation email of a Cockpit Share, in the recipient's language, through the configured (anymail) backend."""

from django.conf import settings
from django.urls import reverse

from outbox.emails import send_templated_email
from sharing.models import Share


def send_share_invitation(*, share: Share, token: str) -> None:
    """Tell the user a cockpit is shared with them, with a direct link that opens it after they sign in."""
    user = share.user
    context = {
        "share": share,
        "user": user,
        "cockpit": share.instance,
        "invited_by": share.invited_by,
        "link": settings.COCKPIT_BASE_URL + reverse("invitations:accept", kwargs={"token": token}),
        "expires_at": share.invitation_expires_at,
    }
    send_templated_email(user=user, template="sharing/email/invitation", context=context)
