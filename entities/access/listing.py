"""Lists of visible entities, generated from the rule table: one SQL statement whatever the grants.

Every path of `rules.PATHS` that can decide for the subject becomes one SELECT of
(id, name, access_key[, rn]); their UNION ALL holds every (entity, grant) match,
and the smallest access key per entity is the grant that decides. Lists ask for
ranks (`rn`, the entity's place in name order among its grant's entities) so that
a page reads only the head of each grant's index: on PostgreSQL a grant that fans
out to many entities reads them through a LATERAL subquery with a LIMIT.
"""

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

from django.conf import settings
from django.db import connection
from django.db.models import BigIntegerField, QuerySet
from django_cte import CTE, with_cte
from django_cte.raw import raw_cte_sql
from psycopg.sql import Literal

from entities.access.cache import cached_store
from entities.access.context import context_for, reading_scope
from entities.access.rules import (
    COMPANY,
    ENTITY,
    KEY_BASE,
    PATHS,
    ROLE,
    SCOPES,
    GrantPath,
    access_key_sql,
    decode_access_key,
    row_conditions_sql,
    table,
)
from entities.access.subject import Subject
from entities.models import BusinessEntity, EntityGrant, Instance, Level, in_reader_language

# The aliases of this module's statements, explained once. The statements are assembled from the pieces below
# and from the grant paths of rules.PATHS, whose SELECTs use their source's aliases (rules.py): g the grant row,
# r its role, c its company (company grants) and e the business entity it reaches; a higher app's path may add
# its own (sharing's s and ss). Around them:
#   m             the matches: a row per (business entity, grant that lets the subject see it), every path's
#                 UNION ALL; in visible_companies, the companies of the entities single-entity grants reach
#   x             one grant's head: its first entities in name order, ranked (PostgreSQL's LATERAL)
#   p             a single-entity path's matches in name order, ranked and cut at the limit
#   d             a row per entity of m: its deciding access key, or its id for the total
#   one           a single row to hang the page on, so that the total comes back with an empty page
#   o, sp, cu, r  the page entity's owner, service provider and customer, and its deciding role
#   oc            a company of the cockpit, offered in a filter when a visible entity has it there
#   w             the step before in a company walk; the walks are w<n>_<level>
#   h             another person's role on a single entity, whose entity the subject's access is asked of

HELD = table(EntityGrant)

# Name order, the id breaking ties, so that a page starts exactly where the one before it ended.
IN_NAME_ORDER = "ORDER BY e.name, e.id"
RANK_IN_NAME_ORDER = f"row_number() OVER ({IN_NAME_ORDER}) AS rn"
# The grant that decides an entity is its match with the smallest access key (rules.access_key_sql).
DECIDING_KEY = "MIN(m.access_key) AS access_key"
# The entity's companies, as the list filters name them (the levels of the company grant paths).
COMPANY_LEVELS = (Level.OWNER, Level.SERVICE_PROVIDER, Level.CUSTOMER)
COMPANY_COLUMNS = [f"{level}_id" for level in COMPANY_LEVELS]


@dataclass(frozen=True)
class EntityFilter:
    """Narrows the visible entities: search in name and address, one company per level, a role's scope."""

    search: str = ""
    owner_id: int | None = None
    service_provider_id: int | None = None
    customer_id: int | None = None
    # A scope code of rules.SCOPES: only the entities a role of that scope acts on.
    scope: str = ""
    # Only the entities these people hold a role on (single-entity grants, in any cockpit).
    granted_to: tuple[int, ...] = ()

    def sql(self) -> tuple[str, list]:
        parts: list[str] = [SCOPES[self.scope].entity_sql()] if self.scope else []
        params: list = []
        for column in COMPANY_COLUMNS:
            if (value := getattr(self, column)) is not None:
                parts.append(f"e.{column} = %s")
                params.append(value)
        if self.search:
            escaped = self.search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            pattern, pattern_params = _search_pattern(f"%{escaped}%")
            like = f"LIKE UPPER({pattern}) ESCAPE '\\'"
            parts.append(f"(UPPER(e.name) {like} OR UPPER(e.address) {like})")
            params += pattern_params * 2
        if self.granted_to:
            placeholders = ", ".join(["%s"] * len(self.granted_to))
            parts.append(f"e.id IN (SELECT h.content_object_id FROM {HELD} h WHERE h.user_id IN ({placeholders}))")
            params += self.granted_to
        return "".join(f" AND {part}" for part in parts), params


