"""The access rules (docs/access-rules.md), declared once.

`PATHS` is the table of grant paths, most specific first: its order is the
precedence. Each path says where its grants come from and how they reach a
business entity (its `Source`), and which conditions may exclude one of its grants
from deciding. The list statement (listing.py), the single-entity check behind
`has_perm` (single.py) and the explanation (explain.py) are all generated from
this table; none of them holds a rule of its own. Adding a grant path is one row
here plus its tests. A higher app whose grants live in its own tables declares its
path with the same building blocks and registers it in `GRANT_PATHS` at start-up
(core.registry): Cockpit Shares do (sharing/access.py), since entities may not import sharing.

A condition is either about the person in the cockpit they work in
(`SubjectCondition`, evaluated once per request in Python) or about one grant row
and the entity it reaches (`RowCondition`, one SQL expression that the list puts
in its WHERE and the check selects as a column, so both ask the database the very
same question). The SQL is composed from our own table names and enum constants;
every value from outside is a bound parameter.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, cached_property

from django.db.models import Model
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from core.registry import Registry
from entities.access.subject import Subject
from entities.models import (
    BusinessEntity,
    Company,
    CompanyGrant,
    EntityGrant,
    EntityScope,
    Level,
    ProjectForm,
    Role,
)

SHOW_ALL = "all"

# The SQL aliases every source provides: g (the grant row), r (its role), c (its
# company, for company grants) and e (the business entity it reaches).
ENTITY = BusinessEntity._meta.db_table
ROLE = Role._meta.db_table
COMPANY = Company._meta.db_table


def table(model: type[Model]) -> str:
    return model._meta.db_table


# --- Scopes: which entities a role acts on at all -------------------------------------------


@dataclass(frozen=True)
class Scope:
    """A role's reach over entities: every entity, or those whose column has a value."""

    code: str
    column: str | None = None
    value: object = None
    note: Promise | str = ""

    def entity_sql(self) -> str:
        if self.column is None:
            return "TRUE"
        if self.value is True:
            return f"e.{self.column}"
        return f"e.{self.column} = '{self.value}'"


SCOPES = {
    scope.code: scope
    for scope in (
        Scope(EntityScope.ALL),
        Scope(
            EntityScope.OPERATOR_ENTITIES,
            "is_operator_entity",
            True,
            _("%(role)s acts only on the operator's own (demo) entities."),
        ),
        Scope(
            EntityScope.EASY_ENTITIES,
            "project_form",
            ProjectForm.EASY,
            _("%(role)s acts only on entities of project form 'easy'."),
        ),
    )
}


# --- Conditions -----------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class SubjectCondition:
    """A condition on the person in the cockpit they work in; a path it fails cannot decide there."""

    code: str
    holds: Callable[[Subject, int], bool]
    note: Promise | str


@dataclass(frozen=True, eq=False)
class RowCondition:
    """A condition on one grant row (g, r, c) and, if `on_entity`, the entity it reaches (e)."""

    code: str
    sql: Callable[[Subject], tuple[str, list]]
    note: Callable[["Role"], str]
    on_entity: bool = False


def scope_sql(column: str) -> Callable[[Subject], tuple[str, list]]:
    """The SQL of "the entity e lies in the scope named by `column`" (a role's, or a share's)."""

    def sql(subject: Subject) -> tuple[str, list]:
        # One CASE, not an OR of (scope AND column) pairs: inside a LATERAL the scope is a known
        # row, and the planner then reads the head of the entity index instead of sorting them all.
        cases = " ".join(f"WHEN '{scope.code}' THEN {scope.entity_sql()}" for scope in SCOPES.values())
        return f"(CASE {column} {cases} ELSE FALSE END)", []

    return sql


def _scope_note(role: Role) -> str:
    scope = SCOPES.get(role.entity_scope)
    note = scope.note if scope is not None else _("Ignored: %(role)s has an unknown scope.")
    return str(note) % {"role": role.label}


ACTIVE = SubjectCondition(
    "active",
    lambda subject, cockpit_id: subject.is_active,
    _("Ignored: the user is deactivated."),
)
IN_HOME_COCKPIT = SubjectCondition(
    "in_home_cockpit",
    # Grants act only in their holder's own cockpit; other cockpits are reached by shares.
    lambda subject, cockpit_id: subject.home_instance_id == cockpit_id,
    _("Ignored: the business entity is in another cockpit than the user's own."),
)


