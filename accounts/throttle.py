"""Rate limits on sign-in, second-factor codes, SMS and invitations, counted where every worker sees them.

Counters live in a store all processes share: the cache when it is Redis, else the
database (RATE_LIMIT_STORE). Production refuses to start with counters in one
process's memory (cockpit.settings). Each limit is a fixed window per key: simple, and
enough to stop password guessing, code guessing and mail or SMS floods.

Sign-in failures count three ways. Account + IP locks quickly, so the attacker's
address is stopped while the victim still signs in from theirs; the account alone
locks much later (a slower back-off across all addresses); the IP alone stops one
address spraying many accounts. Every check runs before the password hash, so a
blocked attempt is refused whatever the password.
"""

import logging
import random
import sys
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from redis.exceptions import RedisError

from accounts.models import RateLimitCounter

security_log = logging.getLogger("accounts.security")


class CounterStore(Protocol):
    def hit(self, key: str, window_seconds: int) -> int: ...
    def peek(self, key: str) -> int: ...
    def clear(self, key: str) -> None: ...


# What a counter reads while the cache cannot be reached: over every limit (fail closed), or none.
UNREACHABLE_CLOSED = sys.maxsize


class CacheStore:
    """Counters in the cache: atomic and shared on Redis; one process's memory with the local cache (tests, dev).

    While Redis cannot be reached, a counter reads as over its limit (`fail_closed`, the
    default: no unlimited password guessing or SMS flood), or as zero for limits whose
    pause would stop the cockpit's ordinary work (the list limit).
    """

    def __init__(self, *, fail_closed: bool = True):
        self.unreachable = UNREACHABLE_CLOSED if fail_closed else 0

    def hit(self, key: str, window_seconds: int) -> int:
        try:
            cache.add(key, 0, timeout=window_seconds)
            try:
                return cache.incr(key)
            except ValueError:  # expired between add() and incr()
                cache.set(key, 1, timeout=window_seconds)
                return 1
        except RedisError:
            return self._unreachable(key)

    def peek(self, key: str) -> int:
        try:
            return cache.get(key, 0)
        except RedisError:
            return self._unreachable(key)

    def clear(self, key: str) -> None:
        try:
            cache.delete(key)
        except RedisError:
            self._unreachable(key)

    def _unreachable(self, key: str) -> int:
        security_log.error("Rate-limit store unreachable; %s counts as %s", key.split(":")[0], self.unreachable)
        return self.unreachable


class DatabaseStore:
    """Counters in a table, for deployments without Redis: every worker sees the same rows."""

    def hit(self, key: str, window_seconds: int) -> int:
        now = timezone.now()
        if random.random() < 0.01:  # noqa: S311 - housekeeping, not security
            RateLimitCounter.objects.filter(expires_at__lt=now - timedelta(days=1)).delete()
        with transaction.atomic():
            row = RateLimitCounter.objects.select_for_update().filter(key=key).first()
            if row is None:
                try:
                    with transaction.atomic():
                        RateLimitCounter.objects.create(
                            key=key, count=1, expires_at=now + timedelta(seconds=window_seconds)
                        )
                    return 1
                except IntegrityError:  # another worker counted the first hit at the same moment
                    row = RateLimitCounter.objects.select_for_update().get(key=key)
            if row.expires_at <= now:
                row.count, row.expires_at = 1, now + timedelta(seconds=window_seconds)
            else:
                row.count += 1
            row.save(update_fields=["count", "expires_at"])
            return row.count

    def peek(self, key: str) -> int:
        row = RateLimitCounter.objects.filter(key=key, expires_at__gt=timezone.now()).only("count").first()
        return row.count if row else 0

    def clear(self, key: str) -> None:
        RateLimitCounter.objects.filter(key=key).delete()


def store() -> CounterStore:
    return DatabaseStore() if settings.RATE_LIMIT_STORE == "database" else CacheStore()


@dataclass(frozen=True)
class Limit:
    """At most `count` hits per `window_seconds` under one key."""

    key: str
    count: int
    window_seconds: int


