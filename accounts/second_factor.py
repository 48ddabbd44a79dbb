"""The second factor: who must give one, their devices, and the writes that change them.

The policy is `second_factor_required()`: the one rule the middleware, the admin
site and the tests ask. Devices are django-otp's: an authenticator app (TOTPDevice),
backup codes (StaticDevice) and SMS (our SMSDevice). Every change of a device is a
service here (one transaction, told who acts, audited), and the user is emailed
whenever a device is added or removed.
"""

import base64
import hashlib
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from io import BytesIO

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from accounts.emails import METHOD_NAMES
from accounts.models import RequiredFor, SecondFactorPolicy, SMSDevice, User
from accounts.services import require_password, security_notice
from accounts.throttle import (
    client_ip,
    second_factor_blocked,
    second_factor_failed,
    second_factor_succeeded,
    sms_send_allowed,
)
from entities.audit import audit_record
from entities.models import Instance
from entities.selectors import held_company_grants
from outbox.kinds import MessageKind
from outbox.models import OutgoingMessage
from outbox.services import NothingToSend, message_queue
from outbox.sms import send_sms

security_log = logging.getLogger("accounts.security")

BACKUP_CODE_COUNT = 10
DEVICE_NAMES = {
    TOTPDevice: METHOD_NAMES["totp"],
    SMSDevice: METHOD_NAMES["sms"],
    StaticDevice: METHOD_NAMES["backup"],
    WebAuthnCredential: METHOD_NAMES["passkey"],
}
# Set at the password step: whether the user had a confirmed device then (saves three queries a page).
ENROLLED_SESSION_KEY = "second_factor_enrolled"
# Set at the password step: from when the cockpit's policy asks the person for a second factor (ISO time, or None).
DUE_SESSION_KEY = "second_factor_due"
# second_factor_required(): the password step found nothing, so ask the database.
UNKNOWN = object()

NO_MOBILE_NUMBER = _("SMS needs a mobile number on your account; add it under My account first.")
TOO_MANY_SMS = _("Too many codes were sent in the last 15 minutes; please wait before asking for another.")
WAIT_FOR_A_NEW_CODE = _(
    "A code is on its way and stays valid; you can ask for a new one in %(seconds)s seconds if it does not arrive."
)
CODES_PAUSED = _("Too many wrong codes. Please wait 15 minutes before you try again.")
DEVICE_SLOWED = _("Too many wrong codes for this method. Wait a moment and try again, or use another method.")
WRONG_CODE = _("This code is not valid. Check it and try again.")
ONLY_STAFF_OR_SELF = _("Only the user themselves or operator staff change this user's second factor.")
ONLY_STAFF_HAND_OVER = _("Only operator staff create an authenticator key to hand over.")
ONLY_STAFF_RESET = _("Only operator staff reset a user's second factor.")
ONLY_STAFF_POLICY = _("Only operator staff change a cockpit's second-factor policy.")
METHOD_NOT_COUNTED = _("This method does not count as your second factor here; use another one.")


class Method(StrEnum):
    PASSKEY = "passkey"
    TOTP = "totp"
    SMS = "sms"
    BACKUP = "backup"


# In the order the second step offers them: the phishing-resistant passkey first.
METHOD_MODELS: dict[Method, type[Device]] = {
    Method.PASSKEY: WebAuthnCredential,
    Method.TOTP: TOTPDevice,
    Method.SMS: SMSDevice,
    Method.BACKUP: StaticDevice,
}


# --- the policy ------------------------------------------------------------------------------


def has_confirmed_device(user: AbstractBaseUser) -> bool:
    return any(model.objects.filter(user=user, confirmed=True).exists() for model in METHOD_MODELS.values())


def second_factor_policy(instance_id: int) -> SecondFactorPolicy:
    """A cockpit's second-factor policy; the default (built-in rule only, every method counts) where none is set."""
    policy = SecondFactorPolicy.objects.filter(instance_id=instance_id).first()
    return policy if policy is not None else SecondFactorPolicy(instance_id=instance_id)


