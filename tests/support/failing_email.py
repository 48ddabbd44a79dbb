"""An email service that is down: settings.EMAIL_BACKEND = "tests.support.failing_email.FailingBackend"."""

from django.core.mail.backends.base import BaseEmailBackend


class FailingBackend(BaseEmailBackend):
    """An email service that is down."""

    def send_messages(self, email_messages):
        raise ConnectionError("email service unavailable")
