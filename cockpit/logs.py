"""What the server writes into its log: never a secret that a request path carries.

An invitation link and a password-reset link carry their token in the path, and Django's
request and server loggers write paths ("Not Found: /invitations/…/"). The filter takes
those parts out of every record it sees, as the record is made, so whichever handler
writes it (the console, a file, a test's capture) gets the cleaned line.
"""

import logging
import re

SECRET_PATHS = [
    (re.compile(r"(/invitations/)[^/\s\"'?#]+"), r"\1<token>"),
    (re.compile(r"(/accounts/password/reset/)(?!sent/|complete/)[^/\s\"'?#]+/[^/\s\"'?#]+"), r"\1<uid>/<token>"),
]


def redact(text: str) -> str:
    """The text with every secret a known path carries replaced by a placeholder."""
    for pattern, placeholder in SECRET_PATHS:
        text = pattern.sub(placeholder, text)
    return text


class RedactSecrets(logging.Filter):
    """On a logger or a handler: the record's message without the secrets of the paths it names."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True