def not_ended_sql(alias: str) -> tuple[str, list]:
    """The grant `alias` has not reached its end date: its first day without access, from 00:00 in the cockpit's
    time zone (settings.TIME_ZONE), the day the cached answers are keyed by too (entities.access.cache)."""
    return f"({alias}.ends_on IS NULL OR {alias}.ends_on > %s)", [timezone.localdate()]


OPERATOR_EMPLOYEE = SubjectCondition(
    "operator_employee",
    lambda subject, cockpit_id: subject.is_operator,
    _("Ignored: only operator (soobr) employees may see all business entities."),
)
PROJECT_MANAGER_OF_OPERATOR = RowCondition(
    "project_manager_of_operator",
    # Seed 003: "show all" is only for soobr project managers. A row about the person, asked once
    # per grant row of the show-all path (one), not per entity.
    lambda subject: (
        f"EXISTS (SELECT 1 FROM {table(CompanyGrant)} pmg JOIN {ROLE} pmr ON pmr.id = pmg.role_id"
        f" JOIN {COMPANY} pmc ON pmc.id = pmg.company_id WHERE pmg.user_id = %s AND pmc.is_operator"
        f" AND pmc.instance_id = %s AND pmr.is_project_manager AND {not_ended_sql('pmg')[0]})",
        [subject.user_id, subject.home_instance_id, *not_ended_sql("pmg")[1]],
    ),
    lambda role: str(
        _(
            "Ignored: only the operator's project managers may see all business entities, and the user holds "
            "no project-manager role on the operator's company."
        )
    ),
)
COMPANY_IN_HOME_COCKPIT = RowCondition(
    "company_in_home_cockpit",
    # A restore or a moved company can leave a grant on a company of another cockpit behind.
    lambda subject: ("c.instance_id = %s", [subject.home_instance_id]),
    lambda role: str(_("Ignored: the company belongs to another cockpit than the user.")),
)
OPERATOR_ROLE = RowCondition(
    "operator_role",
    # An operator-only role counts only while its holder works for the operator, even if
    # the user was moved to another company after the grant.
    lambda subject: ("(NOT r.is_operator_only OR %s)", [subject.is_operator]),
    lambda role: (
        str(_("Ignored: %(role)s is an operator role and the user no longer works for the operator."))
        % {"role": role.label}
    ),
)
NOT_SPECIAL = RowCondition(
    "not_special",
    lambda subject: ("NOT r.is_special", []),
    lambda role: (
        str(_("Ignored: %(role)s is a special role; it acts only on single business entities.")) % {"role": role.label}
    ),
)
NOT_ENDED = RowCondition(
    "grant_not_ended",
    lambda subject: not_ended_sql("g"),
    lambda role: str(_("Ignored: the role's end date has come.")),
)
IN_SCOPE = RowCondition("in_scope", scope_sql("r.entity_scope"), _scope_note, on_entity=True)
SHOWS_ENTITY = RowCondition(
    "shows_entity",
    # A special role is work on a page of its own (tablets, CAD plans), not a view of the entity:
    # the entity is decided by the user's other grants, or stays hidden (docs/access-rules.md).
    lambda subject: ("NOT r.is_special", []),
    lambda role: (
        str(_("Ignored for the entity: %(role)s is a special role; it works on its own page, not on the entity."))
        % {"role": role.label}
    ),
)
ONLY_SPECIAL = RowCondition(
    "only_special",
    lambda subject: ("r.is_special", []),
    lambda role: str(_("Ignored: %(role)s is not a special role.")) % {"role": role.label},
)


# --- Sources: where a path's grants come from and how they reach entities --------------------


@dataclass(frozen=True, eq=False)
class Cap:
    """Rights per section that a path's grant rows never exceed, whatever their role gives.

    A Cockpit Share's rights are its role's, capped at what its giver could do when
    sharing (docs/cockpit-shares.md). `key` is the SQL of a grant row's cap (over the
    source's aliases); `table` holds the caps as rows of (`key_column`, section, access);
    a section without a row is capped at no access. Every reader applies it the same way:
    the check and the explanation through `single.candidate_rights`, the rights held in
    a cockpit in their SQL (`held.py`); the list shows entities, not rights.
    """

    key: str
    table: str
    key_column: str


