"""`make run`'s email: each message as a person reads it, not as MIME.

Django's console backend prints the whole multipart message, plain text and HTML with their
headers and encodings: about a hundred lines per email, which push the demo logins and the
server's own lines off the screen. This one prints who it is for, the subject and the plain
text (the links in it are the ones to click), and names what it leaves out.
"""

from django.core.mail import EmailMessage
from django.core.mail.backends.console import EmailBackend as DjangoConsoleBackend

RULE = "─" * 72


def email_as_read(message: EmailMessage) -> str:
    recipients = ", ".join(message.to)
    lines = [
        f"── Email to {recipients} ".ljust(len(RULE), "─"),
        f"From:    {message.from_email}",
        f"Subject: {message.subject}",
        "",
        message.body.rstrip(),
    ]
    left_out = [f"the {mimetype} version" for _content, mimetype in getattr(message, "alternatives", [])]
    left_out += [
        f"the attachment {attachment[0] if isinstance(attachment, tuple) else attachment.get_filename()}"
        for attachment in message.attachments
    ]
    if left_out:
        lines += ["", f"(not shown: {', '.join(left_out)})"]
    return "\n".join([*lines, RULE, ""]) + "\n"


class EmailBackend(DjangoConsoleBackend):
    def write_message(self, message: EmailMessage) -> None:
        self.stream.write(email_as_read(message))
