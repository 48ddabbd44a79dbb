"""Reads of the User Management pages, filtered to the manager's reach in one place."""

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.permissions import Reach
from entities.models import AuditLogEntry, CompanyGrant, EntityGrant, Role


def managed_users(
    *, reach: Reach, search: str = "", company_id: int | None = None, role: Role | None = None
) -> QuerySet:
    """Users the manager may manage, with what the list shows, in a constant number of queries."""
    users = User.objects.filter(company__instance=reach.instance).exclude(pk=reach.actor.pk)
    if reach.is_operator_staff:
        users = users.exclude(is_superuser=True)
    else:
        users = users.filter(company_id__in=reach.company_ids or [], company__is_operator=False)
    if search:
        users = users.filter(
            Q(email__icontains=search) | Q(first_name__icontains=search) | Q(last_name__icontains=search)
        )
    if company_id:
        users = users.filter(company_id=company_id)
    if role is not None:
        users = users.filter(
            Q(company_grants__role=role) | Q(entitygrant__role=role) | Q(all_entities_role=role)
        ).distinct()
    return (
        users.select_related("company", "all_entities_role")
        .prefetch_related(
            Prefetch("company_grants", queryset=CompanyGrant.objects.select_related("role", "company")),
            Prefetch("entitygrant_set", queryset=EntityGrant.objects.select_related("role", "content_object")),
        )
        .annotate(
            has_otp_device=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True))
            | Exists(StaticDevice.objects.filter(user=OuterRef("pk"), confirmed=True))
        )
        .order_by("last_name", "first_name", "email")
    )


def user_history(*, user: User, limit: int = 50) -> QuerySet:
    """The newest audit entries about a user."""
    return AuditLogEntry.objects.filter(subject_user=user).order_by("-created_at", "-id")[:limit]
