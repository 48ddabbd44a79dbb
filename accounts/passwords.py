"""Password rules of our own, beside Django's validators (settings.AUTH_PASSWORD_VALIDATORS)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Hashing is slow on purpose; a password of megabytes would make every attempt slower still.
PASSWORD_MAX_LENGTH = 1024


class MaximumLengthValidator:
    """Refuse passwords longer than PASSWORD_MAX_LENGTH characters, before anything hashes them."""

    def validate(self, password: str, user=None) -> None:
        if len(password) > PASSWORD_MAX_LENGTH:
            raise ValidationError(
                _("This password is too long: at most %(max)d characters."),
                code="password_too_long",
                params={"max": PASSWORD_MAX_LENGTH},
            )

    def get_help_text(self) -> str:
        return _("Your password can have at most %(max)d characters.") % {"max": PASSWORD_MAX_LENGTH}
