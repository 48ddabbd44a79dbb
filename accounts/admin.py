from django import forms
from django.contrib import admin

from accounts.models import SecondFactorPolicy
from accounts.second_factor import second_factor_policy_set
from core.admin import ServiceSavesAdmin


class SecondFactorPolicyForm(forms.ModelForm):
    class Meta:
        model = SecondFactorPolicy
        fields = ["instance", "required_for", "sms_counts", "grace_days"]
        widgets = {"required_for": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["instance"].disabled = True


@admin.register(SecondFactorPolicy)
class SecondFactorPolicyAdmin(ServiceSavesAdmin):
    """Per cockpit: who must sign in with a second factor, whether SMS counts, and the grace period (audited)."""

    form = SecondFactorPolicyForm
    list_display = ["instance", "required_for", "sms_counts", "grace_days", "required_since"]
    list_filter = ["required_for", "sms_counts"]
    list_select_related = ["instance"]
    search_fields = ["instance__name", "instance__slug"]
    readonly_fields = ["required_since"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        # A cockpit is picked here, never made, changed or deleted from a policy's page.
        picker = form.base_fields["instance"].widget
        picker.can_add_related = picker.can_change_related = picker.can_view_related = False
        picker.can_delete_related = False
        return form

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a policy is changed back, audited, not deleted unseen

    def save_model(self, request, obj, form, change):
        saved = second_factor_policy_set(
            actor=request.user,
            instance=form.cleaned_data["instance"] if not change else obj.instance,
            required_for=obj.required_for,
            sms_counts=obj.sms_counts,
            grace_days=obj.grace_days,
        )
        obj.pk = saved.pk