def manages_users(user: User) -> bool:
    """Whether the person manages users in their own cockpit (the sidebar's User Management entry)."""
    if user.is_operator_staff:
        return True
    return any(grant.manages_users for grant in held_company_grants(user.access_subject(), user.company.instance))


def policy_asks(policy: SecondFactorPolicy, user: User) -> bool:
    """Whether a cockpit's policy asks this person of the cockpit for a second factor."""
    if policy.required_for == RequiredFor.EVERYONE:
        return True
    return policy.required_for == RequiredFor.USER_MANAGERS and manages_users(user)


def second_factor_due(user: User) -> datetime | None:
    """From when the policy of the person's cockpit asks them for a second factor (None: it does not).

    The grace period counts from when the policy began to ask it, or from the person's joining if later.
    """
    policy = second_factor_policy(user.company.instance_id)
    if not policy_asks(policy, user):
        return None
    start = max(policy.required_since or user.date_joined, user.date_joined)
    return start + timedelta(days=policy.grace_days)


def second_factor_required(
    user: AbstractBaseUser, *, enrolled: bool | None = None, due: datetime | None | object = UNKNOWN
) -> bool:
    """Whether the user must verify a second factor in each session before anything else.

    Required for everyone whose "two-factor authentication required" flag is on
    (always on for show-all operator employees), everyone who may enter the Django
    admin, everyone who enrolled a device by choice, and everyone the cockpit's policy
    asks once its grace period is over. `enrolled` and `due` are what the password step
    found, to spare their queries on every page.
    """
    if not (user.is_authenticated and isinstance(user, User)):
        return False
    if user.otp_required or user.is_staff or user.is_superuser:
        return True
    if has_confirmed_device(user) if enrolled is None else enrolled:
        return True
    due = second_factor_due(user) if due is UNKNOWN else due
    return isinstance(due, datetime) and timezone.now() >= due


REQUIRED_FOR_ADMIN = _("Everyone who may open the Django admin signs in with a second factor.")
REQUIRED_FOR_SHOW_ALL = _("People who see all business entities of a cockpit sign in with a second factor.")
REQUIRED_BY_ORGANISATION = _("Your organisation requires a second factor for your account.")
REQUIRED_OF_EVERYONE = _("%(cockpit)s requires a second factor of everyone who works in it.")
REQUIRED_OF_USER_MANAGERS = _("%(cockpit)s requires a second factor of everyone who manages users.")
POLICY_REASONS = {RequiredFor.EVERYONE: REQUIRED_OF_EVERYONE, RequiredFor.USER_MANAGERS: REQUIRED_OF_USER_MANAGERS}


def second_factor_reason(user: User) -> Promise | str | None:
    """Why the policy asks this person for a second factor, in the words the set-up page gives (None: by choice)."""
    if user.is_staff or user.is_superuser:
        return REQUIRED_FOR_ADMIN
    if user.sees_all_entities:
        return REQUIRED_FOR_SHOW_ALL
    if user.otp_required:
        return REQUIRED_BY_ORGANISATION
    policy = second_factor_policy(user.company.instance_id)
    if not policy_asks(policy, user):
        return None
    return POLICY_REASONS[RequiredFor(policy.required_for)] % {"cockpit": user.company.instance}


def second_factor_pending(request: HttpRequest) -> bool:
    """Whether this session has passed the password step but still owes the second factor."""
    user = request.user
    # OTPMiddleware adds is_verified(); a user just logged in by the password step has not got it yet.
    is_verified = getattr(user, "is_verified", None)
    if not user.is_authenticated or (is_verified is not None and is_verified()):
        return False
    if not {ENROLLED_SESSION_KEY, DUE_SESSION_KEY} <= request.session.keys() and isinstance(user, User):
        # A session that did not pass our password step (older ones): ask once, then remember.
        remember_enrolment(request, user)
    return second_factor_required(user, enrolled=request.session.get(ENROLLED_SESSION_KEY), due=_session_due(request))


