"""Writes of Cockpit Shares: the operator's settings, and shares from invitation to removal.

Each is one transaction, told who acts, and audited. Invitations go out by email
once committed. Nothing about a share is ever deleted by the settings: switching
the flag off or taking a company off the allow-list suspends shares (the access
rules stop counting them), and they come back with the flag or the company.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from entities.audit import audit_record
from entities.models import Company, Instance, Role
from outbox.models import OutgoingMessage
from sharing.expiry import share_expiry_schedule
from sharing.invitations import invitation_queue
from sharing.models import AllowedCompany, ScopeLevel, Share, ShareCap, ShareScope, SharingSettings
from sharing.permissions import WHOLE_COCKPIT, ScopeKey, ShareReach, access_cockpit_shares, access_share, share_reach
from sharing.selectors import scope_cap, scope_gives
from users.permissions import manager_reach
from users.services import require_invitation_allowed

NO_SUCH_USER = _("No user of an allowed company of that cockpit has this email address.")
ALREADY_SHARED = _("%(user)s already has a share of this cockpit; edit it instead.")
NOT_SHAREABLE = _("Sharing is switched off for this cockpit.")
ONLY_STAFF_SETTINGS = _("Only operator staff change a cockpit's sharing settings.")
ONLY_STAFF_REMOVE = _("Only operator staff remove the shares of every cockpit.")
NO_SCOPE = _("Choose where the share applies: at least one of the companies whose users you manage.")
SCOPE_OUT_OF_REACH = _(
    "You can share only the business entities of companies where you manage users (the whole cockpit only if "
    "you see all of it); nothing was shared."
)
SCOPE_GIVES_NOTHING = _(
    "On %(scope)s this share would give nothing: you cannot do there yourself what it would give. "
    "Choose other levels or another scope."
)


# --- the operator's settings -----------------------------------------------------------------


@transaction.atomic
def sharing_settings_save(
    *, actor: AbstractBaseUser, settings: SharingSettings, is_shareable: bool, allowed_companies: list[Company]
) -> SharingSettings:
    """Set a cockpit's Shareable Cockpit flag and allow-list; shares they suspend or resume are recorded."""
    if not (isinstance(actor, User) and actor.is_operator_staff):
        raise PermissionDenied(ONLY_STAFF_SETTINGS)
    stored = SharingSettings.objects.select_for_update().filter(pk=settings.pk).first() if settings.pk else None
    before_flag = stored.is_shareable if stored else False
    before = set(stored.allowed.values_list("company_id", flat=True)) if stored else set()
    wanted = {company.pk: company for company in allowed_companies}
    settings.is_shareable = is_shareable
    settings.full_clean()
    settings.save()
    settings.allowed.exclude(company_id__in=wanted).delete()
    for company_id in set(wanted) - before:
        allowed = AllowedCompany(settings=settings, company=wanted[company_id])
        allowed.full_clean()
        allowed.save()
    instance = settings.instance
    names = dict(Company.objects.filter(pk__in=before | set(wanted)).values_list("pk", "name"))
    changes: dict[str, tuple] = {}
    if before_flag != is_shareable:
        changes["is_shareable"] = (before_flag, is_shareable)
    if before != set(wanted):
        changes["allowed_companies"] = (sorted(names[pk] for pk in before), sorted(names[pk] for pk in wanted))
    if changes or stored is None:
        audit_record(
            actor=actor, action="sharing.settings_changed", target=settings, instance=instance, changes=changes
        )
        _record_suspensions(actor, instance, before_flag, is_shareable, before, set(wanted))
    return settings


def _record_suspensions(actor, instance, was_on: bool, is_on: bool, before: set[int], after: set[int]) -> None:
    """One audit entry per share the change suspends or resumes (the rules do the suspending)."""
    counted_before = before if was_on else set()
    counted_after = after if is_on else set()
    for action, companies in (
        ("share.suspended", counted_before - counted_after),
        ("share.resumed", counted_after - counted_before),
    ):
        for share in Share.objects.filter(instance=instance, user__company__in=companies).select_related("user"):
            audit_record(actor=actor, action=action, target=share, subject_user=share.user, instance=instance)


# --- shares ----------------------------------------------------------------------------------


