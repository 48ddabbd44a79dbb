"""Writes to a person's account: the user record every path saves through, notices of sign-in changes,
the password and the sessions. Each one transaction, each told who acts, each validated in full before saving.

User Management's writes (invite, edit, remove) build on user_save in users.services.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.emails import send_security_email
from accounts.models import Language, User
from accounts.phone import normalize_phone
from accounts.throttle import login_blocked, login_failed, login_succeeded
from core.integrity import save_unique
from entities.audit import audit_record, current_ip, diff
from entities.models import Company, Role
from outbox.kinds import MessageKind
from outbox.models import OutgoingMessage
from outbox.services import message_queue

USER_FIELDS_EDITABLE = (
    "email",
    "first_name",
    "last_name",
    "company",
    "mobile_phone",
    "language",
    "sees_all_entities",
    "all_entities_role",
    "is_staff",
    "otp_required",
    "chat_enabled",
)


def _send_security_email(message: OutgoingMessage) -> None:
    payload = message.payload
    send_security_email(
        user=message.recipient, event=payload["event"], device=payload.get("device", ""), address=payload.get("address")
    )


SECURITY_NOTICES = MessageKind(code="security", label=_("Security notice"), send=_send_security_email)


def security_notice(user: User, event: str, detail: str = "", *, address: str | None = None) -> None:
    """Email the person that how they sign in changed (accounts.emails.SECURITY_EVENTS), queued in this transaction.

    `address` sends it to another address than the account's (the one a change replaced).
    """
    payload = {"event": event, "device": detail} | ({"address": address} if address else {})
    message_queue(kind=SECURITY_NOTICES.code, recipient=user, payload=payload, supersede=False)


def _sign_in_notices(stored: User, user: User) -> None:
    """A new mobile number or email address of someone who signs in already, or a second factor now asked of them,
    is announced to them (a person yet to sign in is told in the welcome email)."""
    if stored.awaits_first_login:
        return  # nobody to warn yet: their first sign-in is still to come
    if stored.mobile_phone != user.mobile_phone:
        security_notice(user, "mobile_changed", user.mobile_phone[-2:])
    if stored.email != user.email:
        security_notice(user, "email_changed", user.email, address=stored.email)
    if user.otp_required and not stored.otp_required:
        security_notice(user, "second_factor_required")


def _user_snapshot(user: User) -> dict:
    return {field: getattr(user, field) for field in USER_FIELDS_EDITABLE} | {
        "is_active": user.is_active,
        "is_superuser": user.is_superuser,
    }


@transaction.atomic
def user_save(*, actor: AbstractBaseUser | None, user: User) -> User:
    """Validate and store a new or changed user (the admin's path; the functions below build on it)."""
    user.full_clean(exclude=["password"])
    stored = User.objects.filter(pk=user.pk).first() if user.pk else None
    before = _user_snapshot(stored) if stored else {}
    save_unique(user)
    if stored is not None:
        _sign_in_notices(stored, user)
    changes = diff(before, _user_snapshot(user))
    if stored is None or changes:
        audit_record(
            actor=actor,
            action="user.created" if stored is None else "user.changed",
            target=user,
            subject_user=user,
            instance=user.company.instance,
            changes=changes,
        )
    return user


@transaction.atomic
def user_create(
    *,
    actor: AbstractBaseUser | None,
    email: str,
    company: Company,
    first_name: str = "",
    last_name: str = "",
    mobile_phone: str = "",
    language: str = Language.GERMAN,
    sees_all_entities: bool = False,
    all_entities_role: Role | None = None,
    is_staff: bool = False,
    otp_required: bool = False,
    chat_enabled: bool = False,
    password: str | None = None,
) -> User:
    """Create a user; without a password the account cannot log in until one is set."""
    user = User(
        email=email,
        company=company,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        mobile_phone=normalize_phone(mobile_phone),
        language=language,
        sees_all_entities=sees_all_entities,
        all_entities_role=all_entities_role,
        is_staff=is_staff,
        otp_required=otp_required,
        chat_enabled=chat_enabled,
    )
    user.set_password(password)
    return user_save(actor=actor, user=user)


@transaction.atomic
def user_update(*, actor: AbstractBaseUser | None, user: User, **changes) -> User:
    """Change a user's profile fields; invalid changes raise ValidationError and leave the row as it was."""
    unknown = set(changes) - set(USER_FIELDS_EDITABLE)
    if unknown:
        raise TypeError(f"user_update cannot change {sorted(unknown)}")
    if "mobile_phone" in changes:
        changes["mobile_phone"] = normalize_phone(changes["mobile_phone"])
    for field, value in changes.items():
        setattr(user, field, value)
    try:
        return user_save(actor=actor, user=user)
    except ValidationError:
        user.refresh_from_db()
        raise


@transaction.atomic
@transaction.atomic
def password_changed(*, user: User) -> None:
    """The user chose their own password: the forced change is done, or they are told of the change."""
    if not user.must_change_password:
        security_notice(user, "password_changed")
    user.must_change_password = False
    user.temporary_password_expires_at = None
    user.save(update_fields=["must_change_password", "temporary_password_expires_at"])
    audit_record(
        actor=user, action="user.password_changed", target=user, subject_user=user, instance=user.company.instance
    )


# --- My account: a user changes their own profile and sessions ------------------------------

PASSWORD_NEEDED = _("Enter your current password to confirm this change.")
PASSWORD_WRONG = _("This is not your current password.")
PASSWORD_TRIES_PAUSED = _("Too many failed attempts. Please wait 15 minutes before you try again.")


def password_confirm(user: User, password: str | None) -> None:
    """A password typed again inside a session: checked with the sign-in's own limits (accounts.throttle).

    Wrong ones count for the account and the address as a wrong password at the login
    does, with the same log line and the same pause; once paused, even the right one is
    refused. The address is the request's (cockpit.middleware.RequestContextMiddleware).
    Called before a change's transaction: the count of a refused password must outlive its
    rollback (the counters may be rows of the database).
    """
    ip = current_ip.get()
    # Raises LimitsUnreachable, a ValidationError, while the counters cannot be read.
    if login_blocked(email=user.email, ip=ip):
        raise ValidationError(PASSWORD_TRIES_PAUSED, code="throttled")
    if not password:
        raise ValidationError(PASSWORD_NEEDED, code="password_needed")
    if not user.check_password(password):
        if login_failed(email=user.email, ip=ip):
            sign_in_locked(email=user.email, ip=ip)
        raise ValidationError(PASSWORD_WRONG, code="password_wrong")
    login_succeeded(email=user.email, ip=ip)


def require_password(user: User, password: str | None) -> None:
    """Changes an intruder in an open session could use to lock the owner out ask for the password again."""
    try:
        password_confirm(user, password)
    except ValidationError as error:
        raise ValidationError({"password": error.error_list}) from error


def account_update(
    *, user: User, first_name: str, last_name: str, language: str, mobile_phone: str, password: str | None = None
) -> User:
    """A user changes their own name, language and mobile number; a new number needs the password.

    The password is checked first, outside the change's transaction (password_confirm).
    """
    if normalize_phone(mobile_phone) != user.mobile_phone:
        require_password(user, password)
    return user_update(
        actor=user,
        user=user,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        language=language,
        mobile_phone=mobile_phone,
    )


@transaction.atomic
def sessions_end_all(*, user: User) -> None:
    """The person ends every session of theirs (the caller keeps its own with update_session_auth_hash)."""
    user.session_generation += 1
    user.save(update_fields=["session_generation"])
    audit_record(
        actor=user, action="user.sessions_ended", target=user, subject_user=user, instance=user.company.instance
    )


def sign_in_locked(*, email: str, ip: str | None) -> None:
    """Wrong passwords locked an account (here or everywhere): recorded on the user, if the account exists."""
    user = User.objects.filter(email=email.strip().lower()).select_related("company__instance").first()
    if user is not None:
        audit_record(
            actor=None,
            action="user.sign_in_locked",
            target=user,
            subject_user=user,
            instance=user.company.instance,
            changes={"ip": (None, ip)},
        )