def _account(email: str) -> str:
    return email.strip().lower()


def _login_limits(email: str, ip: str | None) -> list[Limit]:
    account = _account(email)
    limits = [
        Limit(f"login:account:{account}", settings.LOGIN_FAILURES_PER_ACCOUNT, settings.LOGIN_ACCOUNT_WINDOW_SECONDS),
    ]
    if ip:
        window = settings.LOGIN_THROTTLE_WINDOW_SECONDS
        limits += [
            Limit(f"login:account-ip:{account}:{ip}", settings.LOGIN_FAILURES_PER_ACCOUNT_AND_IP, window),
            Limit(f"login:ip:{ip}", settings.LOGIN_FAILURES_PER_IP, window),
        ]
    return limits


SIGN_IN_UNAVAILABLE = _(
    "Signing in is paused for a moment: a service it needs cannot be reached. Please try again in a few minutes."
)


class LimitsUnreachable(ValidationError):
    """The limits' store cannot be reached: what they guard pauses (fail closed), and says so rather than "too many".

    A ValidationError, so the sign-in form and the second step show it as they show any refusal.
    """

    def __init__(self) -> None:
        super().__init__(SIGN_IN_UNAVAILABLE, code="limits_unreachable")


def _blocked(limits: list[Limit]) -> Limit | None:
    counters = store()
    for limit in limits:
        count = counters.peek(limit.key)
        if count >= UNREACHABLE_CLOSED:
            raise LimitsUnreachable
        if count >= limit.count:
            return limit
    return None


def listing_allowed(*, user_id: int) -> bool:
    """Count one list, search or entity page for a person; False beyond LIST_REQUESTS_PER_USER per window.

    Far above what a person clicks, it stops a script copying a cockpit page by page.
    Counted in the cache whatever RATE_LIMIT_STORE says: a database write on every page
    view would cost more than it protects. On Redis all workers count together; the local
    cache serves only a single process (production refuses it otherwise, cockpit.settings).
    """
    if settings.LIST_REQUESTS_PER_USER <= 0:  # switched off (production without Redis, cockpit.settings)
        return True
    limit = Limit(f"list:user:{user_id}", settings.LIST_REQUESTS_PER_USER, settings.LIST_WINDOW_SECONDS)
    count = CacheStore(fail_closed=False).hit(limit.key, limit.window_seconds)
    if count == limit.count + 1:
        security_log.warning("Lists paused, limit reached: user_id=%s", user_id)
    return count <= limit.count


def login_blocked(*, email: str, ip: str | None) -> bool:
    """Whether sign-in for this account from this address is paused; asked before any password is checked.

    Raises LimitsUnreachable while the counters cannot be read: no password is checked then.
    """
    limit = _blocked(_login_limits(email, ip))
    if limit is not None:
        security_log.warning("Sign-in refused, limit %s reached: email=%s ip=%s", limit.key.split(":")[1], email, ip)
    return limit is not None


def login_failed(*, email: str, ip: str | None) -> bool:
    """Count a wrong password (or unknown account) for the account, the account at this address, and the address.

    True when this failure starts a lock of the account (here or everywhere).
    """
    security_log.warning("Sign-in failed: email=%s ip=%s", email, ip)
    counters = store()
    locked = False
    for limit in _login_limits(email, ip):
        if counters.hit(limit.key, limit.window_seconds) == limit.count:
            security_log.warning("Sign-in locked (%s): email=%s ip=%s", limit.key.split(":")[1], email, ip)
            locked = locked or not limit.key.startswith("login:ip:")
    return locked


def login_succeeded(*, email: str, ip: str | None) -> None:
    """A right password from this address forgets that address's failures for the account (not the others)."""
    if ip:
        store().clear(f"login:account-ip:{_account(email)}:{ip}")


