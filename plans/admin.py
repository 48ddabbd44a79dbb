"""Operator staff's view of CAD plans: plan requests (saved through the services) and the plan files, read-only.

No plan file has a public URL here either: the admin links to the cockpit's download,
which checks access on every request.
"""

from django.contrib import admin
from django.db import transaction
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin import SafeInputAdmin, ServiceSavesAdmin
from plans.models import PlanFile, PlanStatus
from plans.services import plan_file_delete, plans_request, plans_request_clear

PLAN_FILE_FIELDS = ("entity", "original_name", "kind", "size", "sha256", "uploaded_by", "uploaded_at", "download")


@admin.register(PlanStatus)
class PlanStatusAdmin(ServiceSavesAdmin):
    list_display = ["entity", "awaiting_plans", "flagged_at", "flagged_by", "received_at"]
    list_filter = ["awaiting_plans"]
    list_select_related = ["entity", "flagged_by"]
    search_fields = ["entity__name", "entity__address"]
    autocomplete_fields = ["entity"]
    fields = ["entity", "awaiting_plans", "flagged_at", "flagged_by", "received_at"]
    readonly_fields = ["flagged_at", "flagged_by", "received_at"]

    def get_fields(self, request, obj=None):
        # Adding a plan status is requesting plans for an entity: there is nothing else to choose yet.
        return self.fields if obj is not None else ["entity"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "entity"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        # Ending a request is "clear" (audited); deleting its row would end it without a trace.
        return False

    def save_model(self, request, obj, form, change):
        if not change or obj.awaiting_plans:
            plans_request(actor=request.user, entity=obj.entity)
        else:
            plans_request_clear(actor=request.user, entity=obj.entity)


@admin.register(PlanFile)
class PlanFileAdmin(SafeInputAdmin, admin.ModelAdmin):
    """Read-only: a plan file is what was uploaded. Deleting one is audited and removes its bytes."""

    list_display = ["original_name", "entity", "kind", "size", "uploaded_by", "uploaded_at"]
    list_filter = ["kind"]
    list_select_related = ["entity", "uploaded_by"]
    search_fields = ["original_name", "entity__name", "sha256"]
    fields = readonly_fields = PLAN_FILE_FIELDS

    @admin.display(description=_("download"))
    def download(self, obj):
        url = reverse(
            "plans:plan-download",
            kwargs={"instance_slug": obj.entity.instance.slug, "pk": obj.entity_id, "file_pk": obj.pk},
        )
        return format_html('<a href="{}">{}</a>', url, _("Download (checks your access in the cockpit)"))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        plan_file_delete(actor=request.user, plan_file=obj)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        for plan_file in queryset.select_related("entity__instance"):
            plan_file_delete(actor=request.user, plan_file=plan_file)