def _search_pattern(pattern: str) -> tuple[str, list]:
    """The search's LIKE pattern as SQL: on PostgreSQL a literal, quoted by psycopg.

    Whether a word is rare decides the plan (the trigram index for a rare one, walking
    the names in order for a common one), so the planner must see it: a prepared
    statement with the pattern as a parameter would be planned once without it. The
    quoting is psycopg's own, the one Django uses for every parameter when binding on
    the client. Each search text becomes a statement of its own.
    """
    if connection.vendor != "postgresql":
        return "%s", [pattern]
    connection.ensure_connection()
    literal = Literal(pattern).as_string(connection.connection)
    # The statement still has %s parameters: a literal % is written %%.
    return literal.replace("%", "%%"), []


def _grants(path: GrantPath, subject: Subject) -> tuple[str, str, list]:
    grants = path.source.grants(subject)
    assert grants is not None, "only paths that can decide are asked"
    return grants


def _path_body(
    path: GrantPath, subject: Subject, cockpit_id: int, filters: str, filter_params: list
) -> tuple[str, list]:
    """FROM ... WHERE of the entities one path's grants reach in the cockpit."""
    grants_from, grants_where, grant_params = _grants(path, subject)
    conditions, condition_params = row_conditions_sql(path, subject)
    body = (
        f" FROM {grants_from} JOIN {ENTITY} e ON {path.source.reaches}"
        f" WHERE {grants_where} AND e.instance_id = %s AND {conditions}{filters}"
    )
    return body, [*grant_params, cockpit_id, *condition_params, *filter_params]


def _grant_heads(
    path: GrantPath, subject: Subject, cockpit_id: int, entity_filter: EntityFilter, limit: int
) -> tuple[str, list]:
    """A fanning-out path's ranked matches on PostgreSQL: through LATERAL, the limit is each grant's, and each
    grant reads only the head of its (company, name, id) index however many entities it reaches."""
    filters, filter_params = entity_filter.sql()
    grants_from, grants_where, grant_params = _grants(path, subject)
    on_entity, on_entity_params = row_conditions_sql(path, subject, on_entity=True)
    on_grant, on_grant_params = row_conditions_sql(path, subject, on_entity=False)
    head = (
        f"SELECT e.id, e.name, {RANK_IN_NAME_ORDER} FROM {ENTITY} e"
        f" WHERE {path.source.reaches} AND e.instance_id = %s AND {on_entity}{filters} {IN_NAME_ORDER} LIMIT %s"
    )
    sql = (
        f"SELECT x.id AS id, x.name AS name, {access_key_sql(path)} AS access_key, x.rn AS rn"
        f" FROM {grants_from} CROSS JOIN LATERAL ({head}) x WHERE {grants_where} AND {on_grant}"
    )
    return sql, [cockpit_id, *on_entity_params, *filter_params, limit, *grant_params, *on_grant_params]


def _path_select(
    path: GrantPath,
    subject: Subject,
    cockpit_id: int,
    entity_filter: EntityFilter,
    limit: int | None,
    columns: str | None = None,
) -> tuple[str, list]:
    """One path's matches: SELECT (id, name, access_key[, rn]), or other `columns` of e, of the entities it reaches."""
    assert columns is None or limit is None, "ranked selects keep their own columns"
    fans_out = path.source.fans_out
    if limit is not None and fans_out and connection.vendor == "postgresql":
        return _grant_heads(path, subject, cockpit_id, entity_filter, limit)
    filters, filter_params = entity_filter.sql()
    body, params = _path_body(path, subject, cockpit_id, filters, filter_params)
    columns = columns or f"e.id AS id, e.name AS name, {access_key_sql(path)} AS access_key"
    if limit is None:
        return f"SELECT {columns}{body}", params
    if fans_out:
        # Without LATERAL every grant's entities are ranked on their own (one grant, one path).
        per_grant = f"row_number() OVER (PARTITION BY {path.source.grant_key} {IN_NAME_ORDER}) AS rn"
        return f"SELECT {columns}, {per_grant}{body}", params
    ranked = f"SELECT {columns}, {RANK_IN_NAME_ORDER}{body} {IN_NAME_ORDER} LIMIT %s"
    return f"SELECT * FROM ({ranked}) p", [*params, limit]


