"""Reads the business entity pages need, with access filtering in one place."""

import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Avg, Count, QuerySet, Sum
from django.utils import timezone

from entities.access import EntityFilter, EntityPage, entity_page
from entities.models import (
    BusinessEntity,
    ChatMessage,
    Company,
    Instance,
    QualityFeedback,
    SectionSettings,
    TourActivity,
)

LIST_ENTRIES = 20
LIST_PAGE_SIZE = 50


def entity_list_page(
    *,
    user: AbstractBaseUser,
    instance: Instance,
    number: int = 1,
    search: str = "",
    owner: Company | None = None,
    service_provider: Company | None = None,
    customer: Company | None = None,
) -> EntityPage:
    """One page of the entity list, searched and filtered, with its capped total."""
    return entity_page(
        user,
        instance,
        number=number,
        per_page=LIST_PAGE_SIZE,
        cap=settings.ENTITY_LIST_COUNT_CAP,
        entity_filter=EntityFilter(
            search=search,
            owner_id=owner.pk if owner else None,
            service_provider_id=service_provider.pk if service_provider else None,
            customer_id=customer.pk if customer else None,
        ),
    )


def filter_companies(*, user: AbstractBaseUser, instance: Instance, sees_all: bool) -> QuerySet:
    """Companies offered as list filters: those the user holds roles on, or all for show-all users.

    Listing every company of the cockpit to everyone would leak who else is a customer.
    """
    companies = Company.objects.filter(instance=instance).only("id", "name").order_by("name")
    if sees_all:
        return companies
    return companies.filter(grants__user=user).distinct()


def section_data(*, entity: BusinessEntity, section: str) -> dict:
    settings = SectionSettings.objects.filter(entity=entity, section=section).values_list("data", flat=True).first()
    return settings or {}


def master_data(*, entity: BusinessEntity) -> dict:
    return {"name": entity.name, "address": entity.address, **section_data(entity=entity, section="master_data")}


def section_entries(*, entity: BusinessEntity, section: str) -> list:
    """The newest rows of a list section, with their authors, in one query."""
    if section == "quality_control":
        return list(QualityFeedback.objects.filter(entity=entity).select_related("created_by")[:LIST_ENTRIES])
    if section == "tour_activities":
        return list(TourActivity.objects.filter(entity=entity).select_related("created_by")[:LIST_ENTRIES])
    if section == "chat":
        messages = list(ChatMessage.objects.filter(entity=entity).select_related("author")[: LIST_ENTRIES * 2])
        return messages[::-1]
    return []


def analytics_figures(*, entity: BusinessEntity) -> dict:
    """Figures of the last 90 days of quality feedback and 30 days of tour activities."""
    now = timezone.now()
    feedback = QualityFeedback.objects.filter(
        entity=entity, created_at__gte=now - datetime.timedelta(days=90)
    ).aggregate(average=Avg("score"), count=Count("id"))
    tours = TourActivity.objects.filter(
        entity=entity, performed_on__gte=(now - datetime.timedelta(days=30)).date()
    ).aggregate(minutes=Sum("duration_minutes"), count=Count("id"))
    return {
        "quality_average": round(feedback["average"], 1) if feedback["average"] is not None else None,
        "quality_count": feedback["count"],
        "tour_hours": round((tours["minutes"] or 0) / 60, 1),
        "tour_count": tours["count"],
    }
