"""The kinds of message the outbox sends, each registered by the app that sends it (core.registry).

The outbox knows how to queue, send and retry; what a welcome email, a share invitation,
a security notice or an SMS code says, and whom a manager tells where it stands, is the
sending app's: it registers a MessageKind from its AppConfig.ready().
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.functional import Promise

from core.registry import Registry

if TYPE_CHECKING:
    from outbox.models import OutgoingMessage


@dataclass(frozen=True)
class DeliveryWords:
    """What a manager is told right after their change queued the message, by where it stands.

    Each text takes %(email)s (the recipient) and %(error)s (the last failure); they stay lazy,
    so each reader gets them in their own language.
    """

    on_its_way: Promise
    retrying: Promise
    failed: Promise


@dataclass(frozen=True)
class MessageKind:
    """One kind of message: its stored code, its name, the function that sends one, and the words for managers.

    `send` may raise outbox.services.NothingToSend when the message is no longer wanted.
    """

    code: str
    label: Promise
    send: "Callable[[OutgoingMessage], None]"
    words: DeliveryWords | None = None


MESSAGE_KINDS: Registry[str, MessageKind] = Registry("message kinds")
