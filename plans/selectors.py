"""Reads for the plan pages: entities awaiting plans, an entity's plan files. Access is decided in plans.permissions."""

from django.db.models import QuerySet

from accounts.models import User
from entities.access import EntityFilter, EntityPage, Subject, entity_page
from entities.models import BusinessEntity, Instance
from plans.models import PlanFile

# The manager's search for an entity to request plans for shows this many matches.
SEARCH_RESULTS = 20


def awaiting_entities(*, instance: Instance) -> list[BusinessEntity]:
    """Every entity of the cockpit awaiting plans, in name order, with its plan status; who sees which is not asked.

    One query through the partial index of awaiting entities: it reads the few new entities,
    not the cockpit's many (plans.permissions.awaiting_for_user then keeps the user's).
    """
    return list(
        BusinessEntity.objects.filter(instance=instance, plan_status__awaiting_plans=True)
        .select_related("plan_status")
        .order_by("name", "id")
    )


def entity_search(*, subject: Subject | None, instance: Instance, search: str) -> EntityPage:
    """The first entities by name the subject sees whose name or address contains `search` (one query)."""
    return entity_page(subject, instance, entity_filter=EntityFilter(search=search), per_page=SEARCH_RESULTS)


def entity_plan_files(*, entity: BusinessEntity) -> QuerySet[PlanFile]:
    """Every plan file of the entity, newest first, with who uploaded it."""
    return PlanFile.objects.filter(entity=entity).select_related("uploaded_by")


def own_plan_files(*, entity: BusinessEntity, user: User) -> QuerySet[PlanFile]:
    """The plan files the user uploaded for the entity, newest first."""
    return PlanFile.objects.filter(entity=entity, uploaded_by=user)
