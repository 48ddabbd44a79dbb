import ipaddress
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from functools import partial

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import AdminRadioSelect
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import DataError, transaction
from django.db.models import Q
from django.http import Http404, HttpResponseBadRequest, HttpResponseNotAllowed, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone, translation
from django.utils.functional import Promise, lazy
from django.utils.html import escape, format_html, format_html_join
from django.utils.http import urlencode
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin import SafeInputAdmin, ServiceSavesAdmin, filter_out_of_range
from core.query import query_id
from core.registry import Registry
from entities.audit_export import FORMATS, AuditReader, audit_export
from entities.history import history_rows
from entities.models import (
    AUDIT_ACTIONS,
    Access,
    AuditDelivery,
    AuditLogEntry,
    AuditStream,
    BusinessEntity,
    Company,
    Instance,
    Role,
    Section,
)
from entities.selectors import RoleHolders, RoleKind, capability_overview, role_holders
from entities.services import (
    admin_objects_delete,
    audit_export_recorded,
    business_entity_save,
    company_save,
    instance_save,
    role_capabilities_set,
    role_save,
)
from entities.streaming import (
    audit_stream_change,
    audit_stream_create,
    audit_stream_delete,
    deliveries_retry,
    validate_stream_url,
)


class AuditedDeletesAdmin:
    """For a ModelAdmin of something access depends on: its deletions go through the audited service."""

    def delete_model(self, request, obj):
        admin_objects_delete(actor=request.user, objects=[obj])

    def delete_queryset(self, request, queryset):
        admin_objects_delete(actor=request.user, objects=list(queryset))


# What higher apps show on the cockpit's admin page (entities knows nothing of them): inlines and read-only fields
# by name, registered from their admin modules and read as each page is built, so the order apps load in is no matter.
COCKPIT_PAGE_INLINES: Registry[str, type] = Registry("inlines of the cockpit's admin page")
COCKPIT_PAGE_FIELDS: Registry[str, Callable] = Registry("read-only fields of the cockpit's admin page")


@admin.register(Instance)
class InstanceAdmin(AuditedDeletesAdmin, ServiceSavesAdmin):
    list_display = ["name", "slug", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def get_inlines(self, request, obj):
        return [*super().get_inlines(request, obj), *COCKPIT_PAGE_INLINES.values()]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), *COCKPIT_PAGE_FIELDS.values()]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "slug":
            # The admin writes help texts out as HTML, where "/c/<slug>/" would lose "<slug>" as a tag.
            kwargs["help_text"] = escape(db_field.help_text)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        instance_save(actor=request.user, instance=obj)


