"""Reads the business entity pages need, with access filtering in one place."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, models
from django.db.models import Avg, Count, Q, Sum
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from entities.access import (
    CompanyChoices,
    EntityFilter,
    EntityPage,
    NamedRef,
    Subject,
    context_for,
    count_visible_entities,
    entity_page,
    explain_access,
    visible_companies,
)
from entities.access import cache as access_cache
from entities.access.cache import cached_store
from entities.access.explain import MatchedGrant
from entities.access.rules import COMPANY_PATHS, SHOW_ALL, row_conditions_sql
from entities.models import (
    Access,
    BusinessEntity,
    Capability,
    ChatMessage,
    Company,
    CompanyGrant,
    EntityGrant,
    Instance,
    Level,
    QualityFeedback,
    Role,
    Section,
    SectionSettings,
    TourActivity,
)

LIST_ENTRIES = 20
LIST_PAGE_SIZE = 50


def entity_list_page(
    *,
    subject: Subject | None,
    instance: Instance,
    number: int = 1,
    search: str = "",
    owner: Company | None = None,
    service_provider: Company | None = None,
    customer: Company | None = None,
) -> EntityPage:
    """One page of the entity list, searched and filtered, with its capped total.

    Kept in the shared cache under the cockpit's access version (entities.access.cache.list_page): `instance`
    must be the cockpit as read in this request, as the cockpit's middleware reads it.
    """
    entity_filter = EntityFilter(
        search=search,
        owner_id=owner.pk if owner else None,
        service_provider_id=service_provider.pk if service_provider else None,
        customer_id=customer.pk if customer else None,
    )
    return access_cache.list_page(
        subject,
        instance,
        (get_language(), entity_filter, number),
        lambda: entity_page(subject, instance, number=number, per_page=LIST_PAGE_SIZE, entity_filter=entity_filter),
    )


def visible_entity_total(*, subject: Subject | None, instance: Instance) -> tuple[int, bool]:
    """How many entities the user sees, up to the list's cap, and whether there are more."""
    cap = settings.ENTITY_LIST_COUNT_CAP
    count = count_visible_entities(subject, instance, cap=cap)
    return min(count, cap), count > cap


@dataclass(frozen=True, slots=True)
class HeldCompanyGrant:
    """A role a user holds at a level on a company, as the sidebar and a manager's reach need it."""

    level: str
    company: NamedRef
    role_id: int
    users_access: int

    @property
    def manages_users(self) -> bool:
        return self.users_access >= Access.EDIT

    @property
    def views_users(self) -> bool:
        return self.users_access >= Access.VIEW


HELD_COMPANY_GRANTS = cached_store("held_company_grants")


def held_company_grants(subject: Subject | None, instance: Instance) -> list[HeldCompanyGrant]:
    """The company grants that count for the user in the cockpit, with company names and whether the role manages users.

    One query, read once per request: the sidebar's User Management entry and a
    manager's reach start from it. A grant counts here exactly when
    its company path (rules.PATHS) would let it decide: the same conditions, from the
    same declaration.
    """
    if subject is None:
        return []
    cache = context_for(subject).store(HELD_COMPANY_GRANTS)
    if instance.pk not in cache:
        cache[instance.pk] = _read_held_company_grants(subject, instance)
    return cache[instance.pk]