def second_factor_grace(request: HttpRequest) -> datetime | None:
    """Until when this session's person may still work without a second factor the policy asks (the banner's date)."""
    if not request.user.is_authenticated or request.session.get(ENROLLED_SESSION_KEY, True):
        return None
    due = _session_due(request)
    return due if due is not None and timezone.now() < due else None


def _session_due(request: HttpRequest) -> datetime | None:
    value = request.session.get(DUE_SESSION_KEY)
    return datetime.fromisoformat(value) if value else None


def remember_enrolment(request: HttpRequest, user: User) -> None:
    """At the password step: note whether the user has a device and from when the policy asks for one."""
    request.session[ENROLLED_SESSION_KEY] = enrolled = has_confirmed_device(user)
    due = None if enrolled or user.otp_required or user.is_staff else second_factor_due(user)
    request.session[DUE_SESSION_KEY] = due.isoformat() if due else None


# Per cockpit opened through a share in this session: what its policy asks of visitors ("" nothing, else the
# methods that count, e.g. "totp,backup"), read once per session like the person's own policy.
VISITED_POLICIES_KEY = "second_factor_visited"
OWED_IN_COCKPIT = _("%(cockpit)s requires a second factor of everyone who works in it. Set one up to continue.")


def second_factor_owed_in(request: HttpRequest, instance: Instance) -> bool:
    """Whether the person, opening another cockpit than their own (a share), must first give a second factor that
    cockpit's policy counts: a cockpit requiring one of everyone requires it of its visitors too (as Entra's
    cross-tenant settings and GitHub organisations do). Their own cockpit is not affected."""
    user = request.user
    if not isinstance(user, User) or instance.pk == user.instance_id:
        return False
    visited = request.session.setdefault(VISITED_POLICIES_KEY, {})
    key = str(instance.pk)
    if key not in visited:
        policy = second_factor_policy(instance.pk)
        counted = [m for m in offered_methods() if m != Method.SMS or sms_counts_for(user, policy)]
        visited[key] = ",".join(counted) if policy.required_for == RequiredFor.EVERYONE else ""
        request.session.modified = True
    if not visited[key]:
        return False
    device = getattr(user, "otp_device", None)  # the device this session was verified with (OTPMiddleware)
    return device is None or method_of(device) not in visited[key].split(",")


def sms_counts_for(user: User, policy: SecondFactorPolicy | None = None) -> bool:
    """Whether an SMS code counts as this person's second factor: never for people who may open the Django admin
    (SMS is a restricted authenticator, NIST 800-63B), and not where the cockpit's policy says so."""
    if user.is_staff or user.is_superuser:
        return False
    return (policy or second_factor_policy(user.company.instance_id)).sms_counts


# --- reads -----------------------------------------------------------------------------------


def offered_methods() -> list[Method]:
    """The methods this deployment offers: SMS only while it has an SMS gateway (settings.SMS_ENABLED)."""
    return [method for method in METHOD_MODELS if method != Method.SMS or settings.SMS_ENABLED]


def method_of(device: Device) -> Method:
    return next(method for method, model in METHOD_MODELS.items() if isinstance(device, model))


def counted_methods(user: User) -> list[Method]:
    """The methods that count as this person's second factor: those offered, SMS only where it counts for them."""
    return [method for method in offered_methods() if method != Method.SMS or sms_counts_for(user)]


def first_methods(user: User) -> list[Method]:
    """The methods the person can set up at the first sign-in's set-up (backup codes come with them; a passkey is
    added on My account once signed in)."""
    return [
        method
        for method in counted_methods(user)
        if method in (Method.TOTP, Method.SMS) and (method != Method.SMS or user.mobile_phone)
    ]


