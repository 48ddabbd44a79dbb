"""The email that asks a reviewer to answer an access review, in their language, with the link to their rows."""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from outbox.emails import send_templated_email
from outbox.kinds import MessageKind
from outbox.models import OutgoingMessage
from outbox.services import NothingToSend
from users.models import AccessReview, Decision, ReviewState


def _send_review_request(message: OutgoingMessage) -> None:
    review = (
        AccessReview.objects.select_related("instance", "company", "started_by")
        .filter(pk=message.payload["review"], state=ReviewState.OPEN)
        .first()
    )
    recipient = message.recipient
    left = review.rows.filter(reviewer=recipient, decision=Decision.NONE).count() if review else 0
    if review is None or not left:  # closed meanwhile, or answered already
        raise NothingToSend
    link = reverse("users:review-detail", kwargs={"instance_slug": review.instance.slug, "pk": review.pk})
    send_templated_email(
        user=recipient,
        template="users/email/review_request",
        context={
            "user": recipient,
            "review": review,
            "cockpit": review.instance,
            "left": left,
            "starter": review.started_by.get_full_name() or review.started_by.email if review.started_by else "—",
            "link": settings.COCKPIT_BASE_URL + link,
        },
    )


REVIEW_REQUEST_EMAILS = MessageKind(
    code="access_review", label=_("Request to answer an access review"), send=_send_review_request
)
