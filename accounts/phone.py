"""Mobile numbers as people type them ("079 123 45 67", "+41 79 …", "0041 79 …"), stored in E.164.

The phonenumbers library (Google's libphonenumber metadata) knows every country's
numbering plan; national formats are read in settings.PHONE_DEFAULT_REGION (Switzerland unless
configured).
"""

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

INVALID_PHONE = _("Enter a mobile number, e.g. 079 123 45 67 or +41 79 123 45 67.")


def _parsed(text: str) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(text, settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    # Possible (the region's lengths), not "valid" (its assigned ranges): ranges reserved for
    # fiction, like the demo's +44 7700 900xxx, must pass, and typos of length still fail.
    known = phonenumbers.region_code_for_country_code(number.country_code or 0) != phonenumbers.UNKNOWN_REGION
    return number if known and phonenumbers.is_possible_number(number) else None


def normalize_phone(phone: str | None) -> str:
    """E.164 for any valid number; anything else as typed, for validate_phone to refuse with a clear message."""
    text = (phone or "").strip()
    number = _parsed(text) if text else None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) if number else text


def validate_phone(value: str) -> None:
    """A stored number must be a valid number in E.164 (what normalize_phone makes of a valid one)."""
    number = _parsed(value) if value.startswith("+") else None
    if number is None or phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) != value:
        raise ValidationError(INVALID_PHONE, code="invalid_phone")