def confirmed_devices(user: User, *, counted_only: bool = True) -> dict[Method, Device]:
    """The user's devices, one per method (the newest), passkey first: those that count as their second
    factor, or (counted_only=False, for My account) every offered one, so that one no longer counting can be
    removed."""
    found: dict[Method, Device] = {}
    for method in counted_methods(user) if counted_only else offered_methods():
        model = METHOD_MODELS[method]
        device = model.objects.filter(user=user, confirmed=True).order_by("-id").first()
        if device is not None and (method != Method.BACKUP or device.token_set.exists()):
            found[method] = device
    return found


def totp_qr_code(device: TOTPDevice) -> SafeString:
    """The device's key as an inline SVG QR code for authenticator apps (rendered here; no outside service sees it)."""
    buffer = BytesIO()
    qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8).save(buffer)
    svg = buffer.getvalue().decode()
    return mark_safe(svg[svg.index("<svg") :])  # noqa: S308 - generated by qrcode from our own key


def totp_manual_key(device: TOTPDevice) -> str:
    """The key as authenticator apps ask for it when typed: base32, in groups of four."""
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


@dataclass(frozen=True)
class SecondFactorStatus:
    """What the user list says about a user's second factor."""

    code: str
    label: str


STATUS_LABELS = {
    "passkey": _("passkey"),
    "not_required": _("not required"),
    "not_set_up": _("required, not set up"),
    "totp": _("authenticator app"),
    "sms": _("SMS"),
    "backup_only": _("backup codes only"),
}


def second_factor_status(
    *, required: bool, totp: bool, sms: bool, backup: bool, passkey: bool = False
) -> SecondFactorStatus:
    """One user's status from what the list read: the strongest method they have, or why none."""
    if passkey:
        code = "passkey"
    elif totp:
        code = "totp"
    elif sms:
        code = "sms"
    elif backup:
        code = "backup_only"
    else:
        code = "not_set_up" if required else "not_required"
    return SecondFactorStatus(code, str(STATUS_LABELS[code]))


# --- verifying -------------------------------------------------------------------------------


def second_factor_verify(request: HttpRequest, device: Device, code: str) -> None:
    """Check a code of the signed-in user's device; on success the session is verified and gets a new id.

    A device being enrolled counts from this first valid code on (it is confirmed
    here). ValidationError with a clear message when the code is wrong, the device is
    slowed down by earlier failures, or the account is paused.
    """
    user = request.user
    assert isinstance(user, User) and device.user_id == user.pk
    if method_of(device) not in counted_methods(user):
        raise ValidationError(METHOD_NOT_COUNTED, code="method_not_counted")
    ip = client_ip(request.META)
    # Raises LimitsUnreachable, a ValidationError, while the counters cannot be read.
    if second_factor_blocked(user_id=user.pk, email=user.email, ip=ip):
        raise ValidationError(CODES_PAUSED, code="throttled")
    allowed, _details = device.verify_is_allowed()
    if not allowed:
        raise ValidationError(DEVICE_SLOWED, code="device_throttled")
    # A code asked for in another session is wrong here, and counts as such.
    if not (_asked_here(request, device) and device.verify_token(code.strip().replace(" ", ""))):
        if second_factor_failed(user_id=user.pk, email=user.email, ip=ip):
            audit_record(
                actor=None,
                action="user.second_factor_locked",
                target=user,
                subject_user=user,
                instance=user.company.instance,
                changes={"ip": (None, ip)},
            )
        raise ValidationError(WRONG_CODE, code="wrong_code")
    second_factor_succeeded(user_id=user.pk, ip=ip)
    if not device.confirmed:
        device_confirm(actor=user, device=device)
    otp_login(request, device)
    request.session[ENROLLED_SESSION_KEY] = True
    # A new session id once the second step is done, as after the password step.
    request.session.cycle_key()


# The challenge of the SMS code this session asked for; the device keeps its hash with the code.
SMS_CHALLENGE_KEY = "sms_challenge"
# Which SMS device this session last asked a code of, and when (seconds since the epoch).
SMS_ASKED_KEY = "sms_asked"


def _challenge_hash(challenge: str) -> str:
    return hashlib.sha256(challenge.encode()).hexdigest()


