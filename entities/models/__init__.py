"""The models of entities, one module per concern; every name is importable from entities.models as before.

tenancy: Instance, Company, BusinessEntity; roles: the role catalogue and its matrix; grants: company and
entity grants and their rules; audit: the audit log and its registry of action words; sections: what an
entity's sections hold (settings and the demo sections' rows).
"""

from entities.models.audit import AUDIT_ACTIONS, AUDIT_CHANGES, AuditLogEntry
from entities.models.grants import (
    GRANT_OTHER_INSTANCE,
    GRANT_ROLE_OPERATOR_ONLY,
    GRANT_SHARE_ROLE,
    GRANT_SPECIAL_ROLE_ON_COMPANY,
    GRANT_USER_DEACTIVATED,
    CompanyGrant,
    EntityGrant,
    entity_at,
    in_force,
    validate_grant,
)
from entities.models.roles import (
    COMPANY_LEVELS,
    PRECEDENCE,
    Access,
    Capability,
    EntityScope,
    Level,
    Role,
    Section,
    in_reader_language,
)
from entities.models.sections import ChatMessage, QualityFeedback, SectionSettings, TourActivity
from entities.models.streaming import AuditDelivery, AuditStream
from entities.models.tenancy import (
    COMPANY_IN_USE_STAYS,
    COMPANY_OF_OTHER_INSTANCE,
    ENTITY_WITH_GRANTS_STAYS,
    SHORT,
    BusinessEntity,
    Company,
    Instance,
    ProjectForm,
)

__all__ = [
    "COMPANY_IN_USE_STAYS",
    "ENTITY_WITH_GRANTS_STAYS",
    "COMPANY_OF_OTHER_INSTANCE",
    "Instance",
    "Company",
    "ProjectForm",
    "SHORT",
    "BusinessEntity",
    "EntityScope",
    "Section",
    "Access",
    "in_reader_language",
    "Role",
    "Capability",
    "Level",
    "PRECEDENCE",
    "COMPANY_LEVELS",
    "GRANT_ROLE_OPERATOR_ONLY",
    "GRANT_OTHER_INSTANCE",
    "GRANT_SPECIAL_ROLE_ON_COMPANY",
    "GRANT_USER_DEACTIVATED",
    "GRANT_SHARE_ROLE",
    "validate_grant",
    "in_force",
    "entity_at",
    "CompanyGrant",
    "EntityGrant",
    "AUDIT_ACTIONS",
    "AUDIT_CHANGES",
    "AuditLogEntry",
    "AuditStream",
    "AuditDelivery",
    "SectionSettings",
    "TourActivity",
    "QualityFeedback",
    "ChatMessage",
]