@admin.register(Company)
class CompanyAdmin(AuditedDeletesAdmin, ServiceSavesAdmin):
    list_display = ["name", "instance", "is_operator"]
    list_filter = ["instance", "is_operator"]
    list_select_related = ["instance"]
    search_fields = ["name", "instance__name"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("instance")

    def autocomplete_label(self, obj) -> str:
        # Companies of every cockpit look alike by name; pickers say which cockpit each belongs to.
        return f"{obj.name} ({obj.instance.name})"

    def save_model(self, request, obj, form, change):
        company_save(actor=request.user, company=obj)


@admin.register(BusinessEntity)
class BusinessEntityAdmin(AuditedDeletesAdmin, ServiceSavesAdmin):
    list_display = ["name", "instance", "owner", "service_provider", "customer", "project_form"]
    list_filter = ["instance", "project_form"]
    search_fields = ["name", "address"]
    autocomplete_fields = ["owner", "service_provider", "customer"]
    list_per_page = 50
    # By cockpit, then name: the order of an index (entity_instance_name_idx), so a page of a million
    # entities is read in order, not sorted.
    ordering = ["instance_id", "name", "id"]

    def get_queryset(self, request):
        # The list names each entity's companies, the pickers its cockpit.
        return super().get_queryset(request).select_related("instance", "owner", "service_provider", "customer")

    def autocomplete_label(self, obj) -> str:
        # Entities of every cockpit look alike by name; pickers say which cockpit each belongs to.
        return f"{obj.name} ({obj.instance.name})"

    def save_model(self, request, obj, form, change):
        business_entity_save(actor=request.user, entity=obj)


class AccessRadioSelect(AdminRadioSelect):
    """One section's none / view / edit, each radio named with its section for screen readers."""

    def __init__(self, section: Section):
        super().__init__(attrs={"class": "radiolist inline"})
        self.section = section

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        option["attrs"]["aria-label"] = f"{self.section.label}: {label}"
        return option


def capability_field_name(section: str) -> str:
    return f"capability_{section}"


def holders_words(holders: RoleHolders) -> str:
    """Whom a role's matrix reaches, as a reader counts them: "12 people in 3 cockpits"."""
    people = ngettext("%(count)s person", "%(count)s people", holders.people) % {"count": holders.people}
    cockpits = ngettext("%(count)s cockpit", "%(count)s cockpits", holders.cockpits) % {"count": holders.cockpits}
    return str(_("%(people)s in %(cockpits)s") % {"people": people, "cockpits": cockpits})


MATRIX_CHANGE_UNCONFIRMED = _(
    "This change of the matrix applies at once to everyone who holds the role: %(holders)s. Tick the box to apply "
    "it to all of them, and save again."
)


class RoleAdminForm(forms.ModelForm):
    """A role with its row of the capability matrix: one none / view / edit choice per section.

    A matrix change reaches everyone who holds the role, in every cockpit: it is saved only once the operator,
    told how many people that is (role_holders), ticks the box that applies it to all of them.
    """

    matrix_change_confirmed = forms.BooleanField(
        label=_("Apply the matrix change to everyone who holds this role"), required=False
    )

    class Meta:
        model = Role
        fields = [
            "name",
            "name_de",
            "usage",
            "usage_de",
            "description",
            "description_de",
            "code",
            "chat_allowed",
            "is_operator_only",
            "is_special",
            "is_project_manager",
            "entity_scope",
            "position",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        stored = dict(self.instance.capabilities.values_list("section", "access")) if self.instance.pk else {}
        for section in Section:
            self.fields[capability_field_name(section)] = forms.TypedChoiceField(
                label=section.label,
                choices=Access.choices,
                coerce=int,
                widget=AccessRadioSelect(section),
                # A section without a row gives no access, so it reads as "None" until changed.
                initial=stored.get(section, Access.NONE),
            )

    def clean(self):
        cleaned_data = super().clean() or {}
        matrix_changed = any(capability_field_name(section) in self.changed_data for section in Section)
        if matrix_changed and self.instance.pk and not cleaned_data.get("matrix_change_confirmed"):
            holders = role_holders(self.instance)
            if holders.people:
                self.add_error(
                    "matrix_change_confirmed", MATRIX_CHANGE_UNCONFIRMED % {"holders": holders_words(holders)}
                )
        return cleaned_data

    def capability_rights(self, *, changed_only: bool) -> dict[str, int]:
        """The matrix as posted; with `changed_only`, the sections changed, so rows left alone stay as stored."""
        rights = {}
        for section in Section:
            name = capability_field_name(section)
            if not changed_only or name in self.changed_data:
                rights[section.value] = self.cleaned_data[name]
        return rights


@admin.register(Role)
class RoleAdmin(AuditedDeletesAdmin, ServiceSavesAdmin):
    form = RoleAdminForm
    list_display = [
        "name",
        "name_de",
        "usage",
        "chat_allowed",
        "is_operator_only",
        "is_special",
        "entity_scope",
        "position",
    ]
    list_filter = ["chat_allowed", "is_operator_only", "is_special", "is_project_manager", "entity_scope"]
    search_fields = ["name", "name_de", "code", "usage", "usage_de", "description", "description_de"]
    list_editable = ["position"]

    def get_fieldsets(self, request, obj=None):
        editable = self.has_change_permission(request, obj)
        # A page only to view (a share role) shows the matrix as text: radio buttons would suggest a change.
        matrix = [capability_field_name(section) for section in Section] if editable else ["capability_matrix"]
        matrix_description = ""
        if obj is not None and editable:
            holders = role_holders(obj)
            matrix_description = str(
                _("Held by %(holders)s: a change here changes what each of them may do, from their next step.")
                % {"holders": holders_words(holders)}
                if holders.people
                else _("Nobody holds this role yet.")
            )
            if holders.people:
                matrix.append("matrix_change_confirmed")
        return [
            (
                _("English and German"),
                {
                    "description": _(
                        "German readers see the German texts, everyone else the English; "
                        "an empty German text shows the English too."
                    ),
                    "fields": [("name", "name_de"), ("usage", "usage_de"), ("description", "description_de")],
                },
            ),
            (
                _("Rules"),
                {
                    "fields": [
                        "code",
                        "chat_allowed",
                        "is_operator_only",
                        "is_special",
                        "is_project_manager",
                        "entity_scope",
                        "position",
                    ]
                },
            ),
            (_("Capability matrix"), {"description": matrix_description, "fields": matrix}),
        ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        # The matrix's fields are the form's own (RoleAdminForm adds them): the model has only the role's.
        kwargs["fields"] = RoleAdminForm.Meta.fields
        return super().get_form(request, obj, change, **kwargs)

    @admin.display(description=_("Capability matrix"))
    def capability_matrix(self, obj: Role):
        stored = dict(obj.capabilities.values_list("section", "access"))
        rows = ((section.label, Access(stored.get(section, Access.NONE)).label) for section in Section)
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}: {}</li>", rows))

    def get_urls(self):
        overview = self.admin_site.admin_view(self.overview_view)
        return [path("overview/", overview, name="entities_role_overview"), *super().get_urls()]

    def overview_view(self, request):
        """The capability matrix of every role on one page, read only, filtered by the kind of role."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        kind = request.GET.get("kind", "")
        kind = kind if kind in RoleKind.values else ""
        context = {
            **self.admin_site.each_context(request),
            "title": _("Capability overview"),
            "opts": self.model._meta,
            "sections": [section.label for section in Section],
            "rows": capability_overview(kind or None),
            "kinds": [("", _("All roles")), *RoleKind.choices],
            "kind": kind,
            "overview_url": reverse("admin:entities_role_overview"),
        }
        return TemplateResponse(request, "admin/entities/role/overview.html", context)

    def has_change_permission(self, request, obj=None):
        # Share roles carry the Cockpit Shares' table (sharing/modules.py); they change only with it.
        return not (obj is not None and obj.is_share_role) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not (obj is not None and obj.is_share_role) and super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        role_save(actor=request.user, role=obj)

    def save_related(self, request, form, formsets, change):
        """The matrix changes through the service, so each change is validated and audited.

        It runs in the admin's transaction after save_model: a refused matrix rolls the role back too
        (ServiceSavesAdmin).
        """
        super().save_related(request, form, formsets, change)
        # The role list's position column saves through here too, with a form of its own and no matrix.
        if isinstance(form, RoleAdminForm):
            rights = form.capability_rights(changed_only=change)
            role_capabilities_set(actor=request.user, role=form.instance, rights=rights)


class AuditActionFilter(admin.SimpleListFilter):
    """The actions by their names in the reader's language, not their codes."""

    title = _("action")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return sorted(((code, label) for code, label in AUDIT_ACTIONS.items()), key=lambda item: str(item[1]))

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


class AuditTypedFilter(admin.ListFilter):
    """A filter typed in rather than picked: people and days are too many to list. Its inputs are (parameter, label,
    input type); the other filters and the search stay as they are when it is applied."""

    template = "admin/entities/auditlogentry/typed_filter.html"
    inputs: tuple[tuple[str, Promise, str], ...] = ()

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        self.typed: dict[str, str] = {}
        for name, _label, _kind in self.inputs:
            if name in params and (value := str(params.pop(name)[-1]).strip()):
                self.typed[name] = value

    def has_output(self) -> bool:
        return True

    def expected_parameters(self) -> list[str | None]:
        return [name for name, _label, _kind in self.inputs]

    def choices(self, changelist):
        mine = self.expected_parameters()
        yield {
            "inputs": [(name, label, kind, self.typed.get(name, "")) for name, label, kind in self.inputs],
            "kept": [
                (name, value)
                for name, values in changelist.filter_params.items()
                if name not in mine
                for value in values
            ],
            "reset": changelist.get_query_string(remove=mine) if self.typed else None,
        }


class AuditPersonFilter(AuditTypedFilter):
    """By the person who acted and by the person an entry concerns: an email address (or a user id, from a link)."""

    title = _("person")
    inputs = (
        ("actor", _("Who acted (email address)"), "text"),
        ("concerning", _("Concerning (email address)"), "text"),
    )

    def queryset(self, request, queryset):
        for name, field in (("actor", "actor_id"), ("concerning", "subject_user_id")):
            if name in self.typed:
                queryset = queryset.filter(**{f"{field}__in": people_named(self.typed[name])})
        return queryset


def people_named(term: str):
    """The people a filter names, by id or by email address, as a subquery (one indexed lookup)."""
    people = get_user_model().objects.all()
    pk = query_id(term)
    return (people.filter(pk=pk) if pk is not None else people.filter(email=term.lower())).values("pk")


class AuditDateRangeFilter(AuditTypedFilter):
    """From one day to another, both included, as days of the reader's time zone (the one the page names)."""

    title = _("date range")
    inputs = (("from", _("From"), "date"), ("to", _("To"), "date"))

    def queryset(self, request, queryset):
        for name, label, _kind in self.inputs:
            if name not in self.typed:
                continue
            try:
                day = date.fromisoformat(self.typed[name])
                # "to" includes its day: up to the start of the next one
                bound = start_of_day(day) if name == "from" else start_of_day(day + timedelta(days=1))
                bound.astimezone(UTC)
            except (ValueError, OverflowError):
                messages.error(request, NOT_A_DAY % {"field": label, "value": self.typed[name]})
                continue
            queryset = queryset.filter(**{"created_at__gte" if name == "from" else "created_at__lt": bound})
        return queryset


NOT_A_DAY = _("%(field)s: “%(value)s” is not a date (YYYY-MM-DD); the list is not limited by it.")


def start_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class AuditTargetFilter(admin.SimpleListFilter):
    """By what an entry is about: a kind of object, or one object (`<kind>:<id>`, the entry page's link)."""

    title = _("object")
    parameter_name = "target"

    def lookups(self, request, model_admin):
        # The kinds operators manage in this admin, named as its index names them (no query over the log).
        kinds = [
            model
            for model in model_admin.admin_site._registry
            if model is not AuditLogEntry
            and "." not in model._meta.app_config.name
            and not model._meta.app_config.name.startswith("django")
        ]
        return sorted(
            ((model._meta.label, capfirst(model._meta.verbose_name_plural)) for model in kinds),
            key=lambda item: str(item[1]),
        )

    def choices(self, changelist):
        yield from super().choices(changelist)
        value = self.value() or ""
        if ":" in value:
            kind, pk = value.split(":", 1)
            names = dict(self.lookup_choices)
            yield {
                "selected": True,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": f"{capfirst(str(names.get(kind, kind)))} #{pk}",
            }

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        kind, _sep, pk = value.partition(":")
        return queryset.filter(target_type=kind, target_id=pk) if pk else queryset.filter(target_type=kind)


class AuditChangeList(ChangeList):
    """Renders the page's entries in words in one go (entities.history), not one lookup per row."""

    def get_results(self, request) -> None:
        super().get_results(request)
        rows = history_rows(self.result_list, visible_entities=lambda ids: ids, show_internal=True)
        words = {row.entry.pk: row for row in rows}
        for entry in self.result_list:
            entry.words = words.get(entry.pk)


def entries_searched(entries, term: str):
    """The entries a search finds, each condition one an index answers (at a million entries, no full scan): an IP
    address as a whole, else the word in who acted or what it was about, or, for an email address, the entries
    about the person with that address."""
    term = term.strip()
    if not term:
        return entries
    try:
        return entries.filter(ip_address=str(ipaddress.ip_address(term)))
    except ValueError:
        pass
    found = Q(actor_label__icontains=term) | Q(target_label__icontains=term)
    if "@" in term:
        found |= Q(subject_user_id__in=get_user_model().objects.filter(email=term.lower()).values("pk"))
    return entries.filter(found)


@admin.register(AuditLogEntry)
class AuditLogEntryAdmin(SafeInputAdmin, admin.ModelAdmin):
    """The audit log: readable and filterable, never editable.

    An entry's page reads as a sentence and a before → after table (entities.history), its
    times in the reader's time zone, named; the stored codes and ids are below, folded.
    """

    list_display = ["when", "actor_label", "action_name", "about", "subject_user", "instance", "ip_address"]
    list_filter = [
        AuditActionFilter,
        AuditPersonFilter,
        AuditTargetFilter,
        "instance",
        AuditDateRangeFilter,
        ("created_at", admin.DateFieldListFilter),
    ]
    list_select_related = ["subject_user", "instance"]
    # Searched through trigram indexes (migration 0014): who acted and about what, any word of either;
    # an IP address or a person's email address as a whole (entries_searched).
    search_fields = ["actor_label", "target_label"]
    fieldsets = [
        (
            _("Technical details"),
            {
                "classes": ["collapse"],
                "fields": [
                    "id",
                    "action",
                    "actor",
                    "actor_label",
                    "subject_user",
                    "instance",
                    ("target_type", "target_id"),
                    "target_label",
                    "batch",
                    "ip_address",
                    "created_at",
                ],
            },
        )
    ]
    readonly_fields = [field.name for field in AuditLogEntry._meta.fields if field.name not in ("changes", "params")]
    readonly_fields += ["batch"]

    def get_search_results(self, request, queryset, search_term):
        return entries_searched(queryset, search_term), False

    def get_changelist(self, request, **kwargs):
        return AuditChangeList

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            [context["words"]] = history_rows(
                [obj], visible_entities=lambda ids: ids, show_internal=True, show_private=True
            )
            context["subtitle"] = context["words"].sentence
            context["time_zone"] = timezone.get_current_timezone_name()
            context["related_lists"] = self.related_lists(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def related_lists(self, entry: AuditLogEntry) -> list[tuple[str, str]]:
        """Links to the list filtered to what the entry names: its object, who acted, whom it concerns."""
        url = reverse("admin:entities_auditlogentry_changelist")
        links = [(_("Every entry about this object"), {"target": f"{entry.target_type}:{entry.target_id}"})]
        if entry.actor_id is not None:
            links.append((_("Every entry by the person who acted"), {"actor": str(entry.actor_id)}))
        if entry.subject_user_id is not None:
            links.append((_("Every entry concerning this person"), {"concerning": str(entry.subject_user_id)}))
        return [(str(label), f"{url}?{urlencode(query)}") for label, query in links]

    @admin.display(
        description=lazy(lambda: f"{_('when')} ({timezone.get_current_timezone_name()})", str)(), ordering="created_at"
    )
    def when(self, entry: AuditLogEntry) -> str:
        return formats.date_format(timezone.localtime(entry.created_at), "DATETIME_FORMAT")

    def get_urls(self):
        export = self.admin_site.admin_view(partial(audit_changelist_export, self))
        return [path("export.<str:file_format>", export, name="entities_auditlogentry_export"), *super().get_urls()]

    @admin.display(description=_("action"), ordering="action")
    def action_name(self, entry: AuditLogEntry) -> str:
        return entry.action_label

    @admin.display(description=_("what"))
    def about(self, entry: AuditLogEntry) -> str:
        row = getattr(entry, "words", None)
        if row is None:
            return entry.target_label
        changes = "; ".join(f"{label}: {before} → {after}" for label, before, after in row.changes)
        return " · ".join(part for part in (row.about or entry.target_label, changes) if part)

    @admin.display(description=_("batch"))
    def batch(self, entry: AuditLogEntry) -> str:
        return entry.params.get("batch", "")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- the audit log as a file, and streamed to a SIEM ------------------------------------------------------------


def audit_changelist_export(model_admin: AuditLogEntryAdmin, request, file_format: str):
    """The entries the audit list shows, with its filters and search, as CSV or JSON Lines (entities.audit_export).

    A POST (with its CSRF token), so that no other site can make a signed-in browser export, or fill the
    audit log with exports. Filters are checked as the list checks them before the file starts: a value
    its column refuses answers 400, never a file broken off half-way.
    """
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if file_format not in FORMATS:
        raise Http404("No such format.")
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    if filter_out_of_range(request):
        return HttpResponseBadRequest("A filter value is out of range.")
    try:
        with transaction.atomic():
            entries = model_admin.get_changelist_instance(request).get_queryset(request)
    except (IncorrectLookupParameters, DataError, ValueError):
        return HttpResponseBadRequest("A filter value does not fit its column.")
    audit_export_recorded(actor=request.user, instance=None, file_format=file_format, filters=request.GET.dict())
    reader = AuditReader(
        language=translation.get_language(),
        zone=timezone.get_current_timezone(),
        visible_entities=lambda ids: ids,
        show_internal=True,
        show_private=True,
    )
    kind = FORMATS[file_format]
    response = StreamingHttpResponse(
        audit_export(entries, file_format=file_format, reader=reader), content_type=kind.content_type
    )
    response["Content-Disposition"] = f'attachment; filename="audit-log.{kind.extension}"'
    return response


class AuditStreamForm(forms.ModelForm):
    url = forms.URLField(label=_("endpoint URL"), max_length=500, assume_scheme="https")

    class Meta:
        model = AuditStream
        fields = ["instance", "url", "is_active"]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        validate_stream_url(url)
        return url


@admin.register(AuditStream)
class AuditStreamAdmin(ServiceSavesAdmin):
    """A cockpit's SIEM endpoints: each new audit entry POSTed, signed with a secret shown once, on creation."""

    form = AuditStreamForm
    list_display = ["instance", "url", "is_active", "created_at"]
    list_filter = ["is_active", "instance"]
    list_select_related = ["instance"]
    search_fields = ["url"]

    def get_readonly_fields(self, request, obj=None):
        # The endpoint's cockpit is what its secret was handed over for: another cockpit gets an endpoint of its own.
        return ["instance"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            audit_stream_change(actor=request.user, stream=obj)
        else:
            audit_stream_create(actor=request.user, stream=obj)

    def response_add(self, request, obj, post_url_continue=None):
        """The signing secret, this once: it is never shown again."""
        context = {
            **self.admin_site.each_context(request),
            "title": _("Signing secret of %(endpoint)s") % {"endpoint": obj.url},
            "stream": obj,
            "opts": self.model._meta,
        }
        response = TemplateResponse(request, "admin/entities/auditstream/secret.html", context)
        response["Cache-Control"] = "no-store"
        return response

    def delete_model(self, request, obj):
        audit_stream_delete(actor=request.user, stream=obj)

    def delete_queryset(self, request, queryset):
        for stream in queryset.select_related("instance"):
            audit_stream_delete(actor=request.user, stream=stream)


@admin.register(AuditDelivery)
class AuditDeliveryAdmin(SafeInputAdmin, admin.ModelAdmin):
    """Where each streamed entry stands; a dead letter (given up after the configured tries) can be sent again."""

    list_display = [
        "created_at",
        "entry",
        "stream",
        "state",
        "attempts",
        "last_error",
        "next_attempt_at",
        "delivered_at",
    ]
    list_filter = ["state", "stream__instance", "stream"]
    list_select_related = ["entry", "stream__instance"]
    readonly_fields = [field.name for field in AuditDelivery._meta.fields]
    actions = ["send_again"]
    show_full_result_count = False

    @admin.action(description=_("Send the chosen dead letters again"), permissions=["send_again"])
    def send_again(self, request, queryset):
        count = deliveries_retry(actor=request.user, deliveries=queryset.select_related("stream"))
        self.message_user(request, _("Dead letters queued again: %(count)d.") % {"count": count}, messages.SUCCESS)

    def has_send_again_permission(self, request) -> bool:
        """Deliveries are never edited; sending one again is the change right on them."""
        return request.user.has_perm("entities.change_auditdelivery")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
