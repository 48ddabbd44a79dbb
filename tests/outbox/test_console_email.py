"""`make run` prints each email as a person reads it: recipient, subject, the plain text with its link, no MIME."""

import io

import pytest
from django.core.mail import EmailMultiAlternatives

from outbox.console import EmailBackend
from tests.support.queue import invite

pytestmark = pytest.mark.django_db


def printed(messages) -> str:
    stream = io.StringIO()
    EmailBackend(stream=stream).send_messages(messages)
    return stream.getvalue()


def test_a_welcome_email_is_printed_short_with_its_password_and_link(
    projectmanager_a, owner_a, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(projectmanager_a, owner_a)
    (welcome,) = mailoutbox

    text = printed([welcome])

    assert text.startswith("── Email to nora@owner-a.example ")
    assert f"Subject: {welcome.subject}" in text
    assert welcome.body.strip() in text and "/c/" in text
    assert "(not shown: the text/html version)" in text
    assert "Content-Type" not in text and "MIME-Version" not in text and "<html" not in text
    assert len(text.splitlines()) < len(welcome.message().as_string().splitlines()) / 2


def test_attachments_are_named_not_printed():
    message = EmailMultiAlternatives("Plans", "See attached.", "c@localhost", ["a@example.com"])
    message.attach("plan.dxf", b"0\nSECTION\n", "application/dxf")

    text = printed([message])

    assert "(not shown: the attachment plan.dxf)" in text and "SECTION" not in text