def _union(
    subject: Subject | None,
    cockpit_id: int,
    entity_filter: EntityFilter,
    limit: int | None = None,
    columns: str | None = None,
) -> tuple[str, list] | None:
    """The UNION ALL of every path that can decide for the subject here; None when none can."""
    if subject is None:
        return None
    selects = [
        _path_select(path, subject, cockpit_id, entity_filter, limit, columns)
        for path in PATHS
        if path.can_decide(subject, cockpit_id)
    ]
    if not selects:
        return None
    return " UNION ALL ".join(sql for sql, _params in selects), [p for _sql, params in selects for p in params]


@reading_scope()
def visible_entities(subject: Subject | None, instance: Instance) -> QuerySet:
    """Business entities of `instance` the subject sees, annotated with `access_key` (decode with decode_access_key).

    One SQL query however many grants the subject holds; order, filter and slice it like any QuerySet.
    """
    union = _union(subject, instance.pk, EntityFilter())
    if union is None:
        return BusinessEntity.objects.none()
    sql, params = union
    matches = CTE(
        raw_cte_sql(
            f"SELECT m.id AS entity_id, {DECIDING_KEY} FROM ({sql}) m GROUP BY m.id",
            params,
            {"entity_id": BigIntegerField(), "access_key": BigIntegerField()},
        ),
        name="access",
    )
    queryset = matches.join(BusinessEntity.objects.all(), id=matches.col.entity_id).annotate(
        access_key=matches.col.access_key
    )
    return with_cte(matches, select=queryset)


@reading_scope()
def deciding_roles(subject: Subject | None, instance: Instance, entity_filter: EntityFilter) -> set[tuple[str, int]]:
    """The (level, role) pairs that decide the subject's access on the entities the filter leaves, in one query."""
    union = _union(subject, instance.pk, entity_filter)
    if union is None:
        return set()
    sql, params = union
    statement = f"SELECT DISTINCT d.access_key FROM (SELECT {DECIDING_KEY} FROM ({sql}) m GROUP BY m.id) d"
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return {decode_access_key(access_key) for (access_key,) in cursor.fetchall()}


@reading_scope()
def deciding_roles_on_grants(
    subject: Subject | None, instance: Instance, holder_ids: Collection[int]
) -> set[tuple[int, int, tuple[str, int] | None]]:
    """What decides the subject's access on the entities other people hold roles on, in one query.

    Rows of (holder, the holder's role, the subject's deciding (level, role) there), one per
    distinct combination; None in place of the deciding pair where the subject does not see
    one of those entities (or it lies in another cockpit). However many roles the holders
    have, the answer has a few rows: the question "may this manager change every role
    these people hold?" is asked as one set, not per entity.
    """
    holder_ids = tuple(sorted(set(holder_ids)))
    if not holder_ids:
        return set()
    placeholders = ", ".join(["%s"] * len(holder_ids))
    union = _union(subject, instance.pk, EntityFilter(granted_to=holder_ids))
    params: list = []
    if union is None:
        # No path decides for the subject here: they see none of the entities.
        decided = "(SELECT CAST(NULL AS BIGINT) AS entity_id, CAST(NULL AS BIGINT) AS access_key WHERE 1 = 0)"
    else:
        sql, params = union
        decided = f"(SELECT m.id AS entity_id, {DECIDING_KEY} FROM ({sql}) m GROUP BY m.id)"
    statement = (
        f"SELECT h.user_id, h.role_id, d.access_key FROM {HELD} h LEFT JOIN {decided} d"
        f" ON d.entity_id = h.content_object_id"
        f" WHERE h.user_id IN ({placeholders}) GROUP BY h.user_id, h.role_id, d.access_key"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [*params, *holder_ids])
        return {
            (holder, role, None if access_key is None else decode_access_key(access_key))
            for holder, role, access_key in cursor.fetchall()
        }