@dataclass(frozen=True)
class SmsCodeState:
    """Where this session's SMS code stands, read from the session alone: the worker may not have sent it yet.

    `asked`: a code was asked for and can still be typed, so the page shows the code field;
    `wait_seconds`: how long until a new code may be asked (0: now).
    """

    asked: bool
    wait_seconds: int


def sms_code_state(request: HttpRequest, device: SMSDevice) -> SmsCodeState:
    asked = request.session.get(SMS_ASKED_KEY) or {}
    if asked.get("device") != device.pk:
        return SmsCodeState(asked=False, wait_seconds=0)
    age = int(time.time()) - int(asked.get("at", 0))
    return SmsCodeState(
        asked=0 <= age < settings.SMS_CODE_SECONDS,
        wait_seconds=max(0, settings.SMS_RESEND_WAIT_SECONDS - age),
    )


@transaction.atomic
def sms_code_send(request: HttpRequest, device: SMSDevice) -> None:
    """Send a new code to the user's mobile number, for this session only; the previous code stops working.

    Within SMS_RESEND_WAIT_SECONDS of the last one, nothing is sent and nothing voided: a second
    press while the first code is on its way would otherwise cancel the code about to arrive.
    """
    user = device.user
    if not sms_counts_for(user):
        raise ValidationError(METHOD_NOT_COUNTED, code="method_not_counted")
    if not user.mobile_phone:
        raise ValidationError(NO_MOBILE_NUMBER, code="no_mobile_number")
    wait = sms_code_state(request, device).wait_seconds
    if wait:
        raise ValidationError(WAIT_FOR_A_NEW_CODE, code="wait", params={"seconds": wait})
    if not sms_send_allowed(user_id=user.pk, ip=client_ip(request.META)):
        security_log.warning("SMS code refused, limit reached: email=%s", user.email)
        raise ValidationError(TOO_MANY_SMS, code="throttled")
    challenge = secrets.token_urlsafe(16)
    request.session[SMS_CHALLENGE_KEY] = challenge
    request.session[SMS_ASKED_KEY] = {"device": device.pk, "at": int(time.time())}
    message_queue(
        kind=SMS_CODES.code,
        recipient=user,
        subject_id=device.pk,
        payload={"challenge": _challenge_hash(challenge)},
    )


def _asked_here(request: HttpRequest, device: Device) -> bool:
    """Whether an SMS code was asked for by this very session (any other device's codes are not bound)."""
    if not isinstance(device, SMSDevice):
        return True
    challenge = request.session.get(SMS_CHALLENGE_KEY, "")
    return bool(challenge and device.challenge_hash) and secrets.compare_digest(
        _challenge_hash(challenge), device.challenge_hash
    )


def _send_sms_code(message: OutgoingMessage) -> None:
    """The code is made as the SMS leaves; once it could no longer be typed in time, none is sent."""
    user = message.recipient
    device = SMSDevice.objects.filter(pk=message.subject_id, user=user).first()
    too_late = timezone.now() - message.created_at > timedelta(seconds=settings.SMS_CODE_SECONDS)
    if device is None or not user.mobile_phone or too_late:
        raise NothingToSend
    device.challenge_hash = message.payload.get("challenge", "")
    device.save(update_fields=["challenge_hash"])
    device.generate_token(valid_secs=settings.SMS_CODE_SECONDS)
    with translation.override(user.language):
        body = str(_("Your Cockpit code: %(code)s")) % {"code": device.token}
    send_sms(phone=user.mobile_phone, body=body)


SMS_CODES = MessageKind(code="sms_code", label=_("SMS code"), send=_send_sms_code)


# --- devices ---------------------------------------------------------------------------------


def _is_staff_for(actor: AbstractBaseUser | None, user: User) -> bool:
    """Operator staff change others' devices; another staff member's only as a superuser (no takeovers)."""
    if not (isinstance(actor, User) and actor.is_operator_staff):
        return False
    return actor.is_superuser or not (user.is_staff or user.is_superuser)


