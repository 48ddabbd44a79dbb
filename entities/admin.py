import ipaddress
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
from django.urls import path
from django.utils import timezone, translation
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from core.admin import SafeInputAdmin, ServiceSavesAdmin, filter_out_of_range
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


@admin.register(Instance)
class InstanceAdmin(AuditedDeletesAdmin, ServiceSavesAdmin):
    list_display = ["name", "slug", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

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


class RoleAdminForm(forms.ModelForm):
    """A role with its row of the capability matrix: one none / view / edit choice per section."""

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
            (_("Capability matrix"), {"fields": matrix}),
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
    """The audit log: readable and filterable, never editable."""

    list_display = ["created_at", "actor_label", "action_name", "about", "subject_user", "instance", "ip_address"]
    list_filter = [AuditActionFilter, "instance", ("created_at", admin.DateFieldListFilter)]
    list_select_related = ["subject_user", "instance"]
    # Searched through trigram indexes (migration 0014): who acted and about what, any word of either;
    # an IP address or a person's email address as a whole (entries_searched).
    search_fields = ["actor_label", "target_label"]
    readonly_fields = [field.name for field in AuditLogEntry._meta.fields]

    def get_search_results(self, request, queryset, search_term):
        return entries_searched(queryset, search_term), False

    def get_changelist(self, request, **kwargs):
        return AuditChangeList

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
