"""The forms of a person's own account: sign-in, second step, profile, password."""

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.passkeys import PASSKEY_NAME_MAX
from accounts.passwords import PASSWORD_MAX_LENGTH
from accounts.phone import normalize_phone
from accounts.selectors import inviter_of
from accounts.services import password_confirm, sign_in_locked
from accounts.throttle import client_ip, login_blocked, login_failed, login_succeeded

PHONE_AS_TYPED_MAX = 32


class PhoneNormalizingMixin:
    """Accept the spaces and dashes people type in a phone number; the model then checks E.164."""

    cleaned_data: dict[str, Any]
    fields: dict[str, forms.Field]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("mobile_phone")
        if isinstance(field, forms.CharField):
            # E.164's 16 characters hold once the spaces are gone; as typed, a number is longer.
            field.max_length = PHONE_AS_TYPED_MAX
            field.validators = [v for v in field.validators if not isinstance(v, MaxLengthValidator)]
            field.widget.attrs["maxlength"] = str(PHONE_AS_TYPED_MAX)

    def clean_mobile_phone(self) -> str:
        return normalize_phone(self.cleaned_data.get("mobile_phone", ""))


TEMPORARY_PASSWORD_EXPIRED = _("This temporary password has expired; ask %(inviter)s to send you a new one.")
TEMPORARY_PASSWORD_EXPIRED_NO_INVITER = _(
    "This temporary password has expired; ask your company's user manager to send you a new one."
)


class LoginForm(AuthenticationForm):
    """Email and password; the email is matched case-insensitively."""

    username = forms.EmailField(
        label=_("Email address"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    # A longer one is refused by the field, so it is never hashed (authenticate runs only for valid fields).
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=PASSWORD_MAX_LENGTH,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Please enter a correct email address and password. The password is case-sensitive."),
    }

    def clean_username(self) -> str:
        return self.cleaned_data["username"].strip().lower()

    def clean(self):
        email = self.cleaned_data.get("username") or ""
        ip = client_ip(self.request.META) if self.request else None
        # Raises LimitsUnreachable, a form error, while the counters cannot be read.
        if login_blocked(email=email, ip=ip):
            raise forms.ValidationError(
                _("Too many failed attempts. Please wait 15 minutes before you try again."), code="throttled"
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if login_failed(email=email, ip=ip):
                sign_in_locked(email=email, ip=ip)
            raise
        if self.user_cache is not None:
            # Only a right password forgets this address's failures (an empty one checks nothing).
            login_succeeded(email=email, ip=ip)
        return cleaned

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if user.temporary_password_expired:
            inviter = inviter_of(user)
            raise forms.ValidationError(
                TEMPORARY_PASSWORD_EXPIRED % {"inviter": inviter} if inviter else TEMPORARY_PASSWORD_EXPIRED_NO_INVITER,
                code="temporary_password_expired",
            )


class CodeForm(forms.Form):
    """A code of the second step: six digits from an app or an SMS, or a backup code."""

    code = forms.CharField(
        label=_("Code"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


class AccountForm(PhoneNormalizingMixin, forms.ModelForm):
    """A user's own profile; a new mobile number is confirmed with the password."""

    password = forms.CharField(
        label=_("Current password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("Needed only to change the mobile number."),
    )

    class Meta:
        model = User
        fields = ["first_name", "last_name", "language", "mobile_phone"]
        widgets = {"mobile_phone": forms.TextInput(attrs={"type": "tel", "placeholder": "079 123 45 67"})}


class PasswordConfirmForm(forms.Form):
    """The password again, before a change of how one signs in (a method set up or removed, new backup codes)."""

    password = forms.CharField(
        label=_("Current password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class PasskeyNameForm(forms.Form):
    """The name of a passkey being added, to tell it apart on My account."""

    name = forms.CharField(
        label=_("Name of the passkey"),
        max_length=PASSKEY_NAME_MAX,
        help_text=_("For example the device it is on: “Work laptop”, “My phone”."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())


class PasswordChangeForm(DjangoPasswordChangeForm):
    """Django's form; for a temporary password the old one need not be typed again.

    The old password is checked with the sign-in's limits (accounts.services.password_confirm).
    """

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        if user.must_change_password:
            del self.fields["old_password"]

    def clean_old_password(self) -> str:
        old_password = self.cleaned_data["old_password"]
        password_confirm(self.user, old_password)
        return old_password