def require_self_or_staff(actor: AbstractBaseUser | None, user: User) -> None:
    # None is the system (demo data, scripts); people change their own devices, staff those of others.
    if actor is not None and actor.pk != user.pk and not _is_staff_for(actor, user):
        raise PermissionDenied(ONLY_STAFF_OR_SELF)


def device_audit(*, actor: AbstractBaseUser | None, action: str, device: Device, user: User) -> None:
    audit_record(
        actor=actor,
        action=action,
        target=user,
        subject_user=user,
        instance=user.company.instance,
        changes={"device": (None, str(DEVICE_NAMES[type(device)]))},
    )


def device_security_email(user: User, event: str, device: Device) -> None:
    # The method's code, named when the email is rendered, in the person's language.
    security_notice(user, event, method_of(device))


@transaction.atomic
def totp_device_create(
    *, actor: AbstractBaseUser | None, user: User, confirmed: bool, key: str | None = None
) -> TOTPDevice:
    """A new authenticator-app key for the user, replacing any earlier one.

    Operator staff create it confirmed, to hand its QR code over (shown once); a
    user enrolling themselves gets it unconfirmed until they type a valid code.
    `key` (hex) is for the fixed demo data only; every other key is drawn at random.
    """
    require_self_or_staff(actor, user)
    if confirmed and actor is not None and not _is_staff_for(actor, user):
        raise PermissionDenied(ONLY_STAFF_HAND_OVER)
    # A confirmed key handed over replaces the old one at once; one being enrolled only once confirmed.
    earlier = TOTPDevice.objects.filter(user=user)
    for old in earlier if confirmed else earlier.filter(confirmed=False):
        _device_remove(actor=actor, device=old, user=user, notify=old.confirmed)
    fixed = {"key": key} if key else {}
    device = TOTPDevice.objects.create(user=user, name=str(DEVICE_NAMES[TOTPDevice]), confirmed=confirmed, **fixed)
    device_audit(actor=actor, action="device.created", device=device, user=user)
    if confirmed:
        device_security_email(user, "added", device)
    return device


@transaction.atomic
def sms_device_create(*, actor: AbstractBaseUser | None, user: User) -> SMSDevice:
    """An SMS device for the user, unconfirmed until a code sent to their number comes back."""
    require_self_or_staff(actor, user)
    if not sms_counts_for(user):
        raise ValidationError(METHOD_NOT_COUNTED, code="method_not_counted")
    if not user.mobile_phone:
        raise ValidationError(NO_MOBILE_NUMBER, code="no_mobile_number")
    SMSDevice.objects.filter(user=user, confirmed=False).delete()
    device = SMSDevice.objects.create(user=user, name=str(DEVICE_NAMES[SMSDevice]), confirmed=False)
    device_audit(actor=actor, action="device.created", device=device, user=user)
    return device


@transaction.atomic
def device_confirm(*, actor: AbstractBaseUser | None, device: Device) -> Device:
    """The user proved they hold the device (a valid code): it counts from now on."""
    user = device.user
    require_self_or_staff(actor, user)
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    # One device per method: a newly confirmed one replaces the earlier.
    for old in type(device).objects.filter(user=user, confirmed=True).exclude(pk=device.pk):
        _device_remove(actor=actor, device=old, user=user, notify=False)
    device_audit(actor=actor, action="device.confirmed", device=device, user=user)
    device_security_email(user, "added", device)
    return device


