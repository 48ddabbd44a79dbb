"""Reads of Cockpit Shares: a cockpit's shares with their state and scopes, and what a giver may share and up to
what (the cockpits a person can reach are sharing.access's)."""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from entities.access import EntityFilter, Subject, capped, deciding_roles, role_rights
from entities.access.rules import SCOPES
from entities.models import Access, BusinessEntity, Company, EntityScope, Instance, Role, Section
from sharing.access import SHARE_LEVELS
from sharing.models import ScopeLevel, Share, ShareScope, ShareState, SharingSettings
from sharing.modules import Module, share_rights
from sharing.permissions import WHOLE_COCKPIT, ScopeKey, ShareReach, share_reach
from users.permissions import Reach
from users.selectors import OutsideMember


@dataclass(frozen=True)
class SharingState:
    """What a cockpit's sharing settings say right now, read once per page."""

    is_shareable: bool
    allowed_company_ids: frozenset[int]

    def state_of(self, share: Share) -> str:
        """invited / active / suspended / expired, as the access rules will treat the share."""
        if share.ends_on is not None and share.ends_on < timezone.localdate():
            return ShareState.EXPIRED
        if (
            share.suspended_at is not None
            or not self.is_shareable
            or share.user.company_id not in self.allowed_company_ids
        ):
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


def cockpit_shares(reach: ShareReach) -> QuerySet:
    """The cockpit's shares in the reach, newest first, with what the list shows (scopes prefetched)."""
    return (
        Share.objects.filter(reach.shares(), instance=reach.instance)
        .select_related("user__company__instance", "invited_by")
        .prefetch_related(Prefetch("scopes", ShareScope.objects.select_related("company")))
    )


# --- scopes: what a giver may share, how the product words it, and its cap --------------------


def scope_words(level: str, company_name: str, entity_scope: str, count: int) -> str:
    """What a scope shows, in words: "the 79 business entities owned by Zurich Property AG"."""
    values = {"count": count, "company": company_name}
    if level == ScopeLevel.OWNER:
        words = ngettext(
            "the %(count)s business entity owned by %(company)s",
            "the %(count)s business entities owned by %(company)s",
            count,
        )
    elif level == ScopeLevel.SERVICE_PROVIDER:
        words = ngettext(
            "the %(count)s business entity whose service provider is %(company)s",
            "the %(count)s business entities whose service provider is %(company)s",
            count,
        )
    elif level == ScopeLevel.CUSTOMER:
        words = ngettext(
            "the %(count)s business entity whose customer is %(company)s",
            "the %(count)s business entities whose customer is %(company)s",
            count,
        )
    else:
        words = ngettext(
            "the %(count)s business entity of the whole cockpit",
            "all %(count)s business entities of the whole cockpit",
            count,
        )
    words %= values
    if entity_scope == EntityScope.OPERATOR_ENTITIES:
        words += " " + _("(only the operator's own demo entities)")
    elif entity_scope == EntityScope.EASY_ENTITIES:
        words += " " + _("(only those of project form 'easy')")
    return words


@dataclass(frozen=True)
class ScopeOffer:
    """A scope a giver may share: where, through which of their roles, and how many entities it covers now."""

    key: ScopeKey
    company_name: str
    role_id: int
    entity_scope: str
    entities: int

    @property
    def value(self) -> str:
        return scope_value(self.key)

    @property
    def words(self) -> str:
        return scope_words(self.key[0], self.company_name, self.entity_scope, self.entities)


def scope_value(key: ScopeKey) -> str:
    """A scope as a form sends it: "cockpit", or "<level>:<company id>"."""
    level, company_id = key
    return level if company_id is None else f"{level}:{company_id}"


def parse_scope_value(value: str) -> ScopeKey | None:
    """A form's scope value back as a key; None for anything that is not one."""
    if value == ScopeLevel.COCKPIT:
        return WHOLE_COCKPIT
    level, _sep, company_id = value.partition(":")
    if level in ScopeLevel.values and level != ScopeLevel.COCKPIT and company_id.isdigit():
        return level, int(company_id)
    return None


def _scope_filter(key: ScopeKey, entity_scope: str) -> Q:
    level, company_id = key
    scope = SCOPES[entity_scope]
    found = Q(**{scope.column: scope.value}) if scope.column else Q()
    return found & Q(**{f"{level}_id": company_id}) if company_id is not None else found


