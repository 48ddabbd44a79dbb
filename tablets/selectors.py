"""Reads of the tablet pages: the list, searched and filtered, and a tablet's history in words."""

from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Page, Paginator
from django.db.models import Q
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from entities.models import AuditLogEntry, BusinessEntity, Company, Instance
from tablets.models import Tablet, TabletState
from tablets.permissions import entity_labels, visible_tablets

PAGE_SIZE = 50
HISTORY_ENTRIES = 100

FIELD_LABELS = {"reason": _("Reason")}


def tablet_page(*, user: User, instance: Instance, search: str = "", state: str = "", number: int = 1) -> Page:
    """One page of the tablets the user sees, by serial number; each row knows how its entity reads to the user."""
    tablets = Tablet.objects.filter(visible_tablets(user, instance)).select_related("entity", "added_by_company")
    if search:
        tablets = tablets.filter(Q(serial_number__icontains=search) | Q(model__icontains=search))
    if state in TabletState.values:
        tablets = tablets.filter(state=state)
    page = Paginator(tablets.order_by("serial_number", "id"), PAGE_SIZE).get_page(number)
    rows = list(page.object_list)
    labels = entity_labels(user, instance, [tablet.entity for tablet in rows if tablet.entity is not None])
    for tablet in rows:
        tablet.entity_label = labels.get(tablet.entity_id) if tablet.entity_id else ""
    page.object_list = rows
    return page


@dataclass(frozen=True)
class TabletHistoryRow:
    entry: AuditLogEntry
    action: str
    changes: list[tuple[str, str, str]]


def _field_label(name: str) -> str:
    try:
        return str(getattr(Tablet._meta.get_field(name), "verbose_name", name))
    except FieldDoesNotExist:
        return name


def tablet_history(*, user: User, instance: Instance, tablet: Tablet) -> list[TabletHistoryRow]:
    """The tablet's audit entries, newest first, in the reader's language; entities named only where the reader may.

    Three queries whatever the number of entries: the entries, the entities and companies they name.
    """
    entries = list(
        AuditLogEntry.objects.filter(target_type=Tablet._meta.label, target_id=str(tablet.pk)).order_by(
            "-created_at", "-id"
        )[:HISTORY_ENTRIES]
    )
    entity_ids = {value for entry in entries for value in entry.changes.get("entity", []) if isinstance(value, int)}
    company_ids = {
        value for entry in entries for value in entry.changes.get("added_by_company", []) if isinstance(value, int)
    }
    entities = list(BusinessEntity.objects.filter(instance=instance, pk__in=entity_ids).only("pk", "name", "instance"))
    names = entity_labels(user, instance, entities) if entities else {}
    companies = dict(Company.objects.filter(pk__in=company_ids).values_list("pk", "name")) if company_ids else {}
    states = dict(TabletState.choices)

    def shown(name: str, value) -> str:
        if value in (None, ""):
            return "—"
        if name == "state":
            return str(states.get(value, value))
        if name == "entity":
            return names.get(value, "—")
        if name == "added_by_company":
            return companies.get(value, "—")
        return str(value)

    rows = []
    for entry in entries:
        changes = []
        for name, (before, after) in entry.changes.items():
            label = FIELD_LABELS.get(name) or _field_label(name)
            if shown(name, before) != shown(name, after):  # a new tablet's empty notes changed nothing
                changes.append((str(capfirst(str(label))), shown(name, before), shown(name, after)))
        rows.append(TabletHistoryRow(entry, entry.action_label, changes))
    return rows