@dataclass(frozen=True, eq=False)
class Source:
    """How a path reads its grant rows for a subject and ties them to the entities they cover.

    `grants` is the FROM and WHERE (aliases g, r and, for company grants, c); None
    when the subject holds no such grant at all. `reaches` ties the entity e to the
    grant. `fans_out` says whether one grant covers many entities (then lists read
    each grant's entities from the head of an index) or exactly one.
    """

    grants: Callable[[Subject], tuple[str, str, list] | None]
    reaches: str
    fans_out: bool
    grant_key: str
    # The grant's company for explanations; typed NULLs keep UNIONs of paths well-typed.
    company_id: str = "CAST(NULL AS BIGINT)"
    company_name: str = "CAST(NULL AS VARCHAR(200))"
    # The cockpit a grant row acts in, for questions asked of a whole cockpit (entities.access.held);
    # None: the holder's own cockpit (the show-all role). A path that does not fan out reads it off e.
    cockpit: str | None = None
    # One grant reaches every entity of a cockpit (show-all, a share): questions over all the
    # subject's entities are then asked per company of the cockpit, whose number stays small
    # (entities.access.listing.visible_companies), not by reading every entity.
    whole_cockpit: bool = False
    # The per-section ceiling of the path's grant rows, if they have one.
    cap: Cap | None = None


def _entity_grants(subject: Subject) -> tuple[str, str, list]:
    return (
        f"{table(EntityGrant)} g JOIN {ROLE} r ON r.id = g.role_id",
        "g.user_id = %s",
        [subject.user_id],
    )


def _company_grants(level: str) -> Callable[[Subject], tuple[str, str, list]]:
    def grants(subject: Subject) -> tuple[str, str, list]:
        return (
            f"{table(CompanyGrant)} g JOIN {ROLE} r ON r.id = g.role_id JOIN {COMPANY} c ON c.id = g.company_id",
            f"g.user_id = %s AND g.level = '{level}'",
            [subject.user_id],
        )

    return grants


def _show_all_role(subject: Subject) -> tuple[str, str, list] | None:
    if subject.show_all_role_id is None:
        return None
    return f"{ROLE} r", "r.id = %s", [subject.show_all_role_id]


def company_source(level: str) -> Source:
    return Source(
        grants=_company_grants(level),
        reaches=f"e.{level}_id = g.company_id",
        fans_out=True,
        grant_key="g.id",
        company_id="g.company_id",
        company_name="c.name",
        cockpit="c.instance_id",
    )


# --- The table ------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class GrantPath:
    """One way a user comes to see an entity; its index in PATHS is its precedence."""

    level: str
    label: Promise | str
    source: Source
    conditions: tuple[SubjectCondition | RowCondition, ...]
    reason: Promise | str

    @property
    def precedence(self) -> int:
        return PATHS.index(self)

    # Sorted out once: every page asks each path's conditions several times.
    @cached_property
    def subject_conditions(self) -> tuple[SubjectCondition, ...]:
        return tuple(c for c in self.conditions if isinstance(c, SubjectCondition))

    @cached_property
    def row_conditions(self) -> tuple[RowCondition, ...]:
        return tuple(c for c in self.conditions if isinstance(c, RowCondition))

    def failing_subject_conditions(self, subject: Subject, cockpit_id: int) -> list[SubjectCondition]:
        return [c for c in self.subject_conditions if not c.holds(subject, cockpit_id)]

    def can_decide(self, subject: Subject, cockpit_id: int) -> bool:
        """Whether any grant of this path could decide for the subject in the cockpit."""
        return not self.failing_subject_conditions(subject, cockpit_id) and self.source.grants(subject) is not None


def _company_path(level: str, reason: Promise) -> GrantPath:
    return GrantPath(
        level=level,
        label=Level(level).label,
        source=company_source(level),
        conditions=(ACTIVE, IN_HOME_COCKPIT, COMPANY_IN_HOME_COCKPIT, NOT_ENDED, OPERATOR_ROLE, NOT_SPECIAL, IN_SCOPE),
        reason=reason,
    )