def _second_factor_limits(user_id: int, ip: str | None) -> list[Limit]:
    window = settings.LOGIN_THROTTLE_WINDOW_SECONDS
    limits = [Limit(f"otp:account:{user_id}", settings.SECOND_FACTOR_FAILURES_PER_ACCOUNT, window)]
    if ip:
        limits.append(Limit(f"otp:ip:{ip}", settings.LOGIN_FAILURES_PER_IP, window))
    return limits


def second_factor_blocked(*, user_id: int, email: str, ip: str | None) -> bool:
    """Whether second-factor codes for this account (or from this address) are paused.

    Raises LimitsUnreachable while the counters cannot be read, as for sign-in.
    """
    limit = _blocked(_second_factor_limits(user_id, ip))
    if limit is not None:
        security_log.warning("Second factor refused, limit reached: email=%s ip=%s", email, ip)
    return limit is not None


def second_factor_failed(*, user_id: int, email: str, ip: str | None) -> bool:
    """Count a wrong code (the code itself is never logged); True when this failure starts a lock."""
    security_log.warning("Second factor failed: email=%s ip=%s", email, ip)
    counters = store()
    locked = False
    for limit in _second_factor_limits(user_id, ip):
        if counters.hit(limit.key, limit.window_seconds) == limit.count:
            security_log.warning("Second factor locked: email=%s ip=%s", email, ip)
            locked = True
    return locked


def second_factor_succeeded(*, user_id: int, ip: str | None) -> None:
    """A right code forgets the account's wrong ones (the address keeps its count)."""
    store().clear(f"otp:account:{user_id}")


def sms_send_allowed(*, user_id: int, ip: str | None) -> bool:
    """Count one SMS code sent to this user (and from this address); False once a limit is passed."""
    counters = store()
    window = settings.SMS_WINDOW_SECONDS
    allowed = counters.hit(f"sms:user:{user_id}", window) <= settings.SMS_PER_USER
    if ip:
        allowed = counters.hit(f"sms:ip:{ip}", window) <= settings.SMS_PER_IP and allowed
    return allowed


@dataclass(frozen=True)
class InvitationCount:
    """One welcome email or share invitation counted: within the inviter's hourly and their company's daily limit?"""

    by_inviter: bool
    by_company: bool

    def __bool__(self) -> bool:
        return self.by_inviter and self.by_company


def invitation_allowed(*, actor_id: int, company_id: int) -> InvitationCount:
    """Count one invitation (a welcome email or a share's) by this person and their company.

    Beyond INVITATIONS_PER_HOUR for the person, or INVITATIONS_PER_COMPANY_PER_DAY for their
    company (GitHub: 50 per organization and day), it is refused.
    """
    counters = store()
    by_inviter = counters.hit(f"invite:{actor_id}", 3600) <= settings.INVITATIONS_PER_HOUR
    daily = counters.hit(f"invite:company:{company_id}", 24 * 3600)
    if daily == settings.INVITATIONS_PER_COMPANY_PER_DAY + 1:
        security_log.warning("Invitations paused for the day, limit reached: company_id=%s", company_id)
    return InvitationCount(by_inviter, daily <= settings.INVITATIONS_PER_COMPANY_PER_DAY)


def link_allowed(*, ip: str | None) -> bool:
    """Count one use of an emailed link or its request (an invitation, a password reset) from this address.

    False beyond LINKS_PER_IP in LINK_WINDOW_SECONDS: the links' tokens cannot be guessed,
    and this keeps anyone from trying (nor from sending reset emails by the thousand).
    """
    if not ip:
        return True
    count = store().hit(f"link:ip:{ip}", settings.LINK_WINDOW_SECONDS)
    if count == settings.LINKS_PER_IP + 1:
        security_log.warning("Emailed links paused, limit reached: ip=%s", ip)
    return count <= settings.LINKS_PER_IP


def client_ip(meta: dict) -> str | None:
    """The client's address: REMOTE_ADDR, or, behind TRUSTED_PROXY_COUNT proxies, the address the first of them saw.

    X-Forwarded-For is written by whoever sends the request; only the entries our own
    proxies appended can be believed, counted from the right.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [part.strip() for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return meta.get("REMOTE_ADDR") or None