def share_offered_cockpits(instance: Instance) -> list[Instance]:
    """The cockpits whose users this cockpit may be shared with: those with an allow-listed company, by name."""
    settings = SharingSettings.objects.filter(instance=instance, is_shareable=True).first()
    if settings is None:
        return []
    return list(
        Instance.objects.filter(is_active=True, companies__in=settings.allowed.values("company_id"))
        .exclude(pk=instance.pk)
        .distinct()
        .order_by("name")
    )


def _require_shareable(instance: Instance) -> SharingSettings:
    settings = SharingSettings.objects.filter(instance=instance, is_shareable=True).first()
    if settings is None:
        raise Http404(str(NOT_SHAREABLE))
    return settings


def share_recipient(*, instance: Instance, cockpit: Instance, email: str) -> User:
    """The active user of an allow-listed company of `cockpit` with this email; one error for every other case.

    The message never tells whether the address belongs to someone elsewhere.
    """
    settings = _require_shareable(instance)
    user = (
        User.objects.select_related("company__instance")
        .filter(
            email=email.strip().lower(),
            is_active=True,
            company__instance=cockpit,
            company__in=settings.allowed.values("company_id"),
        )
        .exclude(company__instance=instance)
        .first()
    )
    if user is None:
        raise ValidationError({"email": ValidationError(NO_SUCH_USER, code="no_such_user")})
    return user


def _levels(share: Share) -> dict:
    # Codes, not labels: each reader of the history sees them in their own language (entities.history).
    return {"inventory": share.inventory, "customer_care": share.customer_care}


@dataclass(frozen=True)
class GivenScope:
    """A scope as its giver gives it: where, on which entities, and at most what (their own rights there)."""

    key: ScopeKey
    entity_scope: str
    cap: dict[str, int]


def _scopes_given(reach: ShareReach, keys: Iterable[ScopeKey]) -> list[GivenScope]:
    """The scopes with the caps of the person of `reach`; ValidationError for any scope outside their reach.

    A company of another cockpit, or one that does not exist, is outside everyone's reach.
    """
    keys = list(dict.fromkeys(keys))
    roles = {key: reach.giving_role(key) for key in keys}
    companies = {company for _level, company in keys if company is not None}
    known = set(Company.objects.filter(instance=reach.instance, pk__in=companies).values_list("pk", flat=True))
    if any(role is None for role in roles.values()) or companies - known:
        raise ValidationError({"scopes": ValidationError(SCOPE_OUT_OF_REACH, code="scope_out_of_reach")})
    entity_scopes = dict(Role.objects.filter(pk__in=set(roles.values())).values_list("pk", "entity_scope"))
    subject = reach.reach.subject
    return [
        GivenScope(key, entity_scopes[role], scope_cap(subject, reach.instance, key, role, entity_scopes[role]))
        for key, role in roles.items()
        if role is not None
    ]


def _scope_label(key: ScopeKey) -> str:
    level, company_id = key
    if company_id is None:
        return str(ScopeLevel.COCKPIT.label)
    company = Company.objects.filter(pk=company_id).values_list("name", flat=True).first() or "—"
    return f"{ScopeLevel(level).label} · {company}"


def _gives_something(inventory: int, customer_care: int, cap: dict[str, int]) -> bool:
    return any(scope_gives(inventory, customer_care, cap).values())


def _require_gives_something(scopes: Iterable[tuple[ScopeKey, dict[str, int]]], inventory: int, customer_care: int):
    for key, cap in scopes:
        if not _gives_something(inventory, customer_care, cap):
            raise ValidationError(
                {
                    "scopes": ValidationError(
                        SCOPE_GIVES_NOTHING, code="gives_nothing", params={"scope": _scope_label(key)}
                    )
                }
            )


def _scope_write(share: Share, given: GivenScope, actor: User | None) -> ShareScope:
    level, company_id = given.key
    scope = ShareScope(share=share, level=level, company_id=company_id, entity_scope=given.entity_scope, given_by=actor)
    scope.full_clean()
    scope.save()
    ShareCap.objects.bulk_create(
        [ShareCap(scope=scope, section=section, access=access) for section, access in given.cap.items()]
    )
    return scope


