"""The access resolver: which business entities a user sees, and with which role.

Rules (DESIGN.md "Access rules"), most specific first:
1. a grant on the entity itself decides alone;
2. else the matching company grant of highest precedence: owner > service provider > customer;
3. else an operator employee flagged "show all business entities" sees it with that role;
4. else the entity is invisible.
A grant whose role is scoped (Sales: operator entities only; Easy project leader:
"easy" entities only) does not match entities outside its scope.

Every path is one SQL query: a CTE that unions the grant paths, each an index
scan, tags each match with `precedence * KEY_BASE + role_id`, and keeps the
smallest tag per entity. The CTE is joined to BusinessEntity, so the result is an
ordinary QuerySet that the list page filters, orders and paginates.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.db.models import BigIntegerField, CharField, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.db.models.sql.constants import LOUTER
from django.utils.functional import LazyObject, empty
from django.utils.translation import gettext as _
from django_cte import CTE, with_cte
from django_cte.raw import raw_cte_sql

from entities.models import (
    PRECEDENCE,
    Access,
    BusinessEntity,
    Capability,
    Company,
    CompanyGrant,
    EntityGrant,
    EntityScope,
    Instance,
    Level,
    ProjectForm,
    Role,
    Section,
)

KEY_BASE = 1_000_000
SHOW_ALL_PRECEDENCE = PRECEDENCE.index("all")


# The entities a scoped role acts on (Sales: the operator's own; Easy project leader:
# "easy" ones), as (column, value); a role of any other scope acts on all entities.
SCOPE_RULES = {
    EntityScope.EASY_ENTITIES: ("project_form", ProjectForm.EASY),
    EntityScope.OPERATOR_ENTITIES: ("is_operator_entity", True),
}


def _scope_condition(scope: str) -> str:
    column, value = SCOPE_RULES[scope]
    return f"e.{column}" if value is True else f"e.{column} = '{value}'"


def _scope_sql() -> str:
    """The scope rule for the grant's role `r` and the entity `e`."""
    scoped = "".join(f" OR (r.entity_scope = '{scope}' AND {_scope_condition(scope)})" for scope in SCOPE_RULES)
    return f"(r.entity_scope = '{EntityScope.ALL}'{scoped})"


def _scope_literal(scope: str) -> str:
    """The scope rule for a role known in advance (the show-all role)."""
    return f" AND {_scope_condition(scope)}" if scope in SCOPE_RULES else ""


def _scope_applies(scope: str, entity: BusinessEntity) -> bool:
    """Whether a role of this scope acts on the entity at all."""
    if scope not in SCOPE_RULES:
        return True
    column, value = SCOPE_RULES[scope]
    return getattr(entity, column) == value


def _scope_q(scope: str) -> Q | None:
    """The entities a scoped role acts on; None for a role that acts on all."""
    if scope not in SCOPE_RULES:
        return None
    column, value = SCOPE_RULES[scope]
    return Q(**{column: value})


@dataclass(frozen=True)
class EntityFilter:
    """Narrows the visible entities: search in name and address, one company per level."""

    search: str = ""
    owner_id: int | None = None
    service_provider_id: int | None = None
    customer_id: int | None = None

    def sql(self) -> tuple[str, list]:
        parts: list[str] = []
        params: list = []
        for column, value in (
            ("owner_id", self.owner_id),
            ("service_provider_id", self.service_provider_id),
            ("customer_id", self.customer_id),
        ):
            if value is not None:
                parts.append(f"e.{column} = %s")
                params.append(value)
        if self.search:
            escaped = self.search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            parts.append("(UPPER(e.name) LIKE UPPER(%s) ESCAPE '\\' OR UPPER(e.address) LIKE UPPER(%s) ESCAPE '\\')")
            params += [f"%{escaped}%"] * 2
        return "".join(f" AND {part}" for part in parts), params


