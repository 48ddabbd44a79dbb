"""A week before a role ends (its end date, entities.services.grant_end_schedule), the person who holds it and the
person who gave it get an email, each in their language; the worker sends it, the queue retries it."""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from entities.models import CompanyGrant, EntityGrant, Level
from outbox.emails import send_templated_email
from outbox.kinds import MessageKind
from outbox.models import OutgoingMessage
from outbox.services import NothingToSend, message_queue


def _grant_of(payload: dict) -> CompanyGrant | EntityGrant | None:
    if payload["grant_kind"] == "company":
        return (
            CompanyGrant.objects.select_related("user", "role", "company__instance")
            .filter(pk=payload["grant"], ends_on=payload["ends_on"])
            .first()
        )
    return (
        EntityGrant.objects.select_related("user", "role", "content_object__instance")
        .filter(pk=payload["grant"], ends_on=payload["ends_on"])
        .first()
    )


def _send_notice(message: OutgoingMessage) -> None:
    grant = _grant_of(message.payload)
    if grant is None:  # removed, or its end moved or taken away since
        raise NothingToSend
    recipient, person = message.recipient, grant.user
    # Names in the recipient's language: the level's and the role's are read as the email is rendered.
    if isinstance(grant, CompanyGrant):
        instance, level, place = grant.company.instance, Level(grant.level).label, grant.company.name
    else:
        instance, level, place = grant.content_object.instance, None, grant.content_object.name
    link = reverse("cockpit:dashboard", kwargs={"instance_slug": instance.slug})
    if recipient.pk != person.pk:
        link = reverse("users:user-edit", kwargs={"instance_slug": instance.slug, "pk": person.pk})
    send_templated_email(
        user=recipient,
        template="users/email/grant_end_notice",
        context={
            "user": recipient,
            "person": person,
            "own": recipient.pk == person.pk,
            "role": grant.role,
            "level": level,
            "place": place,
            "ends_on": grant.ends_on,
            "cockpit": instance,
            "link": settings.COCKPIT_BASE_URL + link,
        },
    )


GRANT_END_NOTICE_EMAILS = MessageKind(code="grant_end_notice", label=_("Notice of a role's end"), send=_send_notice)


def grant_end_notice_queue(grant: CompanyGrant | EntityGrant) -> None:
    """Queue the notice to the person and to whoever gave the grant (if still active); entities.GRANT_END_NOTICES."""
    payload = {
        "grant_kind": "company" if isinstance(grant, CompanyGrant) else "entity",
        "grant": grant.pk,
        "ends_on": grant.ends_on.isoformat() if grant.ends_on else None,
    }
    recipients = [grant.user_id]
    if grant.granted_by_id and grant.granted_by_id != grant.user_id:
        recipients.append(grant.granted_by_id)
    for recipient in User.objects.filter(pk__in=recipients, is_active=True):
        message_queue(kind=GRANT_END_NOTICE_EMAILS.code, recipient=recipient, payload=payload, supersede=False)
