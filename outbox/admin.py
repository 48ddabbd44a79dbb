from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import SafeInputAdmin
from outbox.kinds import MESSAGE_KINDS
from outbox.models import OutgoingMessage


class KindFilter(admin.SimpleListFilter):
    """The kinds the apps registered, by name."""

    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return sorted(((code, kind.label) for code, kind in MESSAGE_KINDS.items()), key=lambda item: str(item[1]))

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(OutgoingMessage)
class OutgoingMessageAdmin(SafeInputAdmin, admin.ModelAdmin):
    """The email and SMS queue, to read: a message is sent again from the user's or the share's page."""

    list_display = [
        "created_at",
        "kind_name",
        "recipient",
        "state",
        "attempts",
        "last_error",
        "next_attempt_at",
        "sent_at",
    ]
    list_filter = ["state", KindFilter]
    search_fields = ["recipient__email"]
    list_select_related = ["recipient"]
    readonly_fields = [field.name for field in OutgoingMessage._meta.fields]

    @admin.display(description=_("kind"), ordering="kind")
    def kind_name(self, message: OutgoingMessage) -> str:
        return message.kind_label

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