class NamedRef(NamedTuple):
    """A company or role as a list row shows it: its id and name (a role's in the reader's language).

    A tuple: the filters' hundreds of companies go through the cache on every request, and a
    tuple is unpickled ten times faster than a dataclass.
    """

    pk: int
    name: str

    def __str__(self) -> str:
        return self.name


class CompanyChoices:
    """The companies of one column of the visible entities, in name order; iterated as NamedRefs.

    Kept in the cache as two tuples, ids and names: the filters' hundreds of companies are
    unpickled on every request, and a list of named tuples takes four times longer.
    """

    __slots__ = ("ids", "names")

    def __init__(self, ids: Iterable[int] = (), names: Iterable[str] = ()) -> None:
        self.ids: tuple[int, ...] = tuple(ids)
        self.names: tuple[str, ...] = tuple(names)

    def __iter__(self) -> Iterator[NamedRef]:
        return map(NamedRef, self.ids, self.names)

    def __len__(self) -> int:
        return len(self.ids)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CompanyChoices) and (self.ids, self.names) == (other.ids, other.names)

    def __hash__(self) -> int:
        return hash((self.ids, self.names))

    def __reduce__(self):
        return (CompanyChoices, (self.ids, self.names))


def _company_walk(name: str, path: GrantPath, subject: Subject, cockpit_id: int, level: str) -> tuple[str, list]:
    """A recursive CTE `name`(grant_id, company): the distinct `level` companies of the entities each grant reaches.

    Each step asks for the next company above the last one found, which the (grant's column,
    `level`) index answers with one probe; the walk ends when there is none.
    """
    source = path.source
    grants_from, grants_where, grant_params = _grants(path, subject)
    on_entity, on_entity_params = row_conditions_sql(path, subject, on_entity=True)
    on_grant, on_grant_params = row_conditions_sql(path, subject, on_entity=False)

    def next_company(above: str) -> str:
        return (
            f"(SELECT MIN(e.{level}_id) FROM {ENTITY} e WHERE {source.reaches} AND e.instance_id = %s"
            f" AND {on_entity}{above})"
        )

    sql = (
        f"{name}(grant_id, company) AS ("
        f"SELECT {source.grant_key}, {next_company('')} FROM {grants_from} WHERE {grants_where} AND {on_grant}"
        f" UNION ALL SELECT w.grant_id, {next_company(f' AND e.{level}_id > w.company')}"
        f" FROM {name} w JOIN ({grants_from}) ON {source.grant_key} = w.grant_id WHERE w.company IS NOT NULL)"
    )
    return sql, [cockpit_id, *on_entity_params, *grant_params, *on_grant_params, cockpit_id, *on_entity_params]


VISIBLE_COMPANIES = cached_store("visible_companies")


@reading_scope()
def visible_companies(subject: Subject | None, instance: Instance) -> dict[str, CompanyChoices]:
    """The companies that occur as owner, service provider and customer of the entities the subject sees, in one query,
    each level's by name ignoring case (then id).

    Asked of the visible entities' own rows (every path's matches), so a company that is
    on no visible entity, or not in that column, is never named. Once per request, and
    from the cache while the cockpit's access is unchanged (cache.py): its statement takes
    longer to plan than to run.
    """
    if subject is None:
        return {level: CompanyChoices() for level in COMPANY_LEVELS}
    store = context_for(subject).store(VISIBLE_COMPANIES)
    if instance.pk not in store:
        store[instance.pk] = _read_visible_companies(subject, instance)
    return store[instance.pk]


