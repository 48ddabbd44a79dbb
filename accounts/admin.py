from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.services import normalize_phone, user_save


class PhoneNormalizingMixin:
    def clean_mobile_phone(self) -> str:
        return normalize_phone(self.cleaned_data.get("mobile_phone", ""))


class UserAdminChangeForm(PhoneNormalizingMixin, UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"


class UserAdminCreationForm(PhoneNormalizingMixin, AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "company", "first_name", "last_name", "mobile_phone", "language")
        field_classes = {"email": forms.EmailField}


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserAdminChangeForm
    add_form = UserAdminCreationForm
    list_display = ["email", "first_name", "last_name", "company", "is_active", "is_staff", "last_login"]
    list_filter = ["company__instance", "is_active", "is_staff", "sees_all_entities", "language"]
    list_select_related = ["company", "company__instance"]
    search_fields = ["email", "first_name", "last_name", "company__name"]
    ordering = ["email"]
    autocomplete_fields = ["company"]
    show_full_result_count = False
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Person"), {"fields": ("first_name", "last_name", "company", "mobile_phone", "language")}),
        (_("Business entities"), {"fields": ("sees_all_entities", "all_entities_role")}),
        (_("Access"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "company",
                    "first_name",
                    "last_name",
                    "mobile_phone",
                    "language",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    readonly_fields = ["last_login", "date_joined"]

    def save_model(self, request, obj, form, change):
        user_save(actor=request.user, user=obj)
