"""The rights a person holds somewhere in a cockpit, for pages about the cockpit rather than one entity.

The tablet register and the CAD plans list ask "does a role of theirs that counts here
give at least X on section S?". The answer comes from the same table of grant paths as
every entity's access (rules.PATHS): each path that can decide for the person offers its
grant rows that act in the cockpit, under the path's own row conditions. A path that fans
out (a company grant, the show-all role, a share) is asked without its conditions on the
entity, as it reaches entities yet to come; a single-entity grant counts with all of them.
"""

from django.db import connection

from entities.access.context import context_for
from entities.access.rules import ENTITY, PATHS, GrantPath, row_conditions_sql
from entities.access.subject import Subject
from entities.models import Access, Capability, Section


def held_rights(subject: Subject | None, cockpit_id: int) -> dict[str, int]:
    """The best access per section over the subject's roles that count in the cockpit (one query per request)."""
    if subject is None:
        return dict.fromkeys(Section.values, int(Access.NONE))
    cache = context_for(subject).store("held_rights")
    if cockpit_id not in cache:
        cache[cockpit_id] = _read_held_rights(subject, cockpit_id)
    return cache[cockpit_id]


def _held_roles_sql(path: GrantPath, subject: Subject, cockpit_id: int) -> tuple[str, list]:
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
        f"SELECT r.id FROM {grants_from}{reach} WHERE {grants_where} AND {cockpit} AND {conditions}",
        [*grant_params, *cockpit_params, *condition_params],
    )


def _read_held_rights(subject: Subject, cockpit_id: int) -> dict[str, int]:
    rights: dict[str, int] = dict.fromkeys(Section.values, Access.NONE)
    selects = [_held_roles_sql(path, subject, cockpit_id) for path in PATHS if path.can_decide(subject, cockpit_id)]
    if not selects:
        return rights
    # The SQL is composed from our own table names and the rules' conditions; every value is a bound parameter.
    sql = (
        f"SELECT cap.section, MAX(cap.access) FROM {Capability._meta.db_table} cap"  # noqa: S608
        f" WHERE cap.role_id IN ({' UNION '.join(select for select, _ in selects)}) GROUP BY cap.section"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [param for _, params in selects for param in params])
        rights.update({section: int(access) for section, access in cursor.fetchall() if section in rights})
    return rights
