"""The audit log read by people: each entry in the reader's language, with only the names the reader may see.

Entries store codes and ids (entities.audit); this is the one place that turns them
into words, at read time, in a constant number of queries for any number of entries.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from entities.models import AuditLogEntry, BusinessEntity, Company, Level, Role

OUTSIDE_VIEW = _("a business entity outside your view")
# Fields of the operator's own running (Django admin, superuser) that company admins are not shown.
INTERNAL_FIELDS = frozenset({"is_staff", "is_superuser"})
# Where a person can be reached and signs in from: for those who manage them, not for every reader.
PRIVATE_FIELDS = frozenset({"mobile_phone", "ip"})
# Role-valued changes name the role by its code (entities.services._grant_audit).
ROLE_FIELDS = frozenset({"role"})


@dataclass(frozen=True)
class HistoryRow:
    entry: AuditLogEntry
    action: str
    about: str
    changes: list[tuple[str, str, str]]


def _shown(value) -> str:
    if value is True:
        return str(_("Yes"))
    if value is False:
        return str(_("No"))
    if isinstance(value, list):
        return ", ".join(_shown(item) for item in value) or "—"
    return "—" if value in (None, "") else str(value)


def _model_fields(label: str):
    try:
        return apps.get_model(label)._meta
    except (LookupError, ValueError):
        return None


def _field(meta, name: str) -> models.Field | None:
    try:
        field = meta.get_field(name) if meta else None
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.Field) else None


def _other_label(meta, name: str) -> str:
    """A change that is no field of the model: its related rows' name (a share's scopes), else its own."""
    try:
        relation = meta.get_field(name) if meta else None
    except FieldDoesNotExist:
        relation = None
    if relation is not None and relation.related_model is not None:
        return str(relation.related_model._meta.verbose_name_plural)
    return str(_("Role")) if name == "role" else name


class _Reader:
    """What one reader's entries name, read in one query per kind."""

    def __init__(self, entries: list[AuditLogEntry], visible_entities: Callable[[set[int]], set[int]] | None):
        role_codes = {
            value
            for entry in entries
            for name in ROLE_FIELDS & set(entry.changes)
            for value in entry.changes[name]
            if isinstance(value, str)
        }
        company_ids = {entry.params["company"] for entry in entries if "company" in entry.params}
        entity_ids = {entry.params["entity"] for entry in entries if "entity" in entry.params}
        self.roles = {role.code: role.label for role in Role.objects.filter(code__in=role_codes)}
        self.companies = dict(Company.objects.filter(pk__in=company_ids).values_list("pk", "name"))
        visible = visible_entities(entity_ids) if entity_ids and visible_entities else set()
        self.entities = dict(BusinessEntity.objects.filter(pk__in=visible).values_list("pk", "name"))

    def about(self, entry: AuditLogEntry) -> str:
        params = entry.params
        if "entity" in params:
            return self.entities.get(params["entity"]) or str(OUTSIDE_VIEW)
        if "company" in params:
            level = Level(params["level"]).label if params.get("level") in Level.values else params.get("level")
            return f"{level} · {self.companies.get(params['company'], '—')}"
        return ""

    def value(self, entry: AuditLogEntry, name: str, field: models.Field | None, value) -> str:
        if name in ROLE_FIELDS and isinstance(value, str):
            if value in self.roles:
                return self.roles[value]
            if entry.target_type == "entities.EntityGrant":
                # Entries written before ids were stored read "Role · Entity": keep the role only.
                return value.split(" · ")[0]
        if field is not None and field.choices and value not in (None, ""):
            return str(dict(field.flatchoices).get(value, value))
        return _shown(value)


def history_rows(
    entries: Iterable[AuditLogEntry],
    *,
    visible_entities: Callable[[set[int]], set[int]] | None = None,
    show_internal: bool = False,
    show_private: bool = False,
) -> list[HistoryRow]:
    """The entries in words for one reader.

    `visible_entities` answers which of the given entity ids the reader may see (None:
    none); any other entity reads as "a business entity outside your view". `show_internal` is
    for operator staff: without it the operator's internal fields are left out.
    `show_private` is for those who manage the person: without it their mobile number and
    the IP addresses of their sign-in locks are left out.
    """
    entries = list(entries)
    reader = _Reader(entries, visible_entities)
    rows = []
    for entry in entries:
        meta = _model_fields(entry.target_type)
        changes = []
        for name, (before, after) in entry.changes.items():
            if (name in INTERNAL_FIELDS and not show_internal) or (name in PRIVATE_FIELDS and not show_private):
                continue
            field = _field(meta, name)
            label = str(capfirst(str(field.verbose_name) if field is not None else _other_label(meta, name)))
            changes.append((label, reader.value(entry, name, field, before), reader.value(entry, name, field, after)))
        if entry.changes and not changes:
            continue
        rows.append(HistoryRow(entry=entry, action=entry.action_label, about=reader.about(entry), changes=changes))
    return rows