ENTITY_GRANTS = Source(
    grants=_entity_grants,
    reaches="e.id = g.content_object_id",
    fans_out=False,
    grant_key="g.id",
    cockpit="e.instance_id",
)

# The grant paths by level, in precedence order; a higher app registers its own from its AppConfig.ready().
GRANT_PATHS: Registry[str, GrantPath] = Registry("grant paths")
for _path in [
    GrantPath(
        level=Level.ENTITY,
        label=Level.ENTITY.label,
        source=ENTITY_GRANTS,
        conditions=(ACTIVE, IN_HOME_COCKPIT, NOT_ENDED, OPERATOR_ROLE, SHOWS_ENTITY, IN_SCOPE),
        reason=_("A role on the entity itself decides alone (most specific wins)."),
    ),
    _company_path(Level.OWNER, _("The owner grant has the highest precedence (owner > service provider > customer).")),
    _company_path(
        Level.SERVICE_PROVIDER,
        _("The service provider grant decides: no owner grant matches (owner > service provider > customer)."),
    ),
    _company_path(Level.CUSTOMER, _("Only the customer grant matches.")),
    GrantPath(
        level=SHOW_ALL,
        label=_("Show all business entities"),
        source=Source(grants=_show_all_role, reaches="1 = 1", fans_out=True, grant_key="r.id", whole_cockpit=True),
        conditions=(
            ACTIVE,
            IN_HOME_COCKPIT,
            OPERATOR_EMPLOYEE,
            PROJECT_MANAGER_OF_OPERATOR,
            OPERATOR_ROLE,
            NOT_SPECIAL,
            IN_SCOPE,
        ),
        reason=_("No grant matches; the user sees all business entities with this role."),
    ),
]:
    GRANT_PATHS.register(_path.level, _path)
# The same paths as a list, which the readers index by precedence; kept in step with the registry below.
PATHS: list[GrantPath] = list(GRANT_PATHS.values())

# Special roles (Inventory manager, Tablet provider, CAD plan provider), granted on single entities: they
# never decide an entity's access, but give the rights of their own pages (entities.access.held).
SPECIAL_PATH = GrantPath(
    level="special",
    label=_("Special role"),
    source=ENTITY_GRANTS,
    conditions=(ACTIVE, IN_HOME_COCKPIT, NOT_ENDED, OPERATOR_ROLE, ONLY_SPECIAL, IN_SCOPE),
    reason=_("A special role on the entity: the rights of its own page, not of the entity."),
)

COMPANY_PATHS = tuple(path for path in PATHS if path.level in {Level.OWNER, Level.SERVICE_PROVIDER, Level.CUSTOMER})


def path_of(level: str) -> GrantPath:
    return GRANT_PATHS[level]


@cache
def row_conditions() -> tuple[RowCondition, ...]:
    """Every row condition of the table, in a fixed order: the check selects each as a column.

    Asked for every path of every check, so read once (a path registered later forgets it).
    """
    return tuple(dict.fromkeys(condition for path in PATHS for condition in path.row_conditions))


def _paths_changed() -> None:
    PATHS[:] = GRANT_PATHS.values()
    row_conditions.cache_clear()


GRANT_PATHS.on_change(_paths_changed)


# An access key orders grants as the rules do: precedence first, then role id (ties
# cannot occur between grants of one user, but the order must be total).
KEY_BASE = 1_000_000


def access_key_sql(path: GrantPath) -> str:
    return f"{path.precedence} * {KEY_BASE} + r.id"


def decode_access_key(access_key: int) -> tuple[str, int]:
    """(level that decided, deciding role id) from an access key."""
    precedence, role_id = divmod(int(access_key), KEY_BASE)
    return PATHS[precedence].level, role_id


def level_label(level: str) -> str:
    """How a level that decided access reads on pages and in explanations."""
    return str(path_of(level).label)


def row_conditions_sql(path: GrantPath, subject: Subject, *, on_entity: bool | None = None) -> tuple[str, list]:
    """The path's row conditions as one SQL conjunction (those on the entity, or not, or all)."""
    parts, params = [], []
    for condition in path.row_conditions:
        if on_entity is None or condition.on_entity == on_entity:
            sql, condition_params = condition.sql(subject)
            parts.append(sql)
            params += condition_params
    return " AND ".join(parts) or "1 = 1", params
