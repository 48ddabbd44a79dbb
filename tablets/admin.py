from django.contrib import admin

from core.admin import ServiceSavesAdmin
from tablets.models import Tablet
from tablets.services import tablet_save


@admin.register(Tablet)
class TabletAdmin(ServiceSavesAdmin):
    list_display = ["serial_number", "model", "state", "instance", "entity", "added_by_company", "created_at"]
    list_filter = ["state", "instance"]
    list_select_related = ["instance", "entity", "added_by_company"]
    search_fields = ["serial_number"]
    autocomplete_fields = ["entity", "added_by_company"]
    readonly_fields = ["created_at", "created_by"]
    list_per_page = 50

    def has_delete_permission(self, request, obj=None):
        # A tablet is retired, never deleted: its history stays, and every change is audited.
        return False

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        tablet_save(actor=request.user, tablet=obj)
