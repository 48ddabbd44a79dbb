"""Why a user sees an entity with a role, or why not: the check's own candidates, put in words."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from entities.access.context import context_for
from entities.access.listing import NamedRef
from entities.access.rules import level_label
from entities.access.single import EntityRef, candidates, decide, role_rights
from entities.access.subject import Subject
from entities.models import Access, Role, Section


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

    @property
    def visible(self) -> bool:
        return self.deciding is not None

    def rights_rows(self) -> list[tuple[str, str]]:
        return [(str(Section(section).label), str(Access(access).label)) for section, access in self.rights.items()]


def explain_access(subject: Subject | None, entity: EntityRef) -> Explanation:
    """List every grant of the subject that reaches `entity`, mark the one that decides, and say why.

    Reads the same candidates and applies the same decide() as the check behind has_perm.
    """
    found = candidates(subject, [entity], with_excluded=True).get(entity.pk, [])
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
    else:
        reason = str(decider.path.reason)
        rights = role_rights([decider.role.pk], context_for(subject) if subject else None)[decider.role.pk]
    return Explanation(entity=entity, grants=grants, deciding=deciding, reason=reason, rights=rights)
