from typing import cast

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import (
    BoundedModelMultipleChoiceField,
    SafeAutocompleteSelectMultiple,
    SafeInputAdmin,
    ServiceSavesAdmin,
)
from entities.admin import AuditedDeletesAdmin
from entities.models import Access, Company
from sharing.models import Share, ShareScope, SharingSettings
from sharing.services import sharing_settings_save


class SharingSettingsForm(forms.ModelForm):
    allowed = BoundedModelMultipleChoiceField(
        label=_("Allow-list"),
        queryset=Company.objects.select_related("instance"),
        required=False,
        help_text=_("Companies of other cockpits whose users may receive shares of this cockpit."),
    )

    class Meta:
        model = SharingSettings
        fields = ["instance", "is_shareable"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelMultipleChoiceField, self.fields["allowed"])
        # The picker replaces the field's widget after the field was built: it needs the field's choices.
        field.widget = SafeAutocompleteSelectMultiple(
            SharingSettings._meta.get_field("allowed_companies"),
            admin.site,
            attrs={"style": "width: 100%; max-width: 40em"},
        )
        field.widget.choices = field.choices
        if self.instance.pk:
            self.fields["instance"].disabled = True
            self.initial["allowed"] = list(self.instance.allowed.values_list("company_id", flat=True))


@admin.register(SharingSettings)
class SharingSettingsAdmin(AuditedDeletesAdmin, ServiceSavesAdmin):
    """Per cockpit: the Shareable Cockpit flag and the allow-list (operator staff; every change audited)."""

    form = SharingSettingsForm
    list_display = ["instance", "is_shareable", "allowed_list"]
    list_filter = ["is_shareable"]
    list_select_related = ["instance"]
    search_fields = ["instance__name", "instance__slug"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("allowed__company__instance")

    @admin.display(description=_("Allow-list"))
    def allowed_list(self, obj):
        return ", ".join(str(allowed) for allowed in obj.allowed.all()) or "—"

    def save_model(self, request, obj, form, change):
        sharing_settings_save(
            actor=request.user,
            settings=obj,
            is_shareable=form.cleaned_data["is_shareable"],
            allowed_companies=list(form.cleaned_data["allowed"]),
        )

    def save_related(self, request, form, formsets, change):
        """The allow-list was saved with the settings, through the service."""


class ShareScopeInline(admin.TabularInline):
    """Where a share applies, who gave it, and what its cap holds: read only, as the share."""

    model = ShareScope
    extra = 0
    can_delete = False
    fields = ["level", "company", "entity_scope", "given_by", "given_at", "cap"]
    readonly_fields = ["level", "company", "entity_scope", "given_by", "given_at", "cap"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("company", "given_by").prefetch_related("caps")

    @admin.display(description=_("at most"))
    def cap(self, obj: ShareScope) -> str:
        capped = [cap for cap in obj.caps.all() if cap.access < Access.EDIT]
        return ", ".join(f"{cap.get_section_display()}: {cap.get_access_display()}" for cap in capped) or "—"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class SuspendedFilter(admin.SimpleListFilter):
    """Shares the migration to scopes (or a later change) left without a scope: they give nothing until resumed."""

    title = _("suspended")
    parameter_name = "suspended"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(suspended_at__isnull=self.value() == "no")
        return queryset


@admin.register(Share)
class ShareAdmin(AuditedDeletesAdmin, SafeInputAdmin, admin.ModelAdmin):
    """Shares are run by each cockpit's admins on its Cockpit Shares page; here they are read only.

    A suspended share is resumed by operator staff on its Cockpit Shares page (the pen), by giving it a scope.
    """

    list_display = [
        "instance",
        "user",
        "scopes_list",
        "inventory",
        "customer_care",
        "ends_on",
        "accepted_at",
        "suspended_at",
        "last_visit_at",
    ]
    list_filter = [SuspendedFilter, "instance", "inventory", "customer_care"]
    list_select_related = ["instance", "user"]
    search_fields = ["user__email", "instance__name"]
    readonly_fields = [field.name for field in Share._meta.fields if field.name != "invitation_token_hash"]
    exclude = ["invitation_token_hash"]
    inlines = [ShareScopeInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("scopes__company")

    @admin.display(description=_("Applies to"))
    def scopes_list(self, obj: Share) -> str:
        return ", ".join(str(scope) for scope in obj.scopes.all()) or "—"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