def _read_visible_companies(subject: Subject, instance: Instance) -> dict[str, CompanyChoices]:
    found: dict[str, list[NamedRef]] = {level: [] for level in COMPANY_LEVELS}
    paths = [path for path in PATHS if path.can_decide(subject, instance.pk)]
    if not paths:
        return {level: CompanyChoices() for level in COMPANY_LEVELS}
    # Three ways, so that the cost follows the number of companies, not of entities:
    # - a grant on single entities: read the entities (its grants bound them);
    # - a grant on a whole cockpit (show-all, a share): one index probe per company of the cockpit;
    # - a grant on a company: walk the distinct companies of each other column through the
    #   (column, column) index, one probe per company found (a loose index scan).
    read = [path for path in paths if not path.source.fans_out]
    probed = [path for path in paths if path.source.whole_cockpit]
    walked = [path for path in paths if path.source.fans_out and not path.source.whole_cockpit]
    ctes, params = [], []
    if read:
        columns = ", ".join(f"e.{column}" for column in COMPANY_COLUMNS)
        selects = [_path_select(path, subject, instance.pk, EntityFilter(), None, columns) for path in read]
        ctes.append("m AS (" + " UNION ALL ".join(sql for sql, _params in selects) + ")")
        params += [p for _sql, select_params in selects for p in select_params]
    walks: dict[str, list[str]] = {level: [] for level in COMPANY_LEVELS}
    for number, path in enumerate(walked):
        for level in COMPANY_LEVELS:
            name = f"w{number}_{level}"
            sql, walk_params = _company_walk(name, path, subject, instance.pk, level)
            ctes.append(sql)
            params += walk_params
            walks[level].append(name)
    per_level = []
    for level in COMPANY_LEVELS:
        tests = [f"oc.id IN (SELECT m.{level}_id FROM m)"] if read else []
        tests += [f"oc.id IN (SELECT {name}.company FROM {name})" for name in walks[level]]
        params.append(instance.pk)
        for path in probed:
            body, body_params = _path_body(path, subject, instance.pk, f" AND e.{level}_id = oc.id", [])
            # A scalar subquery, unlike EXISTS, is never turned into a read of all entities at once.
            tests.append(f"(SELECT 1{body} LIMIT 1) IS NOT NULL")
            params += body_params
        per_level.append(
            f"SELECT '{level}' AS level, oc.id, oc.name FROM {COMPANY} oc"
            f" WHERE oc.instance_id = %s AND ({' OR '.join(tests)})"
        )
    with_read = f"WITH RECURSIVE {', '.join(ctes)} " if ctes else ""
    with connection.cursor() as cursor:
        cursor.execute(with_read + " UNION ALL ".join(per_level), params)
        for level, company_id, name in cursor.fetchall():
            found[level].append(NamedRef(company_id, name))
    # Sorted alike, ignoring case, whatever the database's collation; once, before the cache keeps them.
    for companies in found.values():
        companies.sort(key=lambda company: (company.name.casefold(), company.pk))
    return {level: CompanyChoices(*zip(*companies, strict=True)) for level, companies in found.items()}


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
    owner: NamedRef
    service_provider: NamedRef
    customer: NamedRef

    def __str__(self) -> str:
        return self.name


PAGE_ENTITY_FIELDS = ["instance_id", "name", "address", "project_form", *COMPANY_COLUMNS, "is_operator_entity"]


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


# One path alone matching more than the cap settles "more than cap" without
# de-duplicating the union; only smaller totals are counted exactly.
CAPPED_TOTAL = (
    "CASE WHEN (SELECT MAX(rn) FROM m) > %s THEN %s ELSE (SELECT COUNT(*) FROM (SELECT DISTINCT id FROM m) d) END"
)

# The page statement's pieces, in the order entity_page puts them. The first `offset + per_page`
# entities by name are, on every grant that matches them, among that grant's first `offset + per_page`:
# so only those ranks are grouped and sorted, however many entities the grants read for the total.
VISIBLE_UP_TO_PAGE_END = (
    f"visible AS (SELECT m.id, MIN(m.name) AS name, {DECIDING_KEY} FROM m WHERE m.rn <= %s GROUP BY m.id)"
)
PAGE_SLICE = "page AS (SELECT * FROM visible ORDER BY name, id LIMIT %s OFFSET %s)"
ENTITY_COLUMNS = ", ".join(f"e.{field}" for field in PAGE_ENTITY_FIELDS)
PAGE_COLUMNS = (
    f"page.id, page.access_key, {CAPPED_TOTAL}, {ENTITY_COLUMNS}, o.name, sp.name, cu.name, r.name, r.name_de"
)
# The page's rows hang on a single row, so that one row carries the total even when the page is empty. The
# deciding role's id is the access key's remainder by KEY_BASE (rules.access_key_sql).
PAGE_ROWS = (
    "(SELECT 1) one LEFT JOIN page ON 1 = 1"
    f" LEFT JOIN {ENTITY} e ON e.id = page.id"
    f" LEFT JOIN {COMPANY} o ON o.id = e.owner_id"
    f" LEFT JOIN {COMPANY} sp ON sp.id = e.service_provider_id"
    f" LEFT JOIN {COMPANY} cu ON cu.id = e.customer_id"
    f" LEFT JOIN {ROLE} r ON r.id = page.access_key - (page.access_key / {KEY_BASE}) * {KEY_BASE}"
)


