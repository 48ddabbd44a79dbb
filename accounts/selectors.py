"""Reads about a person's own account."""

from accounts.models import User
from entities.models import AuditLogEntry


def inviter_of(user: User) -> User | None:
    """Who last sent the user a temporary password (created, re-sent or reactivated them), if still active."""
    entry = (
        AuditLogEntry.objects.filter(
            subject_user=user,
            action__in=["user.created", "user.welcome_email_resent", "user.reactivated"],
            actor__is_active=True,
        )
        .exclude(actor=user)
        .select_related("actor")
        .order_by("-created_at", "-id")
        .first()
    )
    return entry.actor if entry is not None else None
