"""Changes of how one signs in ask for the password again, unless it was typed a few minutes ago.

Setting up or removing a second factor, or making new backup codes, in a session that is
already signed in asks for the password first (OWASP ASVS 7.5.1): someone at an unlocked
computer cannot add their own authenticator app. A password typed at the sign-in or on the
confirmation page counts for REAUTHENTICATION_SECONDS (GitHub's "sudo mode", shorter). The
sign-in itself, while the second step is still owed, is exempt: its password was just typed.
"""

import time

from django.conf import settings
from django.http import HttpRequest

from accounts.middleware import SIGNED_IN_AT

PASSWORD_CHECKED_AT = "password_checked_at"


def note_password_checked(request: HttpRequest) -> None:
    """The password was typed again just now, in this session."""
    request.session[PASSWORD_CHECKED_AT] = int(time.time())


def password_recently_checked(request: HttpRequest) -> bool:
    """Whether this session's password was typed within the last REAUTHENTICATION_SECONDS (at sign-in or again)."""
    session = request.session
    checked_at = max(session.get(PASSWORD_CHECKED_AT, 0), session.get(SIGNED_IN_AT, 0))
    return int(time.time()) - checked_at <= settings.REAUTHENTICATION_SECONDS
