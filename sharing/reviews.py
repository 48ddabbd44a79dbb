"""Cockpit Shares as an access review lists and removes them (users.review_sources.REVIEW_SOURCES): the shares of
the cockpit within the starter's share reach, removed through share_remove with the review's id."""

from django.db.models import Exists, OuterRef

from accounts.models import User
from entities.models import Instance
from sharing.models import ScopeLevel, Share, ShareScope
from sharing.permissions import cockpit_is_shareable, share_reach
from sharing.services import share_remove, share_remove_by_staff
from users.models import SHARE_LEVEL
from users.permissions import Reach
from users.review_sources import ReviewItem, ReviewScope


class ShareSource:
    """The cockpit's shares wholly within the starter's reach; of one company, those whose every scope is at it."""

    def items(self, scope: ReviewScope) -> list[ReviewItem]:
        reach = scope.reach
        if not cockpit_is_shareable(reach.actor, reach.instance):
            return []
        shares = Share.objects.filter(share_reach(reach).shares(), scope.people(), instance=reach.instance)
        if scope.company is not None:
            of_share = ShareScope.objects.filter(share=OuterRef("pk"))
            shares = shares.filter(Exists(of_share.filter(company=scope.company))).exclude(
                Exists(of_share.exclude(company=scope.company))
            )
        shares = shares.select_related("user__company", "role").prefetch_related("scopes__company").order_by("pk")
        items = []
        for share in shares:
            scopes = list(share.scopes.all())
            items.append(
                ReviewItem(
                    object_id=share.pk,
                    person=share.user,
                    role=share.role,
                    level=SHARE_LEVEL,
                    place=", ".join(sorted({s.company.name for s in scopes if s.company is not None})),
                    given_by_id=share.invited_by_id,
                    given_at=share.created_at,
                    where=tuple(
                        (s.level, s.company_id) for s in scopes if s.level != ScopeLevel.COCKPIT and s.company_id
                    ),
                )
            )
        return items

    def covered(self, reach: Reach, object_ids: list[int]) -> set[int]:
        if not cockpit_is_shareable(reach.actor, reach.instance):
            return set()
        shares = Share.objects.filter(share_reach(reach).shares(), instance=reach.instance, pk__in=object_ids)
        return set(shares.values_list("pk", flat=True))

    def existing(self, object_ids: list[int]) -> set[int]:
        return set(Share.objects.filter(pk__in=object_ids).values_list("pk", flat=True))

    def remove(self, *, actor: User, instance: Instance, object_id: int, review_id: int) -> None:
        share = Share.objects.select_related("instance").get(pk=object_id, instance=instance)
        if actor.is_operator_staff:
            # Operator staff remove in any cockpit, as they started or answered its review in the Django admin.
            share_remove_by_staff(actor=actor, share=share, params={"review": review_id})
        else:
            share_remove(actor=actor, share=share, params={"review": review_id})


SHARES = ShareSource()
