from django.contrib import admin

from entities.models import AuditLogEntry, BusinessEntity, Capability, Company, Instance, Role, Section
from entities.services import business_entity_save, company_save


@admin.register(Instance)
class InstanceAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "instance", "is_operator"]
    list_filter = ["instance", "is_operator"]
    list_select_related = ["instance"]
    search_fields = ["name"]

    def save_model(self, request, obj, form, change):
        company_save(actor=request.user, company=obj)


@admin.register(BusinessEntity)
class BusinessEntityAdmin(admin.ModelAdmin):
    list_display = ["name", "instance", "owner", "service_provider", "customer", "project_form"]
    list_filter = ["instance", "project_form"]
    list_select_related = ["instance", "owner", "service_provider", "customer"]
    search_fields = ["name", "address"]
    autocomplete_fields = ["owner", "service_provider", "customer"]
    show_full_result_count = False
    list_per_page = 50

    def save_model(self, request, obj, form, change):
        business_entity_save(actor=request.user, entity=obj)


class CapabilityInline(admin.TabularInline):
    model = Capability
    extra = 0
    max_num = len(Section.choices)
    fields = ["section", "access"]


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["name", "usage", "chat_allowed", "is_operator_only", "is_special", "entity_scope", "position"]
    list_filter = ["chat_allowed", "is_operator_only", "is_special", "entity_scope"]
    search_fields = ["name", "code", "usage", "description"]
    list_editable = ["position"]
    inlines = [CapabilityInline]


@admin.register(AuditLogEntry)
class AuditLogEntryAdmin(admin.ModelAdmin):
    """The audit log: readable and filterable, never editable."""

    list_display = ["created_at", "actor_label", "action", "target_label", "subject_user", "instance", "ip_address"]
    list_filter = ["action", "instance", ("created_at", admin.DateFieldListFilter)]
    list_select_related = ["subject_user", "instance"]
    search_fields = ["actor_label", "target_label", "subject_user__email", "ip_address"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    readonly_fields = [field.name for field in AuditLogEntry._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
