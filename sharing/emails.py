"""The invitation email of a Cockpit Share, in the recipient's language, through the configured (anymail) backend."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

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
    with translation.override(user.language):
        subject = render_to_string("sharing/email/invitation_subject.txt", context).strip()
        body = render_to_string("sharing/email/invitation_body.txt", context)
        html = render_to_string("sharing/email/invitation_body.html", context)
    message = EmailMultiAlternatives(subject=subject, body=body, to=[user.email])
    message.attach_alternative(html, "text/html")
    message.send()
