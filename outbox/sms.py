"""Sending SMS through the gateway named by settings.SMS_GATEWAY.

Twilio in production, the console locally (DEBUG only: the code is printed to the
process's output, as Django's console email backend prints emails, and never written
to the log), and a fake one in tests that keeps messages in memory; no test ever makes
a network call. The log says that an SMS left and to which number's last digits, never
what it said.
"""

import logging
import sys
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmsMessage:
    phone: str
    body: str


class TwilioGateway:
    def send(self, message: SmsMessage) -> None:
        from twilio.rest import Client

        client = Client(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN)
        client.messages.create(to=message.phone, from_=settings.TWILIO_FROM_NUMBER, body=message.body)


class ConsoleGateway:
    """`make run`'s SMS: printed to the console for the developer (production refuses it, cockpit.settings)."""

    def send(self, message: SmsMessage) -> None:
        sys.stdout.write(f"SMS to {message.phone}: {message.body}\n")
        sys.stdout.flush()


class FakeGateway:
    outbox: list[SmsMessage] = []

    def send(self, message: SmsMessage) -> None:
        FakeGateway.outbox.append(message)


def send_sms(*, phone: str, body: str) -> None:
    """Send one SMS through the configured gateway; the log names the number's last two digits, not the text."""
    import_string(settings.SMS_GATEWAY)().send(SmsMessage(phone=phone, body=body))
    logger.info("SMS sent to a number ending in %s", phone[-2:])
