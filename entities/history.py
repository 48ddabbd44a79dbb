"""The audit log read by people: each entry in the reader's language, with only the names the reader may see.

Entries store codes and ids (entities.audit); this is the one place that turns them
into words, at read time, in a constant number of queries for any number of entries.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import formats, timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from entities.models import AUDIT_CHANGES, AuditLogEntry, BusinessEntity, Company, Level, Role

OUTSIDE_VIEW = _("a business entity outside your view")
# Fields of the operator's own running (Django admin, superuser) that company admins are not shown.
INTERNAL_FIELDS = frozenset({"is_staff", "is_superuser"})
# Where a person can be reached and signs in from: for those who manage them, not for every reader.
PRIVATE_FIELDS = frozenset({"mobile_phone", "ip"})
# Role-valued changes name the role by its code (entities.services._grant_audit).
ROLE_FIELDS = frozenset({"role"})
# Who acted when no person did (demo data, the worker, a command): stored as "system" (entities.audit).
SYSTEM = _("the system")
# Every entry as one sentence: what happened, who did it, to whom or what, and when (in the named time zone).
SENTENCE = _("%(action)s by %(actor)s, concerning %(whom)s, on %(when)s.")
SENTENCE_ABOUT_NOTHING = _("%(action)s by %(actor)s, on %(when)s.")
WHEN = _("%(date)s at %(time)s (%(zone)s time)")


@dataclass(frozen=True)
class HistoryRow:
    """One entry for one reader: what happened in words, where, the changes (label, before, after), and the whole
    as one sentence with the moment in the reader's time zone, which it names."""

    entry: AuditLogEntry
    action: str
    about: str
    changes: list[tuple[str, str, str]]
    sentence: str


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


def when_read(moment) -> str:
    """A moment in the reader's time zone, with the zone named: every time of the audit log reads in one zone."""
    local = timezone.localtime(moment)
    return str(WHEN) % {
        "date": formats.date_format(local, "DATE_FORMAT"),
        "time": formats.time_format(local, "TIME_FORMAT"),
        "zone": timezone.get_current_timezone_name(),
    }


def _other_label(meta, name: str) -> str:
    """A change that is no field of the model: as its app calls it, else its related rows' name (a share's scopes),
    else its own."""
    if name in AUDIT_CHANGES:
        return str(AUDIT_CHANGES[name])
    try:
        relation = meta.get_field(name) if meta else None
    except FieldDoesNotExist:
        relation = None
    if relation is not None and relation.related_model is not None:
        return str(relation.related_model._meta.verbose_name_plural)
    return name


def _day(value) -> str:
    """A stored day (an ISO date in the entry's JSON) as the reader writes dates; anything else as it is."""
    try:
        return formats.date_format(date.fromisoformat(value), "DATE_FORMAT")
    except (TypeError, ValueError):
        return _shown(value)


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
        # Changes of a relation store the related row's id (a tablet's entity): named here, by kind, in one go.
        related: dict[type[models.Model], set] = {}
        for entry in entries:
            meta = _model_fields(entry.target_type)
            for name, values in entry.changes.items():
                field = _field(meta, name)
                if field is not None and field.many_to_one and isinstance(field.related_model, type):
                    ids = {value for value in values if isinstance(value, int) and not isinstance(value, bool)}
                    related.setdefault(field.related_model, set()).update(ids)
        company_ids |= related.pop(Company, set())
        entity_ids |= related.pop(BusinessEntity, set())
        self.roles = {role.code: role.label for role in Role.objects.filter(code__in=role_codes)}
        self.companies = dict(Company.objects.filter(pk__in=company_ids).values_list("pk", "name"))
        visible = visible_entities(entity_ids) if entity_ids and visible_entities else set()
        self.entities = dict(BusinessEntity.objects.filter(pk__in=visible).values_list("pk", "name"))
        self.related = {
            model: {row.pk: str(row) for row in model._default_manager.filter(pk__in=ids)}
            for model, ids in related.items()
            if ids
        }
        subject_ids = {entry.subject_user_id for entry in entries if entry.subject_user_id is not None}
        people = get_user_model().objects.filter(pk__in=subject_ids).only("first_name", "last_name", "email")
        self.people = {person.pk: str(person) for person in people} if subject_ids else {}
        self.stored_labels: dict[models.Field, dict[str, object]] = {}

    def about(self, entry: AuditLogEntry) -> str:
        params = entry.params
        if "entity" in params:
            return self.entities.get(params["entity"]) or str(OUTSIDE_VIEW)
        if "company" in params:
            level = Level(params["level"]).label if params.get("level") in Level.values else params.get("level")
            return f"{level} · {self.companies.get(params['company'], '—')}"
        return ""

    def whom(self, entry: AuditLogEntry, about: str) -> str:
        """To whom or what the entry happened: the person it concerns, else the object, with where (`about`)."""
        if entry.subject_user_id is not None:
            whom = self.people.get(entry.subject_user_id) or entry.target_label
        elif entry.target_type == "entities.EntityGrant":
            # The object's recorded name names the entity, which `about` names only to those who may see it.
            whom = ""
        else:
            whom = entry.target_label
        return f"{whom} ({about})" if whom and about and about != whom else whom or about

    def related_name(self, field: models.Field, value) -> str | None:
        if field.related_model is Company:
            return self.companies.get(value)
        if field.related_model is BusinessEntity:
            return self.entities.get(value) or str(OUTSIDE_VIEW)
        model = field.related_model
        return self.related.get(model, {}).get(value) if isinstance(model, type) else None

    def choice_of_label(self, field: models.Field, value):
        """The choice a label stands for: entries once stored a choice's label in the writer's language."""
        if field not in self.stored_labels:
            labels: dict[str, object] = {}
            for language in ("en", "de"):
                with translation.override(language):
                    labels.update({str(label): key for key, label in field.flatchoices})
            self.stored_labels[field] = labels
        return self.stored_labels[field].get(value, value)

    def value(self, entry: AuditLogEntry, name: str, field: models.Field | None, value) -> str:
        if name in ROLE_FIELDS and isinstance(value, str):
            if value in self.roles:
                return self.roles[value]
            if entry.target_type == "entities.EntityGrant":
                # Entries written before ids were stored read "Role · Entity": keep the role only.
                return value.split(" · ")[0]
        if field is not None and field.many_to_one and isinstance(value, int) and not isinstance(value, bool):
            return self.related_name(field, value) or str(value)
        if isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
            return _day(value)
        if field is not None and field.choices and value not in (None, ""):
            choices = dict(field.flatchoices)
            return str(choices.get(value, choices.get(self.choice_of_label(field, value), value)))
        return _shown(value)


def history_rows(
    entries: Iterable[AuditLogEntry],
    *,
    visible_entities: Callable[[set[int]], set[int]] | None = None,
    show_internal: bool = False,
    show_private: bool = False,
) -> list[HistoryRow]:
    """The entries in words for one reader: each as a sentence (who did what to whom, when, in the reader's time
    zone, named) with its changes as (label, before, after).

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
        about = reader.about(entry)
        whom = reader.whom(entry, about)
        words = {
            "action": entry.action_label,
            "actor": _actor(entry),
            "whom": whom,
            "when": when_read(entry.created_at),
        }
        sentence = str(SENTENCE if whom else SENTENCE_ABOUT_NOTHING) % words
        rows.append(HistoryRow(entry=entry, action=entry.action_label, about=about, changes=changes, sentence=sentence))
    return rows


def _actor(entry: AuditLogEntry) -> str:
    return str(SYSTEM) if entry.actor_id is None and entry.actor_label in ("", "system") else entry.actor_label