def _branches(
    user: AbstractBaseUser,
    instance_id: int,
    entity_filter: EntityFilter,
    *,
    show_all: tuple[int, str] | None = None,
    limit: int | None = None,
) -> tuple[list[str], list]:
    """One SELECT (id, name, access_key) per grant path, each an index scan; the rules' single SQL source.

    With `limit`, each path stops after that many entities in name order and also
    yields `rn`, the entity's rank on its path (1 = first by name). On PostgreSQL every
    company grant then reads only the head of its (company, name, id) index through a
    LATERAL subquery; elsewhere the limit is simply left out (same result).
    """
    entity, role = BusinessEntity._meta.db_table, Role._meta.db_table
    filters, filter_params = entity_filter.sql()
    scope = _scope_sql()
    user_id = user.pk
    # An operator-only role counts only while its holder works for the operator, even if
    # the user was moved to another company after the grant.
    guard, is_operator = " AND (NOT r.is_operator_only OR %s)", bool(user.company.is_operator)
    ranked = limit is not None
    lateral = ranked and connection.vendor == "postgresql"
    rank = ", row_number() OVER (ORDER BY e.name, e.id) AS rn" if ranked else ""
    entity_grants = (
        f"SELECT e.id AS id, e.name AS name, {PRECEDENCE.index(Level.ENTITY)} * {KEY_BASE} + g.role_id"
        f" AS access_key{rank} FROM {EntityGrant._meta.db_table} g"
        f" JOIN {role} r ON r.id = g.role_id"
        f" JOIN {entity} e ON e.id = g.content_object_id"
        f" WHERE g.user_id = %s AND e.instance_id = %s AND {scope}{filters}{guard}"
    )
    params: list = [user_id, instance_id, *filter_params, is_operator]
    if ranked:
        entity_grants = f"SELECT * FROM ({entity_grants} ORDER BY e.name, e.id LIMIT %s) eg"
        params.append(limit)
    branches = [entity_grants]
    for level in (Level.OWNER, Level.SERVICE_PROVIDER, Level.CUSTOMER):
        key = f"{PRECEDENCE.index(level)} * {KEY_BASE} + g.role_id"
        # The instance check reads e.instance_id from the covering index, not the company row.
        grants = f" FROM {CompanyGrant._meta.db_table} g JOIN {role} r ON r.id = g.role_id"
        in_instance = f"e.{level}_id = g.company_id AND e.instance_id = %s AND {scope}{filters}"
        if lateral:
            branches.append(
                f"SELECT x.id, x.name, {key}, x.rn{grants} CROSS JOIN LATERAL ("
                f"SELECT e.id, e.name{rank} FROM {entity} e WHERE {in_instance}"
                f" ORDER BY e.name, e.id LIMIT %s) x WHERE g.user_id = %s AND g.level = '{level}'{guard}"
            )
            params += [instance_id, *filter_params, limit, user_id, is_operator]
        else:
            # Without LATERAL every grant's entities are ranked on their own (one grant, one path).
            grant_rank = ", row_number() OVER (PARTITION BY g.id ORDER BY e.name, e.id)" if ranked else ""
            branches.append(
                f"SELECT e.id, e.name, {key}{grant_rank}{grants} JOIN {entity} e ON {in_instance}"
                f" WHERE g.user_id = %s AND g.level = '{level}'{guard}"
            )
            params += [instance_id, *filter_params, user_id, is_operator]
    if show_all is not None:
        role_id, role_scope = show_all
        select = (
            f"SELECT e.id, e.name, {SHOW_ALL_PRECEDENCE} * {KEY_BASE} + %s{rank} FROM {entity} e"
            f" WHERE e.instance_id = %s{_scope_literal(role_scope)}{filters}"
        )
        params += [role_id, instance_id, *filter_params]
        if ranked:
            select = f"SELECT * FROM ({select} ORDER BY e.name, e.id LIMIT %s) s"
            params.append(limit)
        branches.append(select)
    return branches, params