def share_scope_offers(reach: ShareReach) -> list[ScopeOffer]:
    """Every scope the person may share, the whole cockpit first, then by level and company name.

    Managers: their user-managing (level, company) pairs. Whoever sees the whole cockpit
    (a show-all role that counts) may share it whole; operator staff may also share any
    company that has entities, through their role there or else their show-all role.
    """
    instance = reach.instance
    wanted: dict[ScopeKey, int] = dict(reach.pairs)
    if reach.is_operator_staff and reach.show_all_role_id is not None:
        for level in (ScopeLevel.OWNER, ScopeLevel.SERVICE_PROVIDER, ScopeLevel.CUSTOMER):
            column = f"{level}_id"
            for company_id in (
                BusinessEntity.objects.filter(instance=instance).values_list(column, flat=True).distinct()
            ):
                wanted.setdefault((level, company_id), reach.show_all_role_id)
    if reach.show_all_role_id is not None:
        wanted[WHOLE_COCKPIT] = reach.show_all_role_id
    if not wanted:
        return []
    scopes = dict(Role.objects.filter(pk__in=set(wanted.values())).values_list("pk", "entity_scope"))
    names = dict(
        Company.objects.filter(
            instance=instance, pk__in={company for _level, company in wanted if company}
        ).values_list("pk", "name")
    )
    counts = _entity_counts(instance, {key: scopes[role] for key, role in wanted.items()})
    offers = [
        ScopeOffer(
            key=key,
            company_name=names.get(key[1], "") if key[1] else instance.name,
            role_id=role_id,
            entity_scope=scopes[role_id],
            entities=counts.get(key, 0),
        )
        for key, role_id in wanted.items()
        if key[1] is None or key[1] in names
    ]
    # The whole cockpit first, then owner, service provider, customer.
    order = {level: number for number, level in enumerate([ScopeLevel.COCKPIT, *ScopeLevel.values[:-1]])}
    return sorted(offers, key=lambda offer: (order[offer.key[0]], offer.company_name.casefold(), offer.value))


def _entity_counts(instance: Instance, scopes: dict[ScopeKey, str]) -> dict[ScopeKey, int]:
    """How many entities each scope covers now: one grouped query per level and entity scope."""
    groups: dict[tuple[str, str], list[int | None]] = defaultdict(list)
    for (level, company_id), entity_scope in scopes.items():
        groups[level, entity_scope].append(company_id)
    counts: dict[ScopeKey, int] = {}
    for (level, entity_scope), company_ids in groups.items():
        entities = BusinessEntity.objects.filter(_scope_filter((level, None), entity_scope), instance=instance)
        if level == ScopeLevel.COCKPIT:
            counts[WHOLE_COCKPIT] = entities.count()
            continue
        column = f"{level}_id"
        rows = entities.filter(**{f"{column}__in": company_ids}).values(column).annotate(n=Count("id"))
        counts.update({(level, row[column]): row["n"] for row in rows})
    return counts


@dataclass(frozen=True)
class ScopeRow:
    """A scope of a share as its pages show it: what it covers now, who gave it, and what its cap holds back."""

    scope: ShareScope
    words: str
    held_back: list[tuple[str, str]]

    @property
    def value(self) -> str:
        return scope_value((self.scope.level, self.scope.company_id))


def share_scope_rows(share: Share) -> list[ScopeRow]:
    """The share's scopes in words, with the sections where the giver's own rights give less than its levels."""
    scopes = list(share.scopes.select_related("company", "given_by").prefetch_related("caps"))
    counts = _entity_counts(share.instance, {(scope.level, scope.company_id): scope.entity_scope for scope in scopes})
    levels = share_rights(share.inventory, share.customer_care)
    rows = []
    for scope in scopes:
        key = (scope.level, scope.company_id)
        cap = {cap.section: cap.access for cap in scope.caps.all()}
        gives = capped(levels, cap)
        rows.append(
            ScopeRow(
                scope=scope,
                words=scope_words(
                    scope.level, scope.company.name if scope.company else "", scope.entity_scope, counts.get(key, 0)
                ),
                held_back=[
                    (str(Section(section).label), str(Access(gives[section]).label))
                    for section, access in levels.items()
                    if gives[section] < access
                ],
            )
        )
    return rows


def scope_cap(subject: Subject, instance: Instance, key: ScopeKey, role_id: int, entity_scope: str) -> dict[str, int]:
    """What the giver could do, per section, on every entity of the scope now and to come (the share's cap).

    The least, section by section, of their role there (which decides for entities yet to
    come) and every role of theirs that decides on one of the scope's entities today: an
    entity-level grant, or a grant of higher precedence (seed 003: an owner role outranks
    a service provider role), may give them less there than their role at the scope.
    """
    level, company_id = key
    entity_filter = EntityFilter(
        scope=entity_scope,
        owner_id=company_id if level == ScopeLevel.OWNER else None,
        service_provider_id=company_id if level == ScopeLevel.SERVICE_PROVIDER else None,
        customer_id=company_id if level == ScopeLevel.CUSTOMER else None,
    )
    decided = deciding_roles(subject, instance, entity_filter)
    # In their own cockpit no share decides for the giver: every deciding role gives its plain rights.
    assert not {level for level, _role in decided} & SHARE_LEVELS  # noqa: S101
    roles = role_rights({role_id} | {role for _level, role in decided})
    return {section: min(rights[section] for rights in roles.values()) for section in Section.values}


def scope_gives(inventory: int, customer_care: int, cap: dict[str, int]) -> dict[str, int]:
    """What a share of these levels gives under this cap, section by section."""
    return capped(share_rights(inventory, customer_care), cap)


def share_of(subject: Subject, instance: Instance) -> Share | None:
    """The subject's share of this cockpit, if any (for the dashboard and leaving)."""
    return Share.objects.filter(instance=instance, user_id=subject.user_id).first()


def shared_members(reach: Reach, search: str) -> list[OutsideMember]:
    """The shares in the manager's reach as User Management lists them (Seed 000: "listed and managed in the User
    Management")."""
    if not reach.is_manager or not (state := sharing_state(reach.instance)).is_shareable:
        return []
    shares = cockpit_shares(share_reach(reach))
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
