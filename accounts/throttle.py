"""Rate limits on logins and invitations, counted in the shared cache (Redis in production).

A fixed window per key: simple, and enough to stop password guessing and mail floods.
"""

from django.conf import settings
from django.core.cache import cache


def _count(key: str, window_seconds: int) -> int:
    cache.add(key, 0, timeout=window_seconds)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=window_seconds)
        return 1


def _peek(key: str) -> int:
    return cache.get(key, 0)


def _login_keys(email: str, ip: str | None) -> list[tuple[str, int]]:
    keys = [(f"throttle:login:email:{email.strip().lower()}", settings.LOGIN_FAILURES_PER_EMAIL)]
    if ip:
        keys.append((f"throttle:login:ip:{ip}", settings.LOGIN_FAILURES_PER_IP))
    return keys


def login_blocked(*, email: str, ip: str | None) -> bool:
    """Whether too many logins failed lately for this email address or from this address."""
    return any(_peek(key) >= limit for key, limit in _login_keys(email, ip))


def login_failed(*, email: str, ip: str | None) -> None:
    for key, _limit in _login_keys(email, ip):
        _count(key, settings.LOGIN_THROTTLE_WINDOW_SECONDS)


def invitation_allowed(*, actor_id: int) -> bool:
    """Count one invitation (welcome email) by this manager; False once the hourly limit is passed."""
    return _count(f"throttle:invite:{actor_id}", 3600) <= settings.INVITATIONS_PER_HOUR
