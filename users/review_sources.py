"""What an access review lists and removes, by kind: roles on companies and on single entities (here), Cockpit
Shares (registered by sharing, which users may not import: sharing/reviews.py).

A source lists the items of a scope within the starter's reach, says which of some items a manager's reach
covers (to choose a company's reviewer), which still exist, and removes one through its app's own service,
which checks the remover's reach and audits the removal with the review's id.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.registry import Registry
from entities.models import (
    COMPANY_LEVELS,
    Company,
    CompanyGrant,
    EntityGrant,
    Instance,
    Level,
    Role,
    entity_at,
    in_force,
)
from entities.services import chat_off_without_a_role, grant_delete
from users.models import ReviewSubject
from users.permissions import Reach, require_manager, require_staff_in

NOT_YOURS_TO_REMOVE = _("This access lies outside your reach; it was not removed.")


@dataclass(frozen=True)
class ReviewScope:
    """Where a review looks: the starter's reach, one company of it (None: all of it), external people only, and
    only people who have not signed in since `inactive_since` (None: everyone)."""

    reach: Reach
    company: Company | None
    externals_only: bool
    inactive_since: datetime | None

    def people(self, prefix: str = "user__") -> Q:
        """The holders a review looks at: never the starter, never operator staff (only other staff manage them)."""
        people = ~Q(**{f"{prefix}pk": self.reach.actor.pk}) & Q(
            **{f"{prefix}is_staff": False, f"{prefix}is_superuser": False}
        )
        if self.inactive_since is not None:
            # Never signed in counts from the day the login was made.
            people &= Q(**{f"{prefix}last_login__lt": self.inactive_since}) | Q(
                **{f"{prefix}last_login__isnull": True, f"{prefix}date_joined__lt": self.inactive_since}
            )
        return people


@dataclass(frozen=True)
class ReviewItem:
    """One thing a person holds, as a review row freezes it; `where` are the (level, company id) pairs it lies at,
    in order, whose user managers may review it."""

    object_id: int
    person: User
    role: Role | None
    level: str
    place: str
    given_by_id: int | None
    given_at: datetime | None
    where: tuple[tuple[str, int], ...]


class ReviewSource(Protocol):
    def items(self, scope: ReviewScope) -> list[ReviewItem]: ...

    def covered(self, reach: Reach, object_ids: list[int]) -> set[int]:
        """Which of these items the manager of `reach` may remove."""
        ...

    def existing(self, object_ids: list[int]) -> set[int]: ...

    def remove(self, *, actor: User, instance: Instance, object_id: int, review_id: int) -> None:
        """Remove one item as `actor`, audited with the review's id; PermissionDenied or Http404 when it lies
        outside the actor's reach."""
        ...


REVIEW_SOURCES: Registry[str, ReviewSource] = Registry("access review sources")

# Which sources a review of each subject reads, and whether only external people's items.
SUBJECT_SOURCES: dict[str, list[tuple[str, bool]]] = {
    ReviewSubject.EXTERNAL: [("company_grant", True), ("entity_grant", True)],
    ReviewSubject.ENTITY: [("entity_grant", False)],
    ReviewSubject.SHARES: [("share", False)],
    ReviewSubject.ALL: [("company_grant", True), ("entity_grant", False), ("share", False)],
}


def _grant_in_reach(reach: Reach, grant: CompanyGrant | EntityGrant) -> bool:
    return grant.user_id != reach.actor.pk and reach.grant_in_reach(grant)


