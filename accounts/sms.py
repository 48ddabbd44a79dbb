"""Sending SMS through the gateway named by settings.SMS_GATEWAY.

Twilio in production, a logging gateway locally, and a fake one in tests that
keeps messages in memory; no test ever makes a network call.
"""

import logging
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


class LoggingGateway:
    def send(self, message: SmsMessage) -> None:
        logger.info("SMS to %s: %s", message.phone, message.body)


class FakeGateway:
    outbox: list[SmsMessage] = []

    def send(self, message: SmsMessage) -> None:
        FakeGateway.outbox.append(message)


def send_sms(*, phone: str, body: str) -> None:
    """Send one SMS through the configured gateway."""
    import_string(settings.SMS_GATEWAY)().send(SmsMessage(phone=phone, body=body))
