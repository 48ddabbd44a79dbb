"""Who runs a cockpit's shares, and which: within their reach, as with users.

A share applies to scopes (sharing.models.ShareScope). A manager may give, see and
change a share only where every scope of it lies in their reach: a (level, company)
where they hold a user-managing role (the pairs User Management's pickers offer), or
the whole cockpit for those who see all of it (operator staff and operator employees
whose "show all business entities" counts). Operator staff of the cockpit see and
change every share. The role through which the giver holds a scope (their role
there, or their show-all role) is what the scope's entities and cap follow.
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q
from django.http import Http404

from accounts.models import User
from entities.access import context_for, held_path_roles
from entities.access.cache import cached_store
from entities.access.rules import SHOW_ALL, path_of
from entities.models import Instance
from entities.selectors import held_company_grants
from sharing.models import ScopeLevel, Share, ShareScope, SharingSettings
from users.permissions import Reach, require_manager

# A scope as requests name it: (level, company id), or (ScopeLevel.COCKPIT, None) for the whole cockpit.
ScopeKey = tuple[str, int | None]
WHOLE_COCKPIT: ScopeKey = (ScopeLevel.COCKPIT, None)


SHAREABLE = cached_store("cockpit_shareable")


def cockpit_is_shareable(actor: User, instance: Instance) -> bool:
    """Whether the operator switched sharing on for the cockpit (asked once per request, for the actor's pages)."""
    store = context_for(actor.access_subject()).store(SHAREABLE)
    if instance.pk not in store:
        store[instance.pk] = SharingSettings.objects.filter(instance=instance, is_shareable=True).exists()
    return store[instance.pk]


@dataclass
class ShareReach:
    """The scopes one person may share in a cockpit, and through which of their roles (read once per request)."""

    reach: Reach
    # (level, company id) -> the giver's role there, where they may give it
    pairs: dict[ScopeKey, int]
    # the show-all role that lets them give the whole cockpit (and, for staff, any company)
    show_all_role_id: int | None

    @property
    def instance(self) -> Instance:
        return self.reach.instance

    @property
    def is_operator_staff(self) -> bool:
        return self.reach.is_operator_staff

    def giving_role(self, key: ScopeKey) -> int | None:
        """The role through which the person gives this scope, or None when it lies outside their reach."""
        if key == WHOLE_COCKPIT:
            return self.show_all_role_id
        if key in self.pairs:
            return self.pairs[key]
        # Operator staff reach every company; whoever sees all entities gives it through that view.
        return self.show_all_role_id if self.is_operator_staff else None

    def covers(self, keys: list[ScopeKey]) -> bool:
        """Whether a share with these scopes lies in reach: staff see every share, others those wholly theirs."""
        if self.is_operator_staff:
            return True
        return bool(keys) and all(self.giving_role(key) is not None for key in keys)

    def shares(self) -> Q:
        """The shares in reach, as a filter on Share."""
        if self.is_operator_staff:
            return Q()
        in_reach = Q(pk__in=[])
        for level, company_id in self.pairs:
            in_reach |= Q(level=level, company_id=company_id)
        if self.show_all_role_id is not None:
            in_reach |= Q(level=ScopeLevel.COCKPIT)
        scopes = ShareScope.objects.filter(share=OuterRef("pk"))
        return Q(Exists(scopes)) & ~Q(Exists(scopes.exclude(in_reach)))


def share_reach(reach: Reach) -> ShareReach:
    """What the manager of `reach` may share: their user-managing pairs (every pair they hold, for staff)."""
    subject, instance = reach.subject, reach.instance
    held = [grant for grant in held_company_grants(subject, instance) if grant.manages_users or reach.is_operator_staff]
    show_all = held_path_roles(subject, instance.pk, path_of(SHOW_ALL))
    return ShareReach(
        reach=reach,
        pairs={(grant.level, grant.company.pk): grant.role_id for grant in held},
        show_all_role_id=show_all[0] if show_all else None,
    )


def access_cockpit_shares(actor: User, instance: Instance) -> ShareReach:
    """The share reach of an admin of the cockpit's shares; 404 while it is not shareable, 403 for non-admins."""
    if not cockpit_is_shareable(actor, instance):
        raise Http404("Sharing is switched off for this cockpit.")
    return share_reach(require_manager(actor, instance))


def access_share(actor: User, instance: Instance, pk: int) -> tuple[Share, ShareReach]:
    """A share of this cockpit the actor may see and change.

    404 alike for a share of another cockpit, a missing one and one outside the actor's reach.
    """
    reach = access_cockpit_shares(actor, instance)
    share = (
        Share.objects.select_related("user__company__instance", "invited_by")
        .filter(reach.shares(), instance=instance, pk=pk)
        .first()
    )
    if share is None:
        raise Http404("No such share.")
    return share, reach