def _grant_matches_sql(user: AbstractBaseUser, instance_id: int) -> tuple[str, list]:
    """SQL of (entity_id, name, access_key): the deciding grant of every entity some grant of the user matches."""
    branches, params = _branches(user, instance_id, EntityFilter())
    sql = (
        "SELECT m.id AS entity_id, MIN(m.name) AS name, MIN(m.access_key) AS access_key"
        f" FROM ({' UNION ALL '.join(branches)}) m GROUP BY m.id"
    )
    return sql, params


def show_all_role_id(user: AbstractBaseUser, instance_id: int) -> int | None:
    """The role a user sees all entities of their own cockpit with, honoured only for active operator employees."""
    if not (user.is_authenticated and user.is_active and getattr(user, "sees_all_entities", False)):
        return None
    if user.all_entities_role_id is None or not user.company.is_operator or user.company.instance_id != instance_id:
        return None
    return user.all_entities_role_id


def visible_entities(user: AbstractBaseUser, instance: Instance) -> QuerySet:
    """Business entities of `instance` the user sees, annotated with `access_key` (decode with decode_access_key).

    One SQL query however many grants the user holds; order, filter and slice it like any QuerySet.
    """
    if not (user.is_authenticated and user.is_active):
        return BusinessEntity.objects.none()
    sql, params = _grant_matches_sql(user, instance.pk)
    matches = CTE(
        raw_cte_sql(
            sql,
            params,
            {"entity_id": BigIntegerField(), "name": CharField(), "access_key": BigIntegerField()},
        ),
        name="access",
    )
    show_all = show_all_role_id(user, instance.pk)
    base = BusinessEntity.objects.all()
    if show_all is None:
        queryset = matches.join(base, id=matches.col.entity_id).annotate(access_key=matches.col.access_key)
    else:
        queryset = matches.join(base.filter(instance=instance), id=matches.col.entity_id, _join_type=LOUTER).annotate(
            access_key=Coalesce(matches.col.access_key, Value(SHOW_ALL_PRECEDENCE * KEY_BASE + show_all))
        )
        in_scope = _scope_q(user.all_entities_role.entity_scope)
        if in_scope is not None:
            queryset = queryset.filter(Q(access_key__lt=SHOW_ALL_PRECEDENCE * KEY_BASE) | in_scope)
    return with_cte(matches, select=queryset)


@dataclass(slots=True)
class NamedRef:
    """A company or role as a list row shows it: its id and name."""

    pk: int
    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(slots=True)
class EntityRow:
    """A business entity as the list shows it; built from the resolver's row, no model instance needed."""

    pk: int
    instance_id: int
    name: str
    address: str
    project_form: str
    owner_id: int
    service_provider_id: int
    customer_id: int
    is_operator_entity: bool
    owner: NamedRef | None = None
    service_provider: NamedRef | None = None
    customer: NamedRef | None = None

    def __str__(self) -> str:
        return self.name


PAGE_ENTITY_FIELDS = [
    "instance_id",
    "name",
    "address",
    "project_form",
    "owner_id",
    "service_provider_id",
    "customer_id",
    "is_operator_entity",
]