@transaction.atomic
def backup_codes_generate(*, actor: AbstractBaseUser | None, user: User, notify: bool = True) -> list[str]:
    """Ten new single-use backup codes (earlier ones stop working), returned once to be shown once.

    The person is told by email; `notify=False` only for the demo data, which makes new ones on every run.
    """
    require_self_or_staff(actor, user)
    device, created = StaticDevice.objects.get_or_create(
        user=user, defaults={"name": str(DEVICE_NAMES[StaticDevice]), "confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    audit_record(
        actor=actor,
        action="device.backup_codes_generated",
        target=user,
        subject_user=user,
        instance=user.company.instance,
    )
    if created:
        device_security_email(user, "added", device)
    elif notify:
        security_notice(user, "backup_codes")
    return codes


def backup_codes_on_enrolment(*, user: User) -> list[str] | None:
    """At an enrolment, the person who holds no usable backup code gets ten now, to see once (GitHub's recovery
    codes step): a forced first set-up must not leave them with a single factor and no way back. None when they
    still hold codes: new ones would void codes they may have kept."""
    if StaticToken.objects.filter(device__user=user).exists():
        return None
    return backup_codes_generate(actor=user, user=user)


def _device_remove(*, actor: AbstractBaseUser | None, device: Device, user: User, notify: bool = True) -> None:
    device.delete()
    device_audit(actor=actor, action="device.removed", device=device, user=user)
    if notify:
        device_security_email(user, "removed", device)


def device_remove(*, actor: AbstractBaseUser | None, device: Device, password: str | None = None) -> None:
    """Remove one of a user's devices; they confirm with their password, and are told by email.

    The password is checked before the removal's transaction, so a wrong one stays counted.
    """
    require_self_or_staff(actor, device.user)
    if actor is not None and actor.pk == device.user_id:
        require_password(device.user, password)
    with transaction.atomic():
        _device_remove(actor=actor, device=device, user=device.user)


@transaction.atomic
def second_factor_reset(*, actor: AbstractBaseUser, user: User) -> None:
    """For a lost phone: remove every device, end every session, and make the user enrol at the next login."""
    if not _is_staff_for(actor, user):
        raise PermissionDenied(ONLY_STAFF_RESET)
    for model in METHOD_MODELS.values():
        for device in model.objects.filter(user=user):
            device.delete()
    user.otp_required = True
    user.session_generation += 1
    user.save(update_fields=["otp_required", "session_generation"])
    audit_record(
        actor=actor, action="user.second_factor_reset", target=user, subject_user=user, instance=user.company.instance
    )
    security_notice(user, "reset")


# How much each choice asks of people: a policy that asks more starts its grace period anew.
_ASKS = {RequiredFor.BUILT_IN: 0, RequiredFor.USER_MANAGERS: 1, RequiredFor.EVERYONE: 2}


@transaction.atomic
def second_factor_policy_set(
    *, actor: AbstractBaseUser, instance: Instance, required_for: str, sms_counts: bool, grace_days: int
) -> SecondFactorPolicy:
    """Operator staff set a cockpit's second-factor policy; the change is audited.

    When the policy comes to ask more people than before, its grace period counts from now. It applies to
    each person from their next sign-in (the password step reads it).
    """
    if not (isinstance(actor, User) and actor.is_operator_staff):
        raise PermissionDenied(ONLY_STAFF_POLICY)
    stored = SecondFactorPolicy.objects.select_for_update().filter(instance=instance).first()
    policy = stored if stored is not None else SecondFactorPolicy(instance=instance)
    before = {"required_for": policy.required_for, "sms_counts": policy.sms_counts, "grace_days": policy.grace_days}
    if _ASKS[RequiredFor(required_for)] > _ASKS[RequiredFor(policy.required_for)]:
        policy.required_since = timezone.now()
    policy.required_for, policy.sms_counts, policy.grace_days = required_for, sms_counts, grace_days
    policy.full_clean()
    policy.save()
    after = {"required_for": policy.required_for, "sms_counts": policy.sms_counts, "grace_days": policy.grace_days}
    changes = {name: (before[name], after[name]) for name in after if before[name] != after[name]}
    if changes:
        audit_record(
            actor=actor, action="second_factor.policy_changed", target=policy, instance=instance, changes=changes
        )
    return policy


def session_device_id(request: HttpRequest) -> str | None:
    """The persistent id of the device this session was verified with, if any."""
    return request.session.get(DEVICE_ID_SESSION_KEY)
