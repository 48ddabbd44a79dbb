"""The access resolver: which business entities a person sees, and with which role.

rules.py declares the grant paths and the conditions that exclude a grant, once;
listing.py (lists and counts), single.py (the check behind has_perm) and explain.py
(the explanation) are generated from it. subject.py is the person as accounts hands
it over; context.py remembers answers for one request.
"""

from entities.access.context import AccessContext, context_for, request_scope
from entities.access.explain import Explanation, MatchedGrant, explain_access, lowered_by_entity_grant
from entities.access.held import held_path_roles, held_rights, special_rights
from entities.access.listing import (
    CompanyChoices,
    EntityFilter,
    EntityPage,
    EntityRow,
    NamedRef,
    count_visible_entities,
    deciding_roles,
    deciding_roles_on_grants,
    entity_page,
    visible_companies,
    visible_entities,
)
from entities.access.rules import KEY_BASE, PATHS, SHOW_ALL, decode_access_key, level_label
from entities.access.single import (
    EntityAccess,
    candidate_rights,
    candidates,
    capped,
    catalogue_rights,
    decide,
    entities_access,
    entity_access,
    role_rights,
)
from entities.access.subject import HasSubject, Subject, subject_of

__all__ = [
    "KEY_BASE",
    "PATHS",
    "SHOW_ALL",
    "AccessContext",
    "CompanyChoices",
    "EntityAccess",
    "EntityFilter",
    "EntityPage",
    "EntityRow",
    "Explanation",
    "HasSubject",
    "MatchedGrant",
    "NamedRef",
    "Subject",
    "candidate_rights",
    "candidates",
    "capped",
    "catalogue_rights",
    "context_for",
    "count_visible_entities",
    "deciding_roles",
    "deciding_roles_on_grants",
    "decide",
    "decode_access_key",
    "entities_access",
    "entity_access",
    "entity_page",
    "explain_access",
    "held_path_roles",
    "held_rights",
    "level_label",
    "lowered_by_entity_grant",
    "request_scope",
    "role_rights",
    "special_rights",
    "subject_of",
    "visible_companies",
    "visible_entities",
]