def _read_held_company_grants(subject: Subject, instance: Instance) -> list[HeldCompanyGrant]:
    levels, params = [], []
    for path in COMPANY_PATHS:
        if path.can_decide(subject, instance.pk):
            conditions, condition_params = row_conditions_sql(path, subject, on_entity=False)
            levels.append(f"(g.level = '{path.level}' AND {conditions})")
            params += condition_params
    if not levels:
        return []
    # Plain SQL: this runs on every cockpit page, and the ORM would spend longer
    # building it than the database spends answering.
    sql = (
        "SELECT g.level, g.company_id, c.name, g.role_id, COALESCE(cap.access, %s)"
        f" FROM {CompanyGrant._meta.db_table} g"
        f" JOIN {Role._meta.db_table} r ON r.id = g.role_id"
        f" JOIN {Company._meta.db_table} c ON c.id = g.company_id"
        f" LEFT JOIN {Capability._meta.db_table} cap ON cap.role_id = g.role_id AND cap.section = %s"
        f" WHERE g.user_id = %s AND c.instance_id = %s AND ({' OR '.join(levels)})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [Access.NONE, Section.USERS, subject.user_id, instance.pk, *params])
        return [
            HeldCompanyGrant(level, NamedRef(company_id, name), role_id, access)
            for level, company_id, name, role_id, access in cursor.fetchall()
        ]


def filter_companies(*, subject: Subject | None, instance: Instance) -> dict[str, CompanyChoices]:
    """Companies offered by each list filter (owner, service provider, customer): those on the entities the user sees.

    Offering a company that is on no visible entity would leak who else is a customer,
    so even show-all users are offered only what their entities hold: not every company
    of a cockpit is on an entity, nor in every column, and a show-all role may be scoped.
    By name ignoring case, whatever the database's collation.
    """
    return visible_companies(subject, instance)


def section_data(*, entity: BusinessEntity, section: str) -> dict:
    settings = SectionSettings.objects.filter(entity=entity, section=section).values_list("data", flat=True).first()
    return settings or {}


def master_data(*, entity: BusinessEntity) -> dict:
    return {"name": entity.name, "address": entity.address, **section_data(entity=entity, section="master_data")}


def section_entries(*, entity: BusinessEntity, section: str) -> list:
    """The newest rows of a list section, with their authors, in one query."""
    if section == "quality_control":
        return list(QualityFeedback.objects.filter(entity=entity).select_related("created_by")[:LIST_ENTRIES])
    if section == "tour_activities":
        return list(TourActivity.objects.filter(entity=entity)[:LIST_ENTRIES])
    if section == "chat":
        messages = list(ChatMessage.objects.filter(entity=entity).select_related("author")[: LIST_ENTRIES * 2])
        return messages[::-1]
    return []


def analytics_figures(*, entity: BusinessEntity) -> dict:
    """Figures of the last 90 days of quality feedback and 30 days of tour activities."""
    now = timezone.now()
    feedback = QualityFeedback.objects.filter(
        entity=entity, created_at__gte=now - datetime.timedelta(days=90)
    ).aggregate(average=Avg("score"), count=Count("id"))
    tours = TourActivity.objects.filter(
        entity=entity, performed_on__gte=(now - datetime.timedelta(days=30)).date()
    ).aggregate(minutes=Sum("duration_minutes"), count=Count("id"))
    return {
        "quality_average": round(feedback["average"], 1) if feedback["average"] is not None else None,
        "quality_count": feedback["count"],
        "tour_hours": round((tours["minutes"] or 0) / 60, 1),
        "tour_count": tours["count"],
    }


@dataclass(frozen=True)
class WhyAccess:
    """ "Why can I see this?" in the person's own words: what decides, what lost, and the rights per section."""

    decides: str
    reason: str
    outranked: list[str]
    ignored: list[str]
    # The deciding role, and the sections it gives per access: edit, view, none.
    given_by: str
    by_access: list[tuple[str, list[str]]]
    # Sections a cap holds below the deciding role (a share's, at what its giver could do): (section, access).
    held_back: list[tuple[str, str]]


def _grant_words(grant: MatchedGrant) -> str:
    """One of the person's own grants, as "your owner role at Zurich Property AG (Owner project manager)"."""
    values = {"role": grant.role.label, "company": grant.company, "level": grant.level_label}
    if grant.role.is_share_role:
        if grant.company is None:
            return _("the Cockpit Share of the whole cockpit (%(role)s)") % values
        return _("the Cockpit Share of the business entities of %(company)s (%(role)s)") % values
    if grant.level == Level.ENTITY:
        return _("your role on this business entity (%(role)s)") % values
    if grant.level == SHOW_ALL:
        return _("your view of all business entities (%(role)s)") % values
    return _("your %(level)s role at %(company)s (%(role)s)") % values


def why_access(*, subject: Subject | None, entity: BusinessEntity) -> WhyAccess | None:
    """Why the person sees the entity, from the very evaluation explain_access makes, restricted to their own access.

    Only their own grants and shares, on an entity they see (None otherwise): nothing of
    anyone else's, and no entity's name but this one's.
    """
    # Only the paths that can decide here: a person's own page need not list what never could.
    explanation = explain_access(subject, entity, with_excluded=False)
    deciding = explanation.deciding
    if deciding is None:
        return None
    outranked = [
        _("It decides over %(grant)s.") % {"grant": _grant_words(grant)}
        for grant in explanation.grants
        if grant.applies and not grant.decided
    ]
    ignored = [
        capfirst(_("%(grant)s does not count here. %(note)s") % {"grant": _grant_words(grant), "note": grant.note})
        for grant in explanation.grants
        if not grant.applies
    ]
    by_access = [
        (
            str(access.label),
            [str(Section(section).label) for section, right in explanation.rights.items() if right == access],
        )
        for access in (Access.EDIT, Access.VIEW, Access.NONE)
    ]
    return WhyAccess(
        decides=capfirst(_("%(grant)s decides.") % {"grant": _grant_words(deciding)}),
        reason=explanation.reason,
        outranked=outranked,
        ignored=ignored,
        given_by=deciding.role.label,
        by_access=[(access, sections) for access, sections in by_access if sections],
        held_back=[
            (str(Section(section).label), str(Access(explanation.rights[section]).label))
            for section in Section.values
            if section in explanation.capped_sections
        ],
    )


# --- the role catalogue as the admin offers it --------------------------------------------------


def grantable_roles(level: str):
    """The roles a grant at `level` may hold, in catalogue order: never a share role, and a special role only on a
    single business entity, where the access rules use it (rules.ONLY_SPECIAL; at a company level they ignore it)."""
    roles = Role.objects.filter(is_share_role=False)
    return roles if level == Level.ENTITY else roles.filter(is_special=False)


class RoleKind(models.TextChoices):
    """The kinds of role the capability overview is filtered by, as the access rules tell them apart."""

    COMPANY = "company", gettext_lazy("Held at a company level")
    ENTITY = "entity", gettext_lazy("Held on a single business entity")
    SPECIAL = "special", gettext_lazy("Special roles")
    SHARE = "share", gettext_lazy("Share roles")
    OPERATOR = "operator", gettext_lazy("Operator only")


ROLES_OF_KIND = {
    RoleKind.COMPANY: Q(is_share_role=False, is_special=False),
    RoleKind.ENTITY: Q(is_share_role=False),
    RoleKind.SPECIAL: Q(is_special=True),
    RoleKind.SHARE: Q(is_share_role=True),
    RoleKind.OPERATOR: Q(is_operator_only=True),
}


@dataclass(frozen=True)
class CapabilityRow:
    """One role of the capability overview: its access per section, in section order."""

    role: Role
    access: list[Access]


def capability_overview(kind: str | None = None) -> list[CapabilityRow]:
    """The capability matrix, roles by sections, in two statements however many roles there are; `kind` (a RoleKind)
    keeps the roles of one kind. A section without a row gives no access."""
    roles = Role.objects.prefetch_related("capabilities")
    if kind in ROLES_OF_KIND:
        roles = roles.filter(ROLES_OF_KIND[RoleKind(kind)])
    rows = []
    for role in roles:
        stored = {capability.section: capability.access for capability in role.capabilities.all()}
        rows.append(CapabilityRow(role, [Access(stored.get(section, Access.NONE)) for section in Section]))
    return rows


@dataclass(frozen=True)
class RoleHolders:
    """How many active people hold a role, and in how many cockpits: whom a change of its matrix reaches."""

    people: int
    cockpits: int


def role_holders(role: Role) -> RoleHolders:
    """The active people a role gives rights to, by a grant on a company or a single entity or as their "show all"
    role, and their cockpits (a grant acts in its holder's own cockpit only), in one statement. (Share roles reach
    people through shares; their matrix changes only with the Cockpit Shares' table, never in the admin.)"""
    people = get_user_model().objects.filter(
        Q(pk__in=CompanyGrant.objects.filter(role=role).values("user_id"))
        | Q(pk__in=EntityGrant.objects.filter(role=role).values("user_id"))
        | Q(sees_all_entities=True, all_entities_role=role),
        is_active=True,
    )
    counted = people.aggregate(people=Count("pk"), cockpits=Count("company__instance", distinct=True))
    return RoleHolders(people=counted["people"], cockpits=counted["cockpits"])