def _scope_labels(share: Share) -> list[str]:
    return sorted(str(scope) for scope in share.scopes.select_related("company"))


@transaction.atomic
def share_invite(
    *,
    actor: User,
    instance: Instance,
    cockpit: Instance,
    email: str,
    inventory: int,
    customer_care: int,
    scopes: Iterable[ScopeKey],
    ends_on=None,
    accepted: bool = False,
) -> tuple[Share, OutgoingMessage | None]:
    """Share `instance`'s entities of `scopes` with one user of `cockpit`; email them the link once committed.

    Every scope must lie in the actor's reach (permissions.ShareReach), and the share
    gives on each at most what the actor can do there now (its cap). `accepted` (demo
    data and imports only, never a page) makes the share active at once, with no link
    and no email.
    """
    reach = access_cockpit_shares(actor, instance)
    scopes = list(scopes)
    if not scopes:
        raise ValidationError({"scopes": ValidationError(NO_SCOPE, code="no_scope")})
    given = _scopes_given(reach, scopes)
    user = share_recipient(instance=instance, cockpit=cockpit, email=email)
    if Share.objects.filter(instance=instance, user=user).exists():
        raise ValidationError({"email": ValidationError(ALREADY_SHARED, params={"user": user}, code="already_shared")})
    require_invitation_allowed(actor)
    share = Share(
        instance=instance,
        user=user,
        inventory=inventory,
        customer_care=customer_care,
        ends_on=ends_on,
        invited_by=actor,
    )
    share.full_clean(exclude=["role"])
    _require_gives_something(((scope.key, scope.cap) for scope in given), inventory, customer_care)
    if accepted:
        share.accepted_at = timezone.now()
    share.save()
    for scope in given:
        _scope_write(share, scope, actor)
    audit_record(
        actor=actor,
        action="share.created",
        target=share,
        subject_user=user,
        instance=instance,
        changes={name: (None, value) for name, value in _levels(share).items()}
        | {"ends_on": (None, ends_on), "scopes": (None, _scope_labels(share))},
    )
    if accepted:
        audit_record(actor=None, action="share.accepted", target=share, subject_user=user, instance=instance)
        return share, None
    return share, invitation_queue(share)


@transaction.atomic
def share_update(
    *, actor: User, share: Share, inventory: int, customer_care: int, scopes: Iterable[ScopeKey], ends_on=None
) -> Share:
    """Change what a share gives and where; lowering it counts from the user's very next request.

    A save that gives nothing new (the same scopes, no level raised) keeps each scope's
    cap, whoever saves. A new scope, or a raised level, is given by the actor: capped at
    what they can do there now. Giving a suspended share a scope resumes it.
    """
    share, reach = access_share(actor, share.instance, share.pk)
    keys = list(dict.fromkeys(scopes))
    if not keys:
        raise ValidationError({"scopes": ValidationError(NO_SCOPE, code="no_scope")})
    stored = {(scope.level, scope.company_id): scope for scope in share.scopes.prefetch_related("caps")}
    raised = inventory > share.inventory or customer_care > share.customer_care
    kept = {key: stored[key] for key in keys if key in stored and not raised}
    given = _scopes_given(reach, [key for key in keys if key not in kept])
    kept_caps = [(key, {cap.section: cap.access for cap in scope.caps.all()}) for key, scope in kept.items()]
    before = _levels(share) | {"ends_on": share.ends_on, "scopes": _scope_labels(share)}
    share.inventory, share.customer_care, share.ends_on = inventory, customer_care, ends_on
    share.full_clean(exclude=["role"])
    _require_gives_something([*kept_caps, *((scope.key, scope.cap) for scope in given)], inventory, customer_care)
    # A new end date may bring an ended share back; its next end is recorded again.
    share.expiry_recorded = share.expiry_recorded and share.ends_on == before["ends_on"]
    resumed = share.suspended_at is not None
    share.suspended_at = None
    share.save()
    if share.ends_on != before["ends_on"]:
        share_expiry_schedule(share)
    ShareScope.objects.filter(share=share).exclude(pk__in=[scope.pk for scope in kept.values()]).delete()
    for scope in given:
        _scope_write(share, scope, actor)
    if resumed:
        audit_record(
            actor=actor, action="share.resumed", target=share, subject_user=share.user, instance=share.instance
        )
    after = _levels(share) | {"ends_on": share.ends_on, "scopes": _scope_labels(share)}
    changes = {name: (before[name], after[name]) for name in before if before[name] != after[name]}
    if changes:
        audit_record(
            actor=actor,
            action="share.changed",
            target=share,
            subject_user=share.user,
            instance=share.instance,
            changes=changes,
        )
    return share