class CompanyGrantSource:
    """Roles on companies, held by people the company does not employ (external people)."""

    def items(self, scope: ReviewScope) -> list[ReviewItem]:
        reach = scope.reach
        grants = CompanyGrant.objects.in_force().filter(scope.people(), company__instance=reach.instance)
        if not reach.is_operator_staff:
            grants = grants.filter(reach.grants_in_reach(to_change=True)[0])
        if scope.company is not None:
            grants = grants.filter(company=scope.company)
        if scope.externals_only:
            grants = grants.exclude(user__company_id=F("company_id"))
        return [
            ReviewItem(
                object_id=grant.pk,
                person=grant.user,
                role=grant.role,
                level=grant.level,
                place=grant.company.name,
                given_by_id=grant.granted_by_id,
                given_at=grant.created_at,
                where=((grant.level, grant.company_id),),
            )
            for grant in grants.select_related("user__company", "role", "company").order_by("pk")
            if _grant_in_reach(reach, grant)
        ]

    def covered(self, reach: Reach, object_ids: list[int]) -> set[int]:
        grants = CompanyGrant.objects.filter(pk__in=object_ids, company__instance=reach.instance).select_related("role")
        return {grant.pk for grant in grants if _grant_in_reach(reach, grant)}

    def existing(self, object_ids: list[int]) -> set[int]:
        return set(CompanyGrant.objects.filter(pk__in=object_ids).values_list("pk", flat=True))

    def remove(self, *, actor: User, instance: Instance, object_id: int, review_id: int) -> None:
        grant = CompanyGrant.objects.select_related("user", "role", "company__instance").get(
            pk=object_id, company__instance=instance
        )
        review_grant_remove(actor=actor, instance=instance, grant=grant, review_id=review_id)


class EntityGrantSource:
    """Roles on single business entities (of external people only, or of everyone)."""

    def items(self, scope: ReviewScope) -> list[ReviewItem]:
        reach = scope.reach
        grants = EntityGrant.objects.filter(in_force(), scope.people(), content_object__instance=reach.instance)
        if not reach.is_operator_staff:
            grants = grants.filter(reach.grants_in_reach(to_change=True)[1])
        company = scope.company
        if company is not None:
            grants = grants.filter(entity_at(company, prefix="content_object__"))
        if scope.externals_only:
            grants = grants.exclude(entity_at(F("user__company_id"), prefix="content_object__"))
        held = list(grants.select_related("user__company", "role", "content_object").order_by("pk"))
        reach.prime_entities([grant.content_object for grant in held])
        items = []
        for grant in held:
            if not _grant_in_reach(reach, grant):
                continue
            entity = grant.content_object
            where = tuple(
                (str(level), getattr(entity, f"{level}_id"))
                for level in COMPANY_LEVELS
                if company is None or getattr(entity, f"{level}_id") == company.pk
            )
            items.append(
                ReviewItem(
                    object_id=grant.pk,
                    person=grant.user,
                    role=grant.role,
                    level=Level.ENTITY,
                    place=entity.name,
                    given_by_id=grant.granted_by_id,
                    given_at=grant.created_at,
                    where=where,
                )
            )
        return items

    def covered(self, reach: Reach, object_ids: list[int]) -> set[int]:
        grants = list(
            EntityGrant.objects.filter(pk__in=object_ids, content_object__instance=reach.instance).select_related(
                "role", "content_object"
            )
        )
        reach.prime_entities([grant.content_object for grant in grants])
        return {grant.pk for grant in grants if _grant_in_reach(reach, grant)}

    def existing(self, object_ids: list[int]) -> set[int]:
        return set(EntityGrant.objects.filter(pk__in=object_ids).values_list("pk", flat=True))

    def remove(self, *, actor: User, instance: Instance, object_id: int, review_id: int) -> None:
        grant = EntityGrant.objects.select_related("user", "role", "content_object__instance").get(
            pk=object_id, content_object__instance=instance
        )
        review_grant_remove(actor=actor, instance=instance, grant=grant, review_id=review_id)


@transaction.atomic
def review_grant_remove(*, actor: User, instance: Instance, grant: CompanyGrant | EntityGrant, review_id: int) -> None:
    """Take a role away as an access review decided: only one within the remover's reach (Reach.grant_in_reach, as
    on the person's page), audited "grant.deleted" with the review's id. Operator staff remove in any cockpit, as
    they started or answered its review in the Django admin."""
    reach = require_staff_in(actor, instance) if actor.is_operator_staff else require_manager(actor, instance)
    if not _grant_in_reach(reach, grant):
        raise PermissionDenied(NOT_YOURS_TO_REMOVE)
    grant_delete(actor=actor, grant=grant, params={"review": review_id})
    chat_off_without_a_role(actor=actor, user=grant.user)


COMPANY_GRANTS = CompanyGrantSource()
ENTITY_GRANTS = EntityGrantSource()