@dataclass
class EntityPage:
    """One page of the entity list: rows of (entity, deciding role, level), and the (capped) total."""

    rows: list[tuple[EntityRow, NamedRef, str]]
    total: int
    number: int
    per_page: int
    cap: int

    @property
    def capped(self) -> bool:
        return self.total > self.cap

    @property
    def num_pages(self) -> int:
        return max(1, -(-min(self.total, self.cap) // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1


def _show_all(user: AbstractBaseUser, instance_id: int) -> tuple[int, str] | None:
    role_id = show_all_role_id(user, instance_id)
    return (role_id, user.all_entities_role.entity_scope) if role_id is not None else None


def _ranked_matches(
    user: AbstractBaseUser, instance: Instance, entity_filter: EntityFilter, cap: int
) -> tuple[str, str, list, list]:
    """The CTE `m` of ranked matches (each path cut after cap + 1 entities) and the capped total over it.

    One path alone matching more than `cap` entities settles "more than cap" without
    de-duplicating the union; only smaller totals are counted exactly.
    """
    branches, params = _branches(user, instance.pk, entity_filter, show_all=_show_all(user, instance.pk), limit=cap + 1)
    total = (
        "CASE WHEN (SELECT MAX(rn) FROM m) > %s THEN %s ELSE (SELECT COUNT(*) FROM (SELECT DISTINCT id FROM m) d) END"
    )
    return f"m AS ({' UNION ALL '.join(branches)})", total, params, [cap, cap + 1]


def count_visible_entities(
    user: AbstractBaseUser, instance: Instance, *, entity_filter: EntityFilter = EntityFilter(), cap: int | None = None
) -> int:
    """How many entities the user sees, exact up to `cap` (the list's, unless given); above it, "more than cap"."""
    if not (user.is_authenticated and user.is_active):
        return 0
    cap = settings.ENTITY_LIST_COUNT_CAP if cap is None else cap
    matches, total, params, total_params = _ranked_matches(user, instance, entity_filter, cap)
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {matches} SELECT {total}", [*params, *total_params])
        return cursor.fetchone()[0]


def entity_page(
    user: AbstractBaseUser,
    instance: Instance,
    *,
    entity_filter: EntityFilter = EntityFilter(),
    number: int = 1,
    per_page: int = 50,
    cap: int | None = None,
) -> EntityPage:
    """A page of visible entities in name order with the total, in one statement, whatever the user's grants.

    Each grant path reads at most `cap + 1` entities (the head of its index), so the
    cost of a page does not grow with the entities a grant covers; the total is exact
    up to `cap` (ENTITY_LIST_COUNT_CAP unless given) and shown as "more than cap" beyond.
    Pages end at the cap.
    """
    cap = settings.ENTITY_LIST_COUNT_CAP if cap is None else cap
    if not (user.is_authenticated and user.is_active):
        return EntityPage(rows=[], total=0, number=1, per_page=per_page, cap=cap)
    number = max(1, min(number, -(-cap // per_page)))
    offset = (number - 1) * per_page
    # The last page stops at the cap too: the paths hold no rank beyond cap + 1.
    size = min(per_page, cap - offset)
    matches, total, params, total_params = _ranked_matches(user, instance, entity_filter, cap)
    entity_table, company_table, role_table = (
        BusinessEntity._meta.db_table,
        Company._meta.db_table,
        Role._meta.db_table,
    )
    # The first `offset + per_page` entities by name are, on every path that matches
    # them, among that path's first `offset + per_page`: so only those ranks are
    # grouped and sorted, however many entities the paths read for the total.
    sql = (
        f"WITH {matches}, visible AS ("
        "SELECT m.id, MIN(m.name) AS name, MIN(m.access_key) AS access_key FROM m WHERE m.rn <= %s GROUP BY m.id"
        "), page AS (SELECT * FROM visible ORDER BY name, id LIMIT %s OFFSET %s)"
        f" SELECT page.id, page.access_key, {total},"
        f" {', '.join(f'e.{f}' for f in PAGE_ENTITY_FIELDS)}, o.name, sp.name, cu.name, r.name"
        " FROM (SELECT 1) one LEFT JOIN page ON 1 = 1"
        f" LEFT JOIN {entity_table} e ON e.id = page.id"
        f" LEFT JOIN {company_table} o ON o.id = e.owner_id"
        f" LEFT JOIN {company_table} sp ON sp.id = e.service_provider_id"
        f" LEFT JOIN {company_table} cu ON cu.id = e.customer_id"
        f" LEFT JOIN {role_table} r ON r.id = page.access_key - (page.access_key / {KEY_BASE}) * {KEY_BASE}"
        " ORDER BY page.name, page.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, offset + size, size, offset, *total_params])
        found = cursor.fetchall()
    total = found[0][2] if found else 0
    if found and found[0][0] is None and number > 1 and total:
        last = max(1, -(-min(total, cap) // per_page))
        if last < number:
            return entity_page(user, instance, entity_filter=entity_filter, number=last, per_page=per_page, cap=cap)
    rows = []
    for entity_id, key, _total, *values in found:
        if entity_id is None:
            continue
        *fields, owner, provider, customer, role_name = values
        entity = EntityRow(entity_id, *fields)
        entity.owner, entity.service_provider, entity.customer = (
            NamedRef(entity.owner_id, owner),
            NamedRef(entity.service_provider_id, provider),
            NamedRef(entity.customer_id, customer),
        )
        level, role_id = decode_access_key(key)
        rows.append((entity, NamedRef(role_id, role_name), level))
    return EntityPage(rows=rows, total=total, number=number, per_page=per_page, cap=cap)


def decode_access_key(access_key: int) -> tuple[str, int]:
    """(level that decided, deciding role id) from an access key."""
    precedence, role_id = divmod(int(access_key), KEY_BASE)
    return PRECEDENCE[precedence], role_id


def level_label(level: str) -> str:
    """How a level that decided access reads on pages and in explanations."""
    return Level(level).label if level in Level.values else _("Show all business entities")


@dataclass
class EntityAccess:
    """What decides a user's access to one entity, and the rights it gives per section."""

    level: str
    role: Role
    rights: dict[str, int] = field(default_factory=dict)

    def allows(self, section: str, access: int) -> bool:
        """Whether the deciding role gives at least `access` (view or edit) on the section."""
        return self.rights.get(section, Access.NONE) >= access

    @property
    def level_label(self) -> str:
        return level_label(self.level)


def role_rights(role_ids: set[int]) -> dict[int, dict[str, int]]:
    """Rights per section for each role, in one query."""
    rights: dict[int, dict[str, int]] = {role_id: dict.fromkeys(Section.values, Access.NONE) for role_id in role_ids}
    for role_id, section, access in Capability.objects.filter(role_id__in=role_ids).values_list(
        "role_id", "section", "access"
    ):
        rights[role_id][section] = access
    return rights


ROLE_FIELDS = ["code", "name", "chat_allowed", "is_operator_only", "is_special", "entity_scope", "position"]


def _resolve_one(user: AbstractBaseUser, entity: BusinessEntity) -> EntityAccess | None:
    """The deciding grant of one entity with its role and rights, in one small query.

    The entity's companies and scope flags are known here, so the grant paths need no
    join to the entity table (cheap to plan); the cross-check tests hold it to the same
    answers as visible_entities() and explain_access().
    """
    role_table, capability_table = Role._meta.db_table, Capability._meta.db_table
    scopes = [scope for scope in EntityScope.values if _scope_applies(scope, entity)]
    in_scope = f"r.entity_scope IN ({', '.join(['%s'] * len(scopes))})"
    scope_params = scopes
    precedence = " ".join(
        f"WHEN '{level}' THEN {PRECEDENCE.index(level)}"
        for level in (Level.OWNER, Level.SERVICE_PROVIDER, Level.CUSTOMER)
    )
    branches = [
        f"SELECT {PRECEDENCE.index(Level.ENTITY)} * {KEY_BASE} + g.role_id AS access_key"
        f" FROM {EntityGrant._meta.db_table} g JOIN {role_table} r ON r.id = g.role_id"
        f" WHERE g.user_id = %s AND g.content_object_id = %s AND {in_scope} AND (NOT r.is_operator_only OR %s)",
        f"SELECT (CASE g.level {precedence} END) * {KEY_BASE} + g.role_id"
        f" FROM {CompanyGrant._meta.db_table} g JOIN {role_table} r ON r.id = g.role_id"
        f" WHERE g.user_id = %s AND ((g.level = '{Level.OWNER}' AND g.company_id = %s)"
        f" OR (g.level = '{Level.SERVICE_PROVIDER}' AND g.company_id = %s)"
        f" OR (g.level = '{Level.CUSTOMER}' AND g.company_id = %s)) AND {in_scope}"
        " AND (NOT r.is_operator_only OR %s)",
    ]
    is_operator = bool(user.company.is_operator)
    params = [user.pk, entity.pk, *scope_params, is_operator]
    params += [user.pk, entity.owner_id, entity.service_provider_id, entity.customer_id, *scope_params, is_operator]
    show_all = _show_all(user, entity.instance_id)
    if show_all is not None and _scope_applies(show_all[1], entity):
        branches.append(f"SELECT {SHOW_ALL_PRECEDENCE * KEY_BASE} + %s")
        params.append(show_all[0])
    sql = (
        f"WITH decided AS (SELECT MIN(m.access_key) AS access_key FROM ({' UNION ALL '.join(branches)}) m)"
        f" SELECT decided.access_key, r.id, {', '.join(f'r.{f}' for f in ROLE_FIELDS)}, c.section, c.access"
        f" FROM decided JOIN {role_table} r"
        f" ON r.id = decided.access_key - (decided.access_key / {KEY_BASE}) * {KEY_BASE}"
        f" LEFT JOIN {capability_table} c ON c.role_id = r.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    if not found:
        return None
    key, *role_values = found[0][: 2 + len(ROLE_FIELDS)]
    role = Role.from_db(connection.alias, ["id", *ROLE_FIELDS], role_values)
    rights = dict.fromkeys(Section.values, Access.NONE)
    rights.update({section: access for *_, section, access in found if section is not None})
    return EntityAccess(level=decode_access_key(key)[0], role=role, rights=rights)


def request_cache(user: AbstractBaseUser, name: str) -> dict:
    """A cache that lives on the user object, i.e. for one request: rights change from the next request on.

    request.user is a lazy wrapper; the cache goes on the user inside it, so views and
    permission backends (which get the unwrapped user) share it.
    """
    if isinstance(user, LazyObject):
        if user._wrapped is empty:
            user._setup()
        user = user._wrapped
    return user.__dict__.setdefault(name, {})


def entity_access(user: AbstractBaseUser, entity: BusinessEntity) -> EntityAccess | None:
    """The deciding role for one entity and its rights, or None when the user may not see it."""
    cache = request_cache(user, "_entity_access_cache")
    if entity.pk not in cache:
        cache[entity.pk] = _resolve_one(user, entity) if user.is_authenticated and user.is_active else None
    return cache[entity.pk]


def prime_entity_access(user: AbstractBaseUser, instance: Instance, entities: list[BusinessEntity]) -> None:
    """Resolve the user's access to many entities at once, for pages that check many (lists of users)."""
    cache = request_cache(user, "_entity_access_cache")
    missing = {entity.pk for entity in entities if entity.pk not in cache}
    if not missing:
        return
    found = {
        entity_id: decode_access_key(key)
        for entity_id, key in visible_entities(user, instance).filter(pk__in=missing).values_list("id", "access_key")
    }
    roles = Role.objects.in_bulk({role_id for _level, role_id in found.values()})
    rights = role_rights(set(roles))
    for entity_id in missing:
        level, role_id = found.get(entity_id, (None, None))
        cache[entity_id] = None if level is None else EntityAccess(level, roles[role_id], rights[role_id])


@dataclass
class MatchedGrant:
    """A grant that names this entity or one of its companies, and what became of it."""

    level: str
    role: Role
    company: Company | None = None
    applies: bool = True
    note: str = ""
    decided: bool = False

    @property
    def level_label(self) -> str:
        return level_label(self.level)


@dataclass
class Explanation:
    """Why a user sees an entity with a role: every matching grant, the one that decided, and the rights."""

    user: AbstractBaseUser
    entity: BusinessEntity
    grants: list[MatchedGrant]
    deciding: MatchedGrant | None
    reason: str
    rights: dict[str, int]

    @property
    def visible(self) -> bool:
        return self.deciding is not None

    def rights_rows(self) -> list[tuple[str, str]]:
        return [(Section(section).label, Access(access).label) for section, access in self.rights.items()]


def _scope_note(role: Role, entity: BusinessEntity) -> str:
    """Why a scoped role does not act on this entity, or "" when it does."""
    if _scope_applies(role.entity_scope, entity):
        return ""
    if role.entity_scope == EntityScope.EASY_ENTITIES:
        return _("%(role)s acts only on entities of project form 'easy'.") % {"role": role.name}
    return _("%(role)s acts only on the operator's own (demo) entities.") % {"role": role.name}


def explain_access(user: AbstractBaseUser, entity: BusinessEntity) -> Explanation:
    """List every grant of `user` that concerns `entity`, mark the one that decides, and say why.

    Follows the same rules as visible_entities(); tests check that both always agree.
    """
    grants: list[MatchedGrant] = []
    same_instance = user.company.instance_id == entity.instance_id
    entity_grant = EntityGrant.objects.filter(user=user, content_object=entity).select_related("role").first()
    if entity_grant is not None:
        grants.append(MatchedGrant(level=Level.ENTITY, role=entity_grant.role))
    company_ids = {
        Level.OWNER: entity.owner_id,
        Level.SERVICE_PROVIDER: entity.service_provider_id,
        Level.CUSTOMER: entity.customer_id,
    }
    found = CompanyGrant.objects.filter(user=user, company_id__in=set(company_ids.values())).select_related(
        "role", "company"
    )
    for level in (Level.OWNER, Level.SERVICE_PROVIDER, Level.CUSTOMER):
        for grant in found:
            if grant.level == level and grant.company_id == company_ids[level]:
                grants.append(MatchedGrant(level=level, role=grant.role, company=grant.company))
    if getattr(user, "sees_all_entities", False) and user.all_entities_role_id is not None:
        show_all = MatchedGrant(level="all", role=user.all_entities_role)
        if not user.company.is_operator:
            show_all.applies = False
            show_all.note = _("Ignored: only operator (soobr) employees may see all business entities.")
        grants.append(show_all)
    for grant in grants:
        if grant.applies and grant.role.is_operator_only and not user.company.is_operator:
            grant.applies = False
            grant.note = _("Ignored: %(role)s is an operator role and the user no longer works for the operator.") % {
                "role": grant.role.name
            }
        if grant.applies:
            grant.note = _scope_note(grant.role, entity)
            grant.applies = not grant.note and same_instance and user.is_active
    deciding = next((grant for grant in grants if grant.applies), None)
    if deciding is None:
        reason = _("No grant matches this entity, so it is invisible to the user (404).")
        if not user.is_active:
            reason = _("The user is deactivated.")
        rights = dict.fromkeys(Section.values, Access.NONE)
    else:
        deciding.decided = True
        reasons = {
            Level.ENTITY: _("A role on the entity itself decides alone (most specific wins)."),
            Level.OWNER: _("The owner grant has the highest precedence (owner > service provider > customer)."),
            Level.SERVICE_PROVIDER: _(
                "The service provider grant decides: no owner grant matches (owner > service provider > customer)."
            ),
            Level.CUSTOMER: _("Only the customer grant matches."),
            "all": _("No grant matches; the user sees all business entities with this role."),
        }
        reason = reasons[deciding.level]
        rights = role_rights({deciding.role.pk})[deciding.role.pk]
    return Explanation(user=user, entity=entity, grants=grants, deciding=deciding, reason=reason, rights=rights)
