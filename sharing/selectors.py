"""Reads of Cockpit Shares: a cockpit's shares with their state, and the cockpits a person can reach."""

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from accounts.permissions import Reach
from accounts.selectors import OutsideMember
from entities.access import Subject
from entities.models import Instance
from sharing.access import shared_cockpits
from sharing.models import Share, ShareState, SharingSettings
from sharing.modules import Module


@dataclass(frozen=True)
class SharingState:
    """What a cockpit's sharing settings say right now, read once per page."""

    is_shareable: bool
    allowed_company_ids: frozenset[int]

    def state_of(self, share: Share) -> str:
        """invited / active / suspended / expired, as the access rules will treat the share."""
        if share.ends_on is not None and share.ends_on < timezone.localdate():
            return ShareState.EXPIRED
        if not self.is_shareable or share.user.company_id not in self.allowed_company_ids:
            return ShareState.SUSPENDED
        if share.accepted_at is None:
            expired = share.invitation_expires_at is None or share.invitation_expires_at <= timezone.now()
            return ShareState.EXPIRED if expired else ShareState.INVITED
        return ShareState.ACTIVE


def sharing_state(instance: Instance) -> SharingState:
    settings = SharingSettings.objects.filter(instance=instance).first()
    if settings is None:
        return SharingState(False, frozenset())
    return SharingState(settings.is_shareable, frozenset(settings.allowed.values_list("company_id", flat=True)))


def cockpit_shares(instance: Instance) -> QuerySet:
    """The cockpit's shares, newest first, with what the list shows, in one query."""
    return Share.objects.filter(instance=instance).select_related("user__company__instance", "invited_by")


@dataclass(frozen=True)
class ReachableCockpit:
    instance: Instance
    shared: bool


def reachable_cockpits(subject: Subject | None, home: Instance | None) -> list[ReachableCockpit]:
    """Every cockpit the person can reach now: their own first, then those shared with them, by name."""
    if subject is None or home is None:
        return []
    cockpits = [ReachableCockpit(home, False)] if home.is_active else []
    return cockpits + [ReachableCockpit(instance, True) for instance in shared_cockpits(subject)]


def share_of(subject: Subject, instance: Instance) -> Share | None:
    """The subject's share of this cockpit, if any (for the dashboard and leaving)."""
    return Share.objects.filter(instance=instance, user_id=subject.user_id).first()


def shared_members(reach: Reach, search: str) -> list[OutsideMember]:
    """The cockpit's shares as User Management lists them (Seed 000: "listed and managed in the User Management")."""
    if not reach.is_manager or not (state := sharing_state(reach.instance)).is_shareable:
        return []
    shares = cockpit_shares(reach.instance)
    if search:
        shares = shares.filter(
            Q(user__email__icontains=search)
            | Q(user__first_name__icontains=search)
            | Q(user__last_name__icontains=search)
        )
    members = []
    for share in shares:
        code = state.state_of(share)
        members.append(
            OutsideMember(
                user=share.user,
                cockpit=share.user.company.instance.name,
                company=share.user.company.name,
                access=f"{Module.INVENTORY.label}: {share.get_inventory_display()} · "
                f"{Module.CUSTOMER_CARE.label}: {share.get_customer_care_display()}",
                state=code,
                state_label=str(ShareState(code).label),
                url=reverse("sharing:share-edit", kwargs={"instance_slug": reach.instance.slug, "pk": share.pk}),
            )
        )
    return members
