"""The check for one entity (or a handful), generated from the rule table.

One statement reads every grant of the subject that reaches the entities, whether
or not it counts, with each row condition of the table as a 0/1 column; the
subject conditions are evaluated here. `decide()` then picks the grant that
decides. The explanation (explain.py) reads the very same candidates, so the
check and the explanation cannot disagree.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from django.db import connection

from entities.access.context import AccessContext, context_for, reading_scope
from entities.access.listing import NamedRef
from entities.access.rules import (
    ENTITY,
    PATHS,
    Cap,
    GrantPath,
    RowCondition,
    SubjectCondition,
    level_label,
    row_conditions,
)
from entities.access.subject import Subject
from entities.models import Access, Capability, Role, Section


class EntityRef(Protocol):
    """What the check needs of an entity: its id and its cockpit."""

    pk: int
    instance_id: int


ROLE_FIELDS = [
    "id",
    "code",
    "name",
    "name_de",
    "chat_allowed",
    "is_operator_only",
    "is_special",
    "entity_scope",
    "position",
]


@dataclass
class Candidate:
    """A grant of the subject that reaches an entity, and the conditions that exclude it (none: it applies)."""

    path: GrantPath
    entity_id: int
    role: Role
    company: NamedRef | None
    failed: list[SubjectCondition | RowCondition]
    # The key of the grant row's cap, for a path whose rows have one (Source.cap).
    cap_key: int | None = None

    @property
    def applies(self) -> bool:
        return not self.failed

    @property
    def order(self) -> tuple[int, int]:
        # The lists' MIN(access_key): precedence, then role id.
        return self.path.precedence, self.role.pk

    @property
    def note(self) -> str:
        """Why the grant does not count, from the first condition that excludes it."""
        if not self.failed:
            return ""
        condition = self.failed[0]
        if isinstance(condition, SubjectCondition):
            return str(condition.note)
        return condition.note(self.role)


def _path_candidates_sql(path: GrantPath, subject: Subject, entity_ids: list[int]) -> tuple[str, list] | None:
    source = path.source
    grants = source.grants(subject)
    if grants is None:
        return None
    grants_from, grants_where, grant_params = grants
    flags, flag_params = [], []
    own = path.row_conditions
    for condition in row_conditions():
        if condition in own:
            sql, params = condition.sql(subject)
            flags.append(f"CASE WHEN {sql} THEN 1 ELSE 0 END")
            flag_params += params
        else:
            flags.append("1")
    cap_key = source.cap.key if source.cap is not None else "CAST(NULL AS BIGINT)"
    sql = (
        f"SELECT e.id, {path.precedence}, {source.company_id}, {source.company_name}, {cap_key},"
        f" {', '.join(f'r.{name}' for name in ROLE_FIELDS)}, {', '.join(flags)}"
        f" FROM {grants_from} JOIN {ENTITY} e ON {source.reaches}"
        f" WHERE {grants_where} AND e.id IN ({', '.join(['%s'] * len(entity_ids))})"
    )
    return sql, [*flag_params, *grant_params, *entity_ids]


@reading_scope()
def candidates(
    subject: Subject | None, entities: Iterable[EntityRef], *, with_excluded: bool = False
) -> dict[int, list[Candidate]]:
    """The subject's grants that reach each entity, in precedence order, in one query.

    Without `with_excluded`, paths that cannot decide for the subject (a subject
    condition fails) are not read at all; explanations read them too, to say why.
    """
    found: dict[int, list[Candidate]] = defaultdict(list)
    if subject is None:
        return found
    by_cockpit: dict[int, list[int]] = defaultdict(list)
    for entity in entities:
        by_cockpit[entity.instance_id].append(entity.pk)
    selects, failing = [], {}
    for cockpit_id, entity_ids in by_cockpit.items():
        for path in PATHS:
            failed = path.failing_subject_conditions(subject, cockpit_id)
            if failed and not with_excluded:
                continue
            select = _path_candidates_sql(path, subject, entity_ids)
            if select is not None:
                selects.append(select)
                failing[cockpit_id, path.precedence] = failed
    if not selects:
        return found
    cockpit_of = {pk: cockpit_id for cockpit_id, ids in by_cockpit.items() for pk in ids}
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(sql for sql, _ in selects), [p for _, params in selects for p in params])
        rows = cursor.fetchall()
    conditions = row_conditions()
    for entity_id, precedence, company_id, company_name, cap_key, *values in rows:
        role_values, flags = values[: len(ROLE_FIELDS)], values[len(ROLE_FIELDS) :]
        path = PATHS[precedence]
        excluded: set[RowCondition | SubjectCondition] = {
            condition for condition, ok in zip(conditions, flags, strict=True) if not ok
        }
        excluded.update(failing[cockpit_of[entity_id], precedence])
        found[entity_id].append(
            Candidate(
                path=path,
                entity_id=entity_id,
                role=Role.from_db(connection.alias, ROLE_FIELDS, role_values),
                company=NamedRef(company_id, company_name) if company_id is not None else None,
                failed=[condition for condition in path.conditions if condition in excluded],
                cap_key=cap_key,
            )
        )
    for entity_candidates in found.values():
        entity_candidates.sort(key=lambda candidate: candidate.order)
    return found


def decide(entity_candidates: list[Candidate]) -> Candidate | None:
    """The grant that decides: the first that applies, in precedence order."""
    return min((c for c in entity_candidates if c.applies), key=lambda c: c.order, default=None)


def role_rights(role_ids: Iterable[int], context: AccessContext | None = None) -> dict[int, dict[str, int]]:
    """Rights per section for each role, in one query (none for roles the request read already)."""
    role_ids = list(role_ids)
    known = context.store("role_rights") if context is not None else {}
    missing = set(role_ids) - set(known)
    if missing:
        fresh: dict[int, dict[str, int]] = {role_id: dict.fromkeys(Section.values, Access.NONE) for role_id in missing}
        for role_id, section, access in Capability.objects.filter(role_id__in=missing).values_list(
            "role_id", "section", "access"
        ):
            fresh[role_id][section] = access
        known.update(fresh)
    return {role_id: known[role_id] for role_id in role_ids}


def capped(rights: dict[str, int], cap: dict[str, int]) -> dict[str, int]:
    """The rights, section by section no higher than the cap (a section missing from the cap: none)."""
    return {section: min(access, cap.get(section, Access.NONE)) for section, access in rights.items()}


def read_caps(cap: Cap, keys: Iterable[int]) -> dict[int, dict[str, int]]:
    """The caps of these grant rows of a capped path, in one query."""
    keys = list(keys)
    found: dict[int, dict[str, int]] = {key: {} for key in keys}
    if not keys:
        return found
    placeholders = ", ".join(["%s"] * len(keys))
    with connection.cursor() as cursor:
        cursor.execute(
            # Our own table and column names; every key is a bound parameter.
            f"SELECT {cap.key_column}, section, access FROM {cap.table}"  # noqa: S608
            f" WHERE {cap.key_column} IN ({placeholders})",
            keys,
        )
        for key, section, access in cursor.fetchall():
            found[key][section] = int(access)
    return found


def candidate_rights(chosen: Iterable[Candidate], context: AccessContext | None = None) -> dict[int, dict[str, int]]:
    """The rights each candidate gives, by id(): its role's, under its row's cap where its path has one.

    The one place the check and the explanation turn a grant into rights.
    """
    chosen = list(chosen)
    roles = role_rights({candidate.role.pk for candidate in chosen}, context)
    caps: dict[tuple[int, int], dict[str, int]] = {}
    for path in {candidate.path for candidate in chosen if candidate.path.source.cap is not None}:
        cap = path.source.cap
        assert cap is not None  # noqa: S101 - filtered above
        keys = {c.cap_key for c in chosen if c.path is path and c.cap_key is not None}
        caps.update({(path.precedence, key): rights for key, rights in read_caps(cap, keys).items()})
    rights = {}
    for candidate in chosen:
        own = roles[candidate.role.pk]
        if candidate.path.source.cap is not None:
            own = capped(own, caps.get((candidate.path.precedence, candidate.cap_key or 0), {}))
        rights[id(candidate)] = own
    return rights


def catalogue_rights(context: AccessContext) -> dict[int, dict[str, int]]:
    """Rights per section of every role of the (small) catalogue, read once per request in one query."""
    catalogue = context.store("catalogue_rights")
    if not catalogue:
        catalogue.update(role_rights(Role.objects.values_list("pk", flat=True), context))
    return catalogue


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


# Each entity is a parameter of every path's SELECT, and a statement takes at most 65,535: a person's export
# row with tens of thousands of roles on single entities is asked in parts.
ENTITIES_PER_QUERY = 2000


def entities_access(subject: Subject | None, entities: Iterable[EntityRef]) -> dict[int, EntityAccess | None]:
    """The deciding role and rights for each entity (None where invisible), remembered for the request; one
    query per ENTITIES_PER_QUERY entities."""
    entities = list(entities)
    if subject is None:
        return {entity.pk: None for entity in entities}
    context = context_for(subject)
    cache = context.store("entity_access")
    missing = {entity.pk: entity for entity in entities if entity.pk not in cache}
    if missing:
        found: dict[int, list[Candidate]] = {}
        asked = list(missing.values())
        for start in range(0, len(asked), ENTITIES_PER_QUERY):
            found.update(candidates(subject, asked[start : start + ENTITIES_PER_QUERY]))
        deciding = {pk: decide(found.get(pk, [])) for pk in missing}
        rights = candidate_rights((c for c in deciding.values() if c is not None), context)
        for pk, candidate in deciding.items():
            cache[pk] = (
                None if candidate is None else EntityAccess(candidate.path.level, candidate.role, rights[id(candidate)])
            )
    return {entity.pk: cache[entity.pk] for entity in entities}


def entity_access(subject: Subject | None, entity: EntityRef) -> EntityAccess | None:
    """The deciding role for one entity and its rights, or None when the subject may not see it."""
    return entities_access(subject, [entity])[entity.pk]
