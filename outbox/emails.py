"""Emails to users, rendered in the recipient's language and sent through the configured (anymail) backend."""

from typing import TYPE_CHECKING

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

if TYPE_CHECKING:
    from django.contrib.auth.models import _User


def send_templated_email(*, user: "_User", template: str, context: dict, to: str | None = None) -> None:
    """Render templates/<template>_subject.txt, _body.txt and _body.html in the user's language and send them.

    To the user's address, or to `to` (the address they had, for a notice of its change).
    """
    with translation.override(user.language):
        subject = render_to_string(f"{template}_subject.txt", context).strip()
        body = render_to_string(f"{template}_body.txt", context)
        html = render_to_string(f"{template}_body.html", context)
    message = EmailMultiAlternatives(subject=subject, body=body, to=[to or user.email])
    message.attach_alternative(html, "text/html")
    message.send()
