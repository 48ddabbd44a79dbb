from typing import cast

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from core.admin import BoundedModelMultipleChoiceField, SafeAutocompleteSelectMultiple, SafeInputAdmin
from entities.admin import InstanceAdmin
from entities.models import Access, Company, Instance
from sharing.models import Share, ShareScope, SharingSettings
from sharing.services import share_remove_by_staff, sharing_settings_save

ALLOW_LIST_WHILE_OFF = _(
    "%(cockpit)s: the allow-list is saved, but Shareable Cockpit is off, so nobody can share this cockpit yet "
    "and its shares stay suspended. Tick Shareable Cockpit to let its admins share it."
)


class SharingSettingsForm(forms.ModelForm):
    allowed = BoundedModelMultipleChoiceField(
        label=_("Allow-list"),
        queryset=Company.objects.select_related("instance"),
        required=False,
        help_text=_("Companies of other cockpits whose users may receive shares of this cockpit."),
    )

    class Meta:
        model = SharingSettings
        fields = ["is_shareable"]

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
            self.initial["allowed"] = list(self.instance.allowed.values_list("company_id", flat=True))


class SharingSettingsInline(admin.StackedInline):
    """A cockpit's sharing settings on the cockpit's own page: the Shareable Cockpit flag and the allow-list."""

    model = SharingSettings
    form = SharingSettingsForm
    can_delete = False  # switched off with the flag, audited; never deleted unseen
    extra = 1
    max_num = 1


class InstanceWithSharingAdmin(InstanceAdmin):
    """The cockpit's admin page with its sharing settings: entities knows nothing of sharing, so sharing adds them.

    The settings save through sharing_settings_save (operator staff only, audited, suspending and resuming
    shares), in the page's transaction: a refused allow-list rolls the cockpit's changes back too.
    """

    inlines = [*InstanceAdmin.inlines, SharingSettingsInline]
    list_display = [*InstanceAdmin.list_display, "shareable"]
    list_filter = [*InstanceAdmin.list_filter, "sharing_settings__is_shareable"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("sharing_settings")

    @admin.display(description=_("Shareable Cockpit"), boolean=True)
    def shareable(self, obj) -> bool:
        settings = getattr(obj, "sharing_settings", None)
        return bool(settings and settings.is_shareable)

    def save_formset(self, request, form, formset, change):
        if formset.model is not SharingSettings:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)  # ties a new row to the cockpit saved just before
        for settings_form in formset.forms:
            if not settings_form.has_changed():
                continue
            allowed = list(settings_form.cleaned_data["allowed"])
            is_shareable = settings_form.cleaned_data["is_shareable"]
            sharing_settings_save(
                actor=request.user,
                settings=settings_form.instance,
                is_shareable=is_shareable,
                allowed_companies=allowed,
            )
            if allowed and not is_shareable:
                self.message_user(request, ALLOW_LIST_WHILE_OFF % {"cockpit": form.instance}, messages.WARNING)


admin.site.unregister(Instance)
admin.site.register(Instance, InstanceWithSharingAdmin)


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
class ShareAdmin(SafeInputAdmin, admin.ModelAdmin):
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

    def delete_model(self, request, obj):
        share_remove_by_staff(actor=request.user, share=obj)

    def delete_queryset(self, request, queryset):
        # Recorded as the cockpit's Cockpit Shares page records a removal: in the person's history too.
        for share in queryset.select_related("user", "instance"):
            share_remove_by_staff(actor=request.user, share=share)