@transaction.atomic
def share_resend(*, actor: User, share: Share) -> OutgoingMessage:
    """A new invitation link with a new expiry; the old link stops working."""
    share, _reach = access_share(actor, share.instance, share.pk)
    require_invitation_allowed(actor)
    share.expiry_recorded = False
    audit_record(actor=actor, action="share.resent", target=share, subject_user=share.user, instance=share.instance)
    return invitation_queue(share)


@transaction.atomic
def share_remove(*, actor: User, share: Share, params: dict | None = None) -> None:
    """Remove a share: the user's very next request to the cockpit answers 404. `params`: ids the audit entry carries
    besides (the access review that removed it)."""
    share, _reach = access_share(actor, share.instance, share.pk)
    _share_remove(actor, share, params)


@transaction.atomic
def share_remove_by_staff(*, actor: AbstractBaseUser, share: Share, params: dict | None = None) -> None:
    """The same for operator staff in the Django admin, whichever cockpit the share is of."""
    if not (isinstance(actor, User) and actor.is_operator_staff):
        raise PermissionDenied(ONLY_STAFF_REMOVE)
    _share_remove(actor, share, params)


def _share_remove(actor: User, share: Share, params: dict | None = None) -> None:
    audit_record(
        actor=actor,
        action="share.removed",
        target=share,
        subject_user=share.user,
        instance=share.instance,
        changes={name: (value, None) for name, value in _levels(share).items()},
        params=params,
    )
    share.delete()


@transaction.atomic
def share_leave(*, user: User, instance: Instance) -> None:
    """The shared user leaves a cockpit shared with them."""
    share = Share.objects.filter(instance=instance, user=user).first()
    if share is None:
        raise Http404("No such share.")
    audit_record(actor=user, action="share.left", target=share, subject_user=user, instance=instance)
    share.delete()


@transaction.atomic
def share_scope_from_giver(*, share: Share) -> bool:
    """Give a share without scopes the widest scopes its giver may share now (the migration to scoped shares).

    The whole cockpit if the giver sees all of it, else every company where they manage
    users; each capped at what they can do there, and only those that still give the
    share's levels something. A share that gets none (no giver, a giver who left or
    manages nothing here) is suspended, not deleted. Both are in the audit log.
    Returns whether the share kept a scope.
    """
    giver = share.invited_by
    given: list[GivenScope] = []
    if giver is not None and giver.is_active and giver.company.instance_id == share.instance_id:
        reach = share_reach(manager_reach(giver, share.instance))
        keys = [WHOLE_COCKPIT] if reach.show_all_role_id is not None else list(reach.pairs)
        given = [
            scope
            for scope in _scopes_given(reach, keys)
            if _gives_something(share.inventory, share.customer_care, scope.cap)
        ]
    for scope in given:
        _scope_write(share, scope, giver)
    if given:
        audit_record(
            actor=None,
            action="share.scoped",
            target=share,
            subject_user=share.user,
            instance=share.instance,
            changes={"scopes": (str(ScopeLevel.COCKPIT.label), _scope_labels(share))},
        )
        return True
    share.suspended_at = timezone.now()
    share.save(update_fields=["suspended_at", "role"])
    audit_record(
        actor=None,
        action="share.suspended",
        target=share,
        subject_user=share.user,
        instance=share.instance,
        changes={"scopes": (str(ScopeLevel.COCKPIT.label), [])},
    )
    return False


def share_visited(*, user_id: int, instance_id: int) -> None:
    """Note a visit of a shared cockpit (the caller keeps it to about hourly), for the Cockpit Shares list."""
    Share.objects.filter(user_id=user_id, instance_id=instance_id).update(last_visit_at=timezone.now())
