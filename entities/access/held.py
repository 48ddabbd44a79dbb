"""The rights a person holds somewhere in a cockpit, for pages about the cockpit rather than one entity.

The tablet register and the CAD plans list ask "does a role of theirs that counts here
give at least X on section S?". The answer comes from the same table of grant paths as
every entity's access (rules.PATHS), and from the special roles' path (rules.SPECIAL_PATH),
which gives the rights of their own pages but never an entity's: each path that can decide
for the person offers its grant rows that act in the cockpit, under the path's own row
conditions. A path that fans out (a company grant, the show-all role, a share) is asked
without its conditions on the entity, as it reaches entities yet to come; a single-entity
grant counts with all of them. A path whose rows carry a cap (rules.Cap: a share's) gives
its role's rights under that cap.
"""

from collections.abc import Iterable

from django.db import connection

from entities.access.cache import cached_store
from entities.access.context import context_for, reading_scope
from entities.access.rules import ENTITY, PATHS, SPECIAL_PATH, GrantPath, row_conditions_sql
from entities.access.subject import Subject
from entities.models import Access, Capability, Section

CAPABILITY = Capability._meta.db_table
HELD_RIGHTS = cached_store("held_rights")


@reading_scope()
def held_rights(subject: Subject | None, cockpit_id: int) -> dict[str, int]:
    """The best access per section over the subject's roles that count in the cockpit (one query per request)."""
    if subject is None:
        return dict.fromkeys(Section.values, int(Access.NONE))
    cache = context_for(subject).store(HELD_RIGHTS)
    if cockpit_id not in cache:
        cache[cockpit_id] = _read_held_rights(subject, cockpit_id)
    return cache[cockpit_id]


@reading_scope()
def held_path_roles(subject: Subject | None, cockpit_id: int, path: GrantPath) -> list[int]:
    """The roles of the path's grant rows that count for the subject in the cockpit (as held_rights reads them)."""
    if subject is None or not path.can_decide(subject, cockpit_id):
        return []
    sql, params = _held_roles_sql(path, subject, cockpit_id)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [role_id for (role_id,) in cursor.fetchall()]


@reading_scope()
def special_rights(subject: Subject | None, cockpit_id: int, entity_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """Per entity, the best access per section of the subject's special roles on it that count (one query).

    What a CAD plan provider may do on an entity comes from here: their role never decides
    the entity's own access (rules.SHOWS_ENTITY), so entity_access() knows nothing of it.
    """
    entity_ids = list(entity_ids)
    if subject is None or not entity_ids or not SPECIAL_PATH.can_decide(subject, cockpit_id):
        return {}
    roles, params = _held_roles_sql(SPECIAL_PATH, subject, cockpit_id, select="e.id AS entity_id, r.id AS role_id")
    placeholders = ", ".join(["%s"] * len(entity_ids))
    # The SQL is composed from our own table names and the rules' conditions; every value is a bound parameter.
    sql = (
        f"SELECT h.entity_id, cap.section, MAX(cap.access) FROM ({roles} AND e.id IN ({placeholders})) h"  # noqa: S608
        f" JOIN {CAPABILITY} cap ON cap.role_id = h.role_id GROUP BY h.entity_id, cap.section"
    )
    found: dict[int, dict[str, int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *entity_ids])
        for entity_id, section, access in cursor.fetchall():
            found.setdefault(entity_id, dict.fromkeys(Section.values, int(Access.NONE)))[section] = int(access)
    return found


def _held_roles_sql(path: GrantPath, subject: Subject, cockpit_id: int, select: str = "r.id") -> tuple[str, list]:
    source = path.source
    grants = source.grants(subject)
    assert grants is not None  # noqa: S101 - can_decide() checked it
    grants_from, grants_where, grant_params = grants
    if source.fans_out:
        reach, on_entity = "", False
        cockpit, cockpit_params = (
            (f"{source.cockpit} = %s", [cockpit_id])
            if source.cockpit
            else ("%s = %s", [subject.home_instance_id, cockpit_id])
        )
    else:
        reach, on_entity = f" JOIN {ENTITY} e ON {source.reaches}", None
        cockpit, cockpit_params = f"{source.cockpit or 'e.instance_id'} = %s", [cockpit_id]
    conditions, condition_params = row_conditions_sql(path, subject, on_entity=on_entity)
    return (
        f"SELECT {select} FROM {grants_from}{reach} WHERE {grants_where} AND {cockpit} AND {conditions}",
        [*grant_params, *cockpit_params, *condition_params],
    )


def _path_rights_sql(path: GrantPath, subject: Subject, cockpit_id: int) -> tuple[str, list]:
    """(section, access) of every role of the path that counts in the cockpit, under its row's cap if it has one."""
    cap = path.source.cap
    if cap is None:
        roles, params = _held_roles_sql(path, subject, cockpit_id)
        return (
            f"SELECT k.section AS section, k.access AS access FROM {CAPABILITY} k WHERE k.role_id IN ({roles})",
            params,
        )
    roles, params = _held_roles_sql(path, subject, cockpit_id, select=f"r.id AS role_id, {cap.key} AS cap_key")
    capped = f"COALESCE(ce.access, {int(Access.NONE)})"
    return (
        f"SELECT k.section AS section, CASE WHEN {capped} < k.access THEN {capped} ELSE k.access END AS access"
        f" FROM ({roles}) h JOIN {CAPABILITY} k ON k.role_id = h.role_id"
        f" LEFT JOIN {cap.table} ce ON ce.{cap.key_column} = h.cap_key AND ce.section = k.section",
        params,
    )


def _read_held_rights(subject: Subject, cockpit_id: int) -> dict[str, int]:
    rights: dict[str, int] = dict.fromkeys(Section.values, Access.NONE)
    selects = [
        _path_rights_sql(path, subject, cockpit_id)
        for path in (*PATHS, SPECIAL_PATH)
        if path.can_decide(subject, cockpit_id)
    ]
    if not selects:
        return rights
    # The SQL is composed from our own table names and the rules' conditions; every value is a bound parameter.
    sql = (
        f"SELECT x.section, MAX(x.access) FROM ({' UNION ALL '.join(select for select, _ in selects)}) x"  # noqa: S608
        " GROUP BY x.section"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [param for _, params in selects for param in params])
        rights.update({section: int(access) for section, access in cursor.fetchall() if section in rights})
    return rights
