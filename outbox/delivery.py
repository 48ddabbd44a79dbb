"""Where a message a manager's change queued stands, told to that manager once the change has committed."""

from django.contrib import messages

from outbox.kinds import MESSAGE_KINDS
from outbox.models import OutgoingMessage


def delivery_flash(request, message: OutgoingMessage | None) -> None:
    """On its way, retrying, or failed: in the words its kind registered (outbox.kinds.DeliveryWords)."""
    if message is None:
        return
    message.refresh_from_db()
    words = MESSAGE_KINDS[message.kind].words
    assert words is not None, f"{message.kind} messages are not announced to the person who caused them"
    values = {"email": message.recipient.email, "error": message.last_error}
    if message.state == OutgoingMessage.State.FAILED:
        messages.error(request, words.failed % values)
    elif message.state == OutgoingMessage.State.QUEUED and message.attempts:
        messages.warning(request, words.retrying % values)
    elif message.state != OutgoingMessage.State.SUPERSEDED:
        messages.success(request, words.on_its_way % values)
