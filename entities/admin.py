from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import ValidationError
from django.forms.formsets import DELETION_FIELD_NAME
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from entities.history import history_rows
from entities.models import AUDIT_ACTIONS, AuditLogEntry, BusinessEntity, Capability, Company, Instance, Role, Section
from entities.services import business_entity_save, company_save, instance_save, role_capabilities_set, role_save

SECTION_TWICE = _("%(section)s appears more than once; give each section one row.")
NOTHING_SAVED = _("Nothing was saved: %(errors)s")


class ServiceSavesAdmin(admin.ModelAdmin):
    """An admin page whose saves go through services: a refused save rolls back whole and says why.

    A service raises ValidationError for what the admin's forms cannot see (rows other
    pages changed meanwhile, rules across the object and its inlines). Letting it leave
    the admin's own transaction rolls back the object and every inline together;
    transaction.set_rollback() instead would make the admin's log entry, written next,
    fail with a 500.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            messages.error(request, NOTHING_SAVED % {"errors": "; ".join(error.messages)})
            return HttpResponseRedirect(request.get_full_path())


@admin.register(Instance)
class InstanceAdmin(ServiceSavesAdmin):
    list_display = ["name", "slug", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def save_model(self, request, obj, form, change):
        instance_save(actor=request.user, instance=obj)


@admin.register(Company)
class CompanyAdmin(ServiceSavesAdmin):
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
class BusinessEntityAdmin(ServiceSavesAdmin):
    list_display = ["name", "instance", "owner", "service_provider", "customer", "project_form"]
    list_filter = ["instance", "project_form"]
    list_select_related = ["instance", "owner", "service_provider", "customer"]
    search_fields = ["name", "address"]
    autocomplete_fields = ["owner", "service_provider", "customer"]
    show_full_result_count = False
    list_per_page = 50

    def save_model(self, request, obj, form, change):
        business_entity_save(actor=request.user, entity=obj)


class CapabilityFormSet(BaseInlineFormSet):
    """The capability matrix inline: at most one row per section."""

    def clean(self):
        super().clean()
        # The matrix is stored as one right per section, so a second row would silently win.
        seen = set()
        for form in self.forms:
            section = form.cleaned_data.get("section") if form.cleaned_data else None
            if section is None or form.cleaned_data.get(DELETION_FIELD_NAME):
                continue
            if section in seen:
                raise ValidationError(SECTION_TWICE, params={"section": Section(section).label})
            seen.add(section)


class CapabilityInline(admin.TabularInline):
    model = Capability
    formset = CapabilityFormSet
    extra = 0
    max_num = len(Section.choices)
    fields = ["section", "access"]


@admin.register(Role)
class RoleAdmin(ServiceSavesAdmin):
    list_display = ["name", "usage", "chat_allowed", "is_operator_only", "is_special", "entity_scope", "position"]
    list_filter = ["chat_allowed", "is_operator_only", "is_special", "entity_scope"]
    search_fields = ["name", "code", "usage", "description"]
    list_editable = ["position"]
    inlines = [CapabilityInline]

    def has_change_permission(self, request, obj=None):
        # Share roles carry the Cockpit Shares' table (sharing/modules.py); they change only with it.
        return not (obj is not None and obj.is_share_role) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not (obj is not None and obj.is_share_role) and super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        role_save(actor=request.user, role=obj)

    def save_formset(self, request, form, formset, change):
        """The capability matrix changes through the service, so each change is validated and audited."""
        formset.save(commit=False)
        stored_sections = dict(Capability.objects.filter(role=form.instance).values_list("pk", "section"))
        changed = [capability for capability, _fields in formset.changed_objects]
        rights: dict[str, int | None] = {}
        # A row deleted or moved to another section leaves its old section without a right,
        # unless another row of this save fills it.
        for capability in [*formset.deleted_objects, *changed]:
            rights[stored_sections[capability.pk]] = None
        for capability in [*changed, *formset.new_objects]:
            rights[capability.section] = capability.access
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


@admin.register(AuditLogEntry)
class AuditLogEntryAdmin(admin.ModelAdmin):
    """The audit log: readable and filterable, never editable."""

    list_display = ["created_at", "actor_label", "action_name", "about", "subject_user", "instance", "ip_address"]
    list_filter = [AuditActionFilter, "instance", ("created_at", admin.DateFieldListFilter)]
    list_select_related = ["subject_user", "instance"]
    search_fields = ["actor_label", "target_label", "subject_user__email", "ip_address"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    readonly_fields = [field.name for field in AuditLogEntry._meta.fields]

    def get_changelist(self, request, **kwargs):
        return AuditChangeList

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