@reading_scope()
def count_visible_entities(
    subject: Subject | None, instance: Instance, *, entity_filter: EntityFilter = EntityFilter(), cap: int | None = None
) -> int:
    """How many entities the subject sees, exact up to `cap` (the list's, unless given); above it, "more than cap"."""
    cap = settings.ENTITY_LIST_COUNT_CAP if cap is None else cap
    union = _union(subject, instance.pk, entity_filter, limit=cap + 1)
    if union is None:
        return 0
    sql, params = union
    with connection.cursor() as cursor:
        cursor.execute(f"WITH m AS ({sql}) SELECT {CAPPED_TOTAL}", [*params, cap, cap + 1])
        return cursor.fetchone()[0]


@reading_scope()
def entity_page(
    subject: Subject | None,
    instance: Instance,
    *,
    entity_filter: EntityFilter = EntityFilter(),
    number: int = 1,
    per_page: int = 50,
    cap: int | None = None,
) -> EntityPage:
    """A page of visible entities in name order with the total, in one statement, whatever the subject's grants.

    Each grant reads at most `cap + 1` entities (the head of its index), so the cost
    of a page does not grow with the entities a grant covers; the total is exact up
    to `cap` (ENTITY_LIST_COUNT_CAP unless given) and shown as "more than cap" beyond.
    Pages end at the cap.
    """
    cap = settings.ENTITY_LIST_COUNT_CAP if cap is None else cap
    union = _union(subject, instance.pk, entity_filter, limit=cap + 1)
    if union is None:
        return EntityPage(rows=[], total=0, number=1, per_page=per_page, cap=cap)
    matches, params = union
    number = max(1, min(number, -(-cap // per_page)))
    offset = (number - 1) * per_page
    # The last page stops at the cap too: the paths hold no rank beyond cap + 1.
    size = min(per_page, cap - offset)
    statement = (
        f"WITH m AS ({matches}), {VISIBLE_UP_TO_PAGE_END}, {PAGE_SLICE}"
        f" SELECT {PAGE_COLUMNS} FROM {PAGE_ROWS} ORDER BY page.name, page.id"
    )
    with connection.cursor() as cursor:
        # The parameters: the matches', the last rank to read, the page's size and offset, the cap twice.
        cursor.execute(statement, [*params, offset + size, size, offset, cap, cap + 1])
        found = cursor.fetchall()
    total = found[0][2] if found else 0
    if found and found[0][0] is None and number > 1:
        # Past the last page (or nothing matches at all): the last page there is, page 1 for an empty list.
        last = max(1, -(-min(total, cap) // per_page))
        if last < number:
            return entity_page(subject, instance, entity_filter=entity_filter, number=last, per_page=per_page, cap=cap)
    rows = []
    role_names: dict[tuple[str, str], str] = {}  # a page has few roles: each named once in the reader's language
    for entity_id, key, _total, *values in found:
        if entity_id is None:
            continue
        *fields, owner, provider, customer, role_name, role_name_de = values
        if (role_name, role_name_de) not in role_names:
            role_names[role_name, role_name_de] = in_reader_language(role_name, role_name_de)
        columns = dict(zip(PAGE_ENTITY_FIELDS, fields, strict=True))
        entity = EntityRow(
            pk=entity_id,
            **columns,
            owner=NamedRef(columns["owner_id"], owner),
            service_provider=NamedRef(columns["service_provider_id"], provider),
            customer=NamedRef(columns["customer_id"], customer),
        )
        level, role_id = decode_access_key(key)
        rows.append((entity, NamedRef(role_id, role_names[role_name, role_name_de]), level))
    return EntityPage(rows=rows, total=total, number=number, per_page=per_page, cap=cap)
