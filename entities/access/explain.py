"""Why a user sees an entity with a role, or why not: the check's own candidates, put in words."""

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from entities.access.context import context_for
from entities.access.listing import NamedRef
from entities.access.rules import level_label
from entities.access.single import EntityRef, candidate_rights, candidates, decide, role_rights
from entities.access.subject import Subject
from entities.models import Access, Level, Role, Section


@dataclass
class MatchedGrant:
    """A grant that reaches the entity, and what became of it."""

    level: str
    role: Role
    company: NamedRef | None = None
    applies: bool = True
    note: str = ""
    decided: bool = False

    @property
    def level_label(self) -> str:
        return level_label(self.level)


@dataclass
class Explanation:
    """Every grant of the user that reaches an entity, the one that decided, why, and the rights it gives."""

    entity: EntityRef
    grants: list[MatchedGrant]
    deciding: MatchedGrant | None
    reason: str
    rights: dict[str, int]
    # What the deciding role alone gives; above `rights` where a cap lowers it (a share's, at its giver's).
    role_rights: dict[str, int] = field(default_factory=dict)

    @property
    def visible(self) -> bool:
        return self.deciding is not None

    def rights_rows(self) -> list[tuple[str, str]]:
        return [(str(Section(section).label), str(Access(access).label)) for section, access in self.rights.items()]

    @property
    def capped_sections(self) -> set[str]:
        """The sections where a cap gives less than the deciding role would."""
        return {section for section, access in self.rights.items() if access < self.role_rights.get(section, access)}


def explain_access(subject: Subject | None, entity: EntityRef, *, with_excluded: bool = True) -> Explanation:
    """List every grant of the subject that reaches `entity`, mark the one that decides, and say why.

    Reads the same candidates and applies the same decide() as the check behind has_perm.
    Without `with_excluded`, grants of paths that cannot decide for the subject here at all
    (another cockpit's grants, a share in one's own cockpit) are left out.
    """
    found = candidates(subject, [entity], with_excluded=with_excluded).get(entity.pk, [])
    decider = decide(found)
    grants = [
        MatchedGrant(
            level=candidate.path.level,
            role=candidate.role,
            company=candidate.company,
            applies=candidate.applies,
            note=candidate.note,
            decided=candidate is decider,
        )
        for candidate in found
    ]
    deciding = next((grant for grant in grants if grant.decided), None)
    if decider is None:
        reason = (
            _("No grant of this user applies here, so the entity is invisible to them (404).")
            if found
            else _("No grant matches this entity, so it is invisible to the user (404).")
        )
        rights: dict[str, int] = dict.fromkeys(Section.values, Access.NONE)
        own = rights
    else:
        reason = str(decider.path.reason)
        context = context_for(subject) if subject else None
        rights = candidate_rights([decider], context)[id(decider)]
        own = role_rights([decider.role.pk], context)[decider.role.pk]
    return Explanation(entity=entity, grants=grants, deciding=deciding, reason=reason, rights=rights, role_rights=own)


def lowered_by_entity_grant(subject: Subject | None, entities: Sequence[EntityRef]) -> dict[int, list[str]]:
    """Per entity whose own grant decides for the subject: the sections where it gives less than their next grant.

    The grant on a single entity decides alone (most specific wins), so it can take rights
    away that the person's level grants would give there. Read with the check's own
    candidates and rights (one query for all entities), as the explanation reads them.
    """
    found = candidates(subject, entities)
    lowered: dict[int, list[str]] = {}
    for entity in entities:
        applying = [candidate for candidate in found.get(entity.pk, []) if candidate.applies]
        decider = decide(applying)
        runner_up = decide([candidate for candidate in applying if candidate is not decider])
        if decider is None or runner_up is None or decider.path.level != Level.ENTITY:
            continue
        rights = candidate_rights([decider, runner_up], context_for(subject) if subject else None)
        own, other = rights[id(decider)], rights[id(runner_up)]
        sections = [section for section in Section.values if own[section] < other[section]]
        if sections:
            lowered[entity.pk] = sections
    return lowered
