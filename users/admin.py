from datetime import timedelta
from itertools import groupby
from typing import cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.forms import PhoneNormalizingMixin
from accounts.models import InactivityPolicy, SMSDevice, User
from accounts.second_factor import (
    DEVICE_NAMES,
    second_factor_reset,
    totp_device_create,
    totp_manual_key,
    totp_qr_code,
)
from accounts.services import user_save, user_update
from core.admin import SafeAutocompleteSelect, SafeInputAdmin, ServiceSavesAdmin
from core.forms import add_service_error
from core.query import query_id
from entities.access import explain_access
from entities.admin import COCKPIT_PAGE_FIELDS, COCKPIT_PAGE_INLINES, AuditedDeletesAdmin
from entities.models import BusinessEntity, Company, CompanyGrant, EntityGrant, Instance, Level, Role
from entities.selectors import grantable_roles
from entities.services import (
    company_grant_create,
    entity_grant_create,
    grant_change_role,
    grant_delete,
    grant_end_set,
)
from outbox.models import OutgoingMessage
from users.forms import PeopleFileForm, ShowAllAfterGrantsMixin
from users.imports import MAX_PEOPLE, PendingImport
from users.inactivity import POLICY_FIELDS, inactivity_policy_set
from users.models import AccessReview, AccessReviewRow, Decision, Outcome
from users.permissions import require_manager
from users.review_forms import DEFAULT_DAYS, ReviewStartForm
from users.reviews import review_decide_by_staff, review_start_by_staff, review_stop_by_staff
from users.services import people_import, welcome_email_resend_by_staff


class UserAdminChangeForm(ShowAllAfterGrantsMixin, PhoneNormalizingMixin, UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class UserAdminCreationForm(PhoneNormalizingMixin, AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "company", "first_name", "last_name", "mobile_phone", "language")
        field_classes = {"email": forms.EmailField}


class RolePickersAdmin:
    """For admin pages that pick a role: the picker offers the roles the grant may hold (grantable_roles at
    `role_level`), without Django's add / change / delete icons, so the catalogue changes on its own pages only."""

    role_level: str = Level.ENTITY

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "role":
            kwargs["queryset"] = grantable_roles(self.role_level)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)  # type: ignore[misc]
        if formfield is not None and getattr(db_field, "related_model", None) is Role:
            picker = formfield.widget
            picker.can_add_related = picker.can_change_related = picker.can_delete_related = False
            picker.can_view_related = False
        return formfield


class CompanyGrantInline(RolePickersAdmin, SafeInputAdmin, admin.TabularInline):
    model = CompanyGrant
    fk_name = "user"
    extra = 0
    fields = ["level", "company", "role", "ends_on"]
    autocomplete_fields = ["company"]
    verbose_name = _("role on a company (level)")
    verbose_name_plural = _("roles on companies (levels)")
    role_level = Level.OWNER  # any of the company levels: their roles are the same


class PersonFilter(admin.SimpleListFilter):
    """The roles of one person (?person=<id>, as their user page links it); offers no list of people to pick from."""

    title = _("person")
    parameter_name = "person"

    def lookups(self, request, model_admin):
        # Only the person asked for (there are too many to offer): shown as the filter in force.
        person_id = query_id(self.value())
        person = User.objects.filter(pk=person_id).first() if person_id is not None else None
        return [(str(person.pk), str(person))] if person is not None else []

    def queryset(self, request, queryset):
        return queryset.filter(user_id=query_id(self.value())) if self.value() is not None else queryset


class EntityGrantAdminForm(forms.ModelForm):
    class Meta:
        model = EntityGrant
        fields = ["user", "content_object", "role", "ends_on"]


@admin.register(EntityGrant)
class EntityGrantAdmin(RolePickersAdmin, ServiceSavesAdmin):
    """Roles on single business entities, page by page and searchable (a person can hold tens of thousands); each
    save goes through the grant services, validated and audited."""

    form = EntityGrantAdminForm
    list_display = ["user", "content_object", "role", "ends_on", "granted_by", "created_at"]
    list_select_related = ["user", "content_object", "role", "granted_by"]
    list_filter = [PersonFilter]
    search_fields = ["user__email", "content_object__name"]
    autocomplete_fields = ["user", "content_object"]
    ordering = ["-pk"]

    def get_changeform_initial_data(self, request):
        return {"user": query_id(request.GET.get("user"))}

    def save_model(self, request, obj, form, change):
        stored = EntityGrant.objects.filter(pk=obj.pk).first() if change else None
        if stored is not None and (stored.user_id, stored.content_object_id) == (obj.user_id, obj.content_object_id):
            grant_kept_changed(request.user, stored, obj)
            return
        if stored is not None:
            # Another person or entity is another grant: revoke the old one, grant the new.
            grant_delete(actor=request.user, grant=stored)
        created = entity_grant_create(
            actor=request.user, user=obj.user, entity=obj.content_object, role=obj.role, ends_on=obj.ends_on
        )
        obj.pk = created.pk

    def delete_model(self, request, obj):
        grant_delete(actor=request.user, grant=obj)

    def delete_queryset(self, request, queryset):
        for grant in queryset.select_related("role", "content_object__instance", "user"):
            grant_delete(actor=request.user, grant=grant)


class DeviceInline(admin.TabularInline):
    """A user's second-factor devices, read only: they change through My account, the hand-over and the reset."""

    # Django's tabular rows open with the device's own text ("Authenticator app (email)"); ours with device_label.
    template = "admin/accounts/user/device_inline.html"
    extra = 0
    can_delete = False
    fields = ["device", "created"]
    readonly_fields = ["device", "created"]

    @admin.display(description=_("Sign-in method"))
    def device(self, obj):
        return device_label(obj)

    @admin.display(description=_("created"))
    def created(self, obj):
        created_at = getattr(obj, "created_at", None)
        return _when(created_at) if created_at else "—"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def _when(moment) -> str:
    # The admin shows a method's value as its text: a datetime would read "2026-12-01 07:00:00+00:00".
    return date_format(localtime(moment), "DATETIME_FORMAT")


def device_label(device) -> str:
    """A device as people read it: its method, whether it is confirmed, and when it was last used (if it records it)."""
    parts = [str(DEVICE_NAMES[type(device)]), str(_("confirmed") if device.confirmed else _("not confirmed yet"))]
    if hasattr(device, "last_used_at"):
        last_used = device.last_used_at
        parts.append(str(_("last used %(when)s") % {"when": _when(last_used)}) if last_used else str(_("never used")))
    return ", ".join(parts)


class TOTPDeviceInline(DeviceInline):
    model = TOTPDevice
    verbose_name = _("Authenticator app")
    verbose_name_plural = _("Second factor: authenticator app")


class SMSDeviceInline(DeviceInline):
    model = SMSDevice
    verbose_name = _("Text message (SMS)")
    verbose_name_plural = _("Second factor: text message (SMS)")
    # SMS devices keep no dates: a code is sent, used once and replaced.
    fields = ["device"]
    readonly_fields = ["device"]


class StaticDeviceInline(DeviceInline):
    model = StaticDevice
    verbose_name = _("Backup codes")
    verbose_name_plural = _("Second factor: backup codes")
    fields = ["device", "created", "codes_left"]
    readonly_fields = ["device", "created", "codes_left"]

    @admin.display(description=_("codes left"))
    def codes_left(self, obj):
        return obj.token_set.count()


# django-otp's own device pages show keys and change devices without our audit; ours are the inlines above.
# Groups would hand out Django's permissions beside our grants: roles decide in the cockpit, superuser status here.
for registered_model in (TOTPDevice, StaticDevice, Group):
    if admin.site.is_registered(registered_model):
        admin.site.unregister(registered_model)


class ExplainForm(forms.Form):
    """A business entity of the user's own cockpit, picked by name."""

    entity = forms.ModelChoiceField(
        label=_("Business entity"),
        queryset=BusinessEntity.objects.none(),
        error_messages={"invalid_choice": _("There is no business entity with this ID in the user's cockpit.")},
    )

    def __init__(self, *args, subject: User, **kwargs):
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["entity"])
        # Grants act only in their holder's own cockpit (the access rules), so only its entities are offered.
        field.queryset = BusinessEntity.objects.filter(instance_id=subject.company.instance_id).select_related(
            "owner", "service_provider", "customer"
        )
        # The picker searches what BusinessEntityAdmin searches; it needs the field's choices, set just above.
        # Django's own autocomplete looks a value typed into the URL up to show it again, and fails on one that
        # cannot be an id ("²", 10,000 digits); ours shows only values that can exist.
        field.widget = SafeAutocompleteSelect(EntityGrant._meta.get_field("content_object"), admin.site)
        field.widget.choices = field.choices


# The import's file between the preview and the confirmation: read and checked again on confirm, never trusted.
ADMIN_IMPORT_SESSION_KEY = "admin_people_import"


@admin.register(User)
class UserAdmin(RolePickersAdmin, AuditedDeletesAdmin, ServiceSavesAdmin, DjangoUserAdmin):
    form = UserAdminChangeForm
    add_form = UserAdminCreationForm
    list_display = ["email", "first_name", "last_name", "company", "is_active", "is_staff", "last_login"]
    list_filter = ["company__instance", "is_active", "is_staff", "sees_all_entities", "language"]
    list_select_related = ["company", "company__instance"]
    search_fields = ["email", "first_name", "last_name", "company__name"]
    ordering = ["email"]
    autocomplete_fields = ["company"]
    inlines = [CompanyGrantInline]
    actions = ["send_welcome_email"]
    fieldsets = (
        (None, {"fields": ("email", "password", "explain_link", "second_factor_links", "entity_grants_link")}),
        (_("Person"), {"fields": ("first_name", "last_name", "company", "mobile_phone", "language", "chat_enabled")}),
        (_("Business entities"), {"fields": ("sees_all_entities", "all_entities_role")}),
        (_("Access"), {"fields": ("is_active", "otp_required", "is_staff", "is_superuser")}),
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
    readonly_fields = ["last_login", "date_joined", "explain_link", "second_factor_links", "entity_grants_link"]
    device_inlines = [TOTPDeviceInline, SMSDeviceInline, StaticDeviceInline]

    def get_inlines(self, request, obj):
        return [*self.inlines, *self.device_inlines] if obj is not None else []

    @admin.display(description=_("Second factor"))
    def second_factor_links(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("admin:accounts_user_authenticator", args=[obj.pk]),
            _("Hand over an authenticator key…"),
            reverse("admin:accounts_user_second_factor_reset", args=[obj.pk]),
            _("Reset second factor…"),
        )

    @admin.display(description=_("Roles on single business entities"))
    def entity_grants_link(self, obj):
        """A count and links: the roles are listed page by page on their own changelist, however many they are."""
        if obj is None or obj.pk is None:
            return "—"
        changelist = reverse("admin:entities_entitygrant_changelist")
        return format_html(
            '{} · <a href="{}?{}={}">{}</a> · <a href="{}?user={}">{}</a>',
            EntityGrant.objects.filter(user=obj).count(),
            changelist,
            PersonFilter.parameter_name,
            obj.pk,
            _("Show them"),
            reverse("admin:entities_entitygrant_add"),
            obj.pk,
            _("Add one"),
        )

    @admin.display(description=_("Access"))
    def explain_link(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:accounts_user_explain", args=[obj.pk]), _("Explain access…")
        )

    def get_urls(self):
        return [
            path(
                "<int:user_id>/explain/",
                self.admin_site.admin_view(self.explain_view),
                name="accounts_user_explain",
            ),
            path(
                "<int:user_id>/authenticator/",
                self.admin_site.admin_view(self.authenticator_view),
                name="accounts_user_authenticator",
            ),
            path("import/", self.admin_site.admin_view(self.import_view), name="accounts_user_import"),
            path(
                "<int:user_id>/second-factor-reset/",
                self.admin_site.admin_view(self.second_factor_reset_view),
                name="accounts_user_second_factor_reset",
            ),
            *super().get_urls(),
        ]

    def explain_view(self, request, user_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        subject = get_object_or_404(User.objects.select_related("company", "all_entities_role"), pk=user_id)
        form = ExplainForm(request.GET or None, subject=subject)
        explanation = explain_access(subject.access_subject(), form.cleaned_data["entity"]) if form.is_valid() else None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Explain access of %(user)s") % {"user": subject},
            "subject": subject,
            "form": form,
            "explanation": explanation,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/accounts/user/explain.html", context)

    def _second_factor_page(self, request, user_id: int, template: str, title, **extra) -> TemplateResponse:
        subject = get_object_or_404(User.objects.select_related("company__instance"), pk=user_id)
        context = {
            **self.admin_site.each_context(request),
            "title": title % {"user": subject},
            "subject": subject,
            "opts": self.model._meta,
            **extra,
        }
        return TemplateResponse(request, template, context)

    def authenticator_view(self, request, user_id):
        """Create a user's authenticator key and show its QR code once, to hand over (seed 003's way)."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        title = _("Authenticator key for %(user)s")
        template = "admin/accounts/user/authenticator.html"
        if request.method != "POST":
            return self._second_factor_page(request, user_id, template, title)
        user = get_object_or_404(User, pk=user_id)
        try:
            device = totp_device_create(actor=request.user, user=user, confirmed=True)
        except PermissionDenied as error:
            self.message_user(request, str(error), messages.ERROR)
            return redirect("admin:accounts_user_change", user_id)
        response = self._second_factor_page(
            request, user_id, template, title, qr_code=totp_qr_code(device), manual_key=totp_manual_key(device)
        )
        response["Cache-Control"] = "no-store"
        return response

    def second_factor_reset_view(self, request, user_id):
        """For a lost phone: remove all of a user's devices and make them enrol at the next login."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            return self._second_factor_page(
                request,
                user_id,
                "admin/accounts/user/second_factor_reset.html",
                _("Reset the second factor of %(user)s"),
            )
        user = get_object_or_404(User, pk=user_id)
        try:
            second_factor_reset(actor=request.user, user=user)
        except PermissionDenied as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(
                request, _("%(user)s's devices are removed; they set up a new one at the next login.") % {"user": user}
            )
        return redirect("admin:accounts_user_change", user_id)

    def import_view(self, request):
        """People from a CSV file into the operator's own cockpit: User Management's import (users.imports,
        people_import), with the same checks, preview and single transaction, for operator staff in the admin."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        instance = request.user.company.instance
        reach = require_manager(request.user, instance)
        form, plan, status = PeopleFileForm(), None, 200
        pending = PendingImport(request.session, ADMIN_IMPORT_SESSION_KEY)
        if request.method == "POST" and request.POST.get("op") == "confirm":
            plan = pending.plan(reach)
            if plan is None:
                self.message_user(request, _("Upload the file again; nothing was saved."), messages.ERROR)
                return redirect("admin:accounts_user_import")
            try:
                result = people_import(actor=request.user, instance=instance, plan=plan)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
                status = 400
            else:
                pending.done()
                self.message_user(
                    request,
                    _("%(created)s people created (welcome emails on their way), %(changed)s given roles, "
                      "%(unchanged)s unchanged. Batch %(batch)s in the audit log.")
                    % {"created": result.created, "changed": result.changed, "unchanged": result.unchanged,
                       "batch": result.batch},
                )  # fmt: skip
                return redirect("admin:accounts_user_changelist")
        elif request.method == "POST":
            form = PeopleFileForm(request.POST, request.FILES)
            if form.is_valid():
                plan = pending.check(form.cleaned_data["file"], reach)
                if plan.problems:
                    form.add_error("file", plan.problems)
                    plan = None
            status = 400 if plan is None or plan.saves_nothing else 200
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import people"),
            "opts": self.model._meta,
            "cockpit": instance,
            "form": form,
            "plan": plan,
            "counts": plan.counts() if plan else None,
            "most": MAX_PEOPLE,
        }
        return TemplateResponse(request, "admin/accounts/user/import.html", context, status=status)

    @admin.action(description=_("Send the welcome email with a new temporary password"), permissions=["change"])
    def send_welcome_email(self, request, queryset):
        for user in queryset.select_related("company__instance"):
            try:
                delivery = welcome_email_resend_by_staff(actor=request.user, user=user)
            except (ValidationError, PermissionDenied) as error:
                # Worded so the admin's capitalised first letter never falls on an email address.
                reason = " ".join(getattr(error, "messages", [str(error)]))
                self.message_user(
                    request,
                    _("Not sent to %(email)s: %(reason)s") % {"email": user.email, "reason": reason},
                    messages.ERROR,
                )
                continue
            delivery.refresh_from_db()
            if delivery.state == OutgoingMessage.State.SENT:
                self.message_user(request, _("Welcome email sent to %(email)s.") % {"email": user.email})
            elif delivery.attempts:
                self.message_user(
                    request,
                    _("Not sent to %(email)s: %(reason)s") % {"email": user.email, "reason": delivery.last_error},
                    messages.ERROR,
                )
            else:
                self.message_user(request, _("Welcome email queued for %(email)s.") % {"email": user.email})

    def save_model(self, request, obj, form, change):
        # "Show all" needs a project-manager role on the operator's company (User.clean), which the grant rows
        # of this very page may be adding: switched on in save_related, once they are saved.
        if obj.sees_all_entities and not User.objects.filter(pk=obj.pk, sees_all_entities=True).exists():
            form.show_all_after_grants = {"sees_all_entities": True, "all_entities_role": obj.all_entities_role}
            obj.sees_all_entities, obj.all_entities_role = False, None
        user_save(actor=request.user, user=obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        show_all = getattr(form, "show_all_after_grants", None)
        if show_all:
            user_update(actor=request.user, user=form.instance, **show_all)

    def save_formset(self, request, form, formset, change):
        """Grants change through the services, so each change is validated and written to the audit log.

        A refused change raises ValidationError, and ServiceSavesAdmin rolls back the whole save.
        """
        instances = formset.save(commit=False)
        for grant in formset.deleted_objects:
            grant_delete(actor=request.user, grant=grant)
        for grant in instances:
            stored = type(grant).objects.filter(pk=grant.pk).first() if grant.pk else None
            if stored is not None and grant_target(stored) == grant_target(grant):
                grant_kept_changed(request.user, stored, grant)
                continue
            if stored is not None:
                # Another level, company or entity is another grant: revoke the old one, grant the new.
                grant_delete(actor=request.user, grant=stored)
            if isinstance(grant, CompanyGrant):
                company_grant_create(
                    actor=request.user,
                    user=grant.user,
                    level=grant.level,
                    company=grant.company,
                    role=grant.role,
                    ends_on=grant.ends_on,
                )
            else:
                entity_grant_create(
                    actor=request.user,
                    user=grant.user,
                    entity=grant.content_object,
                    role=grant.role,
                    ends_on=grant.ends_on,
                )


def grant_kept_changed(actor, stored: CompanyGrant | EntityGrant, changed: CompanyGrant | EntityGrant) -> None:
    """A grant kept on its target: its role and its end date change through their services, each audited."""
    if stored.role_id != changed.role_id:
        grant_change_role(actor=actor, grant=stored, role=changed.role)
    if stored.ends_on != changed.ends_on:
        grant_end_set(actor=actor, grant=stored, ends_on=changed.ends_on)


def grant_target(grant: CompanyGrant | EntityGrant) -> tuple:
    """What a grant is on: (level, company) or the entity; changing it makes another grant."""
    if isinstance(grant, CompanyGrant):
        return grant.level, grant.company_id
    return ("entity", grant.content_object_id)


class InactivityPolicyFormSet(forms.BaseInlineFormSet):
    """Saves the cockpit's inactivity policy through its audited service, as the request's user (set by the inline)."""

    actor: User | None = None

    def save(self, commit=True):
        super().save(commit=False)  # what the admin's own change message reads
        return [
            inactivity_policy_set(
                actor=cast(User, self.actor),
                instance=cast(Instance, self.instance),
                **{name: form.cleaned_data[name] for name in POLICY_FIELDS},
            )
            for form in self.forms
            if form.has_changed()
        ]


class InactivityPolicyInline(admin.StackedInline):
    """A cockpit's inactivity policy on the cockpit's own page: off by default, audited when changed."""

    model = InactivityPolicy
    formset = InactivityPolicyFormSet
    fields = list(POLICY_FIELDS)
    can_delete = False  # switched off, audited; never deleted unseen
    extra = 1
    max_num = 1

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.actor = request.user  # type: ignore[attr-defined]  # a class made for this request
        return formset


# entities knows nothing of inactivity: the cockpit's page shows the policy through entities' registry.
COCKPIT_PAGE_INLINES.register("inactivity_policy", InactivityPolicyInline)


# --- access reviews ------------------------------------------------------------------------------------------


class AdminReviewStartForm(ReviewStartForm):
    """User Management's start form for any cockpit: operator staff pick the cockpit and, optionally, one of its
    companies; review_start_by_staff checks the rest."""

    instance = forms.ModelChoiceField(label=_("Cockpit"), queryset=Instance.objects.order_by("name"))
    company = forms.ModelChoiceField(
        label=_("Scope"),
        queryset=Company.objects.select_related("instance"),
        required=False,
        help_text=_("A company of that cockpit, or empty for the whole cockpit."),
    )
    field_order = ["instance", "company"]

    def __init__(self, *args, **kwargs) -> None:
        # Not ReviewStartForm's own: no manager's reach narrows the pickers here.
        forms.Form.__init__(self, *args, **kwargs)
        self.fields["deadline"].initial = timezone.localdate() + timedelta(days=DEFAULT_DAYS)
        company = cast(forms.ModelChoiceField, self.fields["company"])
        company.widget = SafeAutocompleteSelect(AccessReview._meta.get_field("company"), admin.site)
        company.widget.choices = company.choices
        for name in ("subject", "reviewer_mode", "unanswered"):
            # The admin's style for a list of radio buttons (its labels take the width they need).
            self.fields[name].widget.attrs["class"] = "radiolist"


class RowsOfReviewFilter(admin.SimpleListFilter):
    """The rows of one review (?review=<id>, as the review's page links it); offers no list of reviews to pick from."""

    title = _("access review")
    parameter_name = "review"

    def lookups(self, request, model_admin):
        review_id = query_id(self.value())
        review = AccessReview.objects.filter(pk=review_id).first() if review_id is not None else None
        return [(str(review.pk), review.title)] if review is not None else []

    def has_output(self) -> bool:
        # Shown, and applied, even for a review that is not there: its rows are none, never every review's.
        return True

    def queryset(self, request, queryset):
        return queryset.filter(review_id=query_id(self.value())) if self.value() is not None else queryset


class MyRowsFilter(admin.SimpleListFilter):
    """The rows the signed-in operator staff review: those of reviews they started that no user manager covers."""

    title = _("reviewer")
    parameter_name = "mine"

    def lookups(self, request, model_admin):
        return [("1", _("Mine to answer"))]

    def queryset(self, request, queryset):
        return queryset.filter(reviewer=request.user) if self.value() == "1" else queryset


def _access_words(row: AccessReviewRow) -> str:
    """What a row's person held, as the review froze it: "Customer · Owner · Owner A"."""
    return " · ".join(str(part) for part in (row.role.label if row.role else "", row.level_label, row.place) if part)


def _rows_link(review: AccessReview, words) -> str:
    changelist = reverse("admin:users_accessreviewrow_changelist")
    return format_html('<a href="{}?{}={}">{}</a>', changelist, RowsOfReviewFilter.parameter_name, review.pk, words)


class ReviewAnswersAdmin:
    """For the review admins: answering and stopping are changes Django's "change" permission allows, made through
    the services only (the admin's own change and delete are off: reviews are history)."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_answer_permission(self, request) -> bool:
        return request.user.has_perm("users.change_accessreview")


REVIEW_PAGE_FIELDS = (
    "instance",
    "company",
    "subject",
    "reviewer_mode",
    "unanswered",
    "inactive_days",
    "last_day_shown",
    "started_by",
    "created_at",
    "state",
    "finished_at",
    "rows_counted",
    "rows_table",
)

# A review's page lists this many of its rows; all of them are on the rows' own list, page by page.
ROWS_ON_REVIEW_PAGE = 50


@admin.register(AccessReview)
class AccessReviewAdmin(ReviewAnswersAdmin, SafeInputAdmin, admin.ModelAdmin):
    """Every cockpit's access reviews, read only: started, stopped and answered through the review services."""

    list_display = [
        "title",
        "instance",
        "company",
        "subject",
        "state",
        "last_day_shown",
        "started_by",
        "rows_total",
        "rows_answered",
        "rows_removed",
    ]
    list_display_links = ["title"]
    list_filter = ["instance", "state"]
    list_select_related = ["instance", "company", "started_by"]
    search_fields = ["started_by__email"]
    actions = ["stop_applying", "stop_discarding"]
    fields = REVIEW_PAGE_FIELDS
    readonly_fields = REVIEW_PAGE_FIELDS

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                row_total=Count("rows"),
                answered=Count("rows", filter=~Q(rows__decision=Decision.NONE)),
                removed=Count("rows", filter=Q(rows__outcome=Outcome.REMOVED)),
            )
        )

    def has_add_permission(self, request) -> bool:
        # Starting is adding, through the service; Django's "add" permission allows it.
        return admin.ModelAdmin.has_add_permission(self, request)

    @admin.display(description=_("access review"), ordering="-created_at")
    def title(self, obj):
        return obj.title

    @admin.display(description=_("Last day to answer"), ordering="deadline")
    def last_day_shown(self, obj):
        return date_format(obj.last_day, "DATE_FORMAT")

    @admin.display(description=_("rows"), ordering="row_total")
    def rows_total(self, obj):
        return obj.row_total

    @admin.display(description=_("answered"))
    def rows_answered(self, obj):
        return obj.answered

    @admin.display(description=_("removed"))
    def rows_removed(self, obj):
        return obj.removed

    @admin.display(description=_("rows"))
    def rows_counted(self, obj):
        return _rows_link(
            obj,
            _("%(rows)s rows, %(answered)s answered, %(removed)s removed: show them all, and answer yours")
            % {"rows": obj.row_total, "answered": obj.answered, "removed": obj.removed},
        )

    @admin.display(description=_("The first rows"))
    def rows_table(self, obj):
        rows = obj.rows.select_related("person", "role", "given_by", "reviewer").order_by("pk")[:ROWS_ON_REVIEW_PAGE]
        headings = [_("person"), _("Access"), _("given by"), _("reviewer"), _("decision"), _("reason"), _("outcome")]
        return format_html(
            "<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>",
            format_html_join("", '<th scope="col">{}</th>', ((heading,) for heading in headings)),
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                (
                    (
                        row.person,
                        _access_words(row),
                        row.given_by or "—",
                        row.reviewer or "—",
                        row.get_decision_display(),
                        row.reason or "—",
                        row.get_outcome_display(),
                    )
                    for row in rows
                ),
            ),
        )

    def add_view(self, request, form_url="", extra_context=None):
        """Start a review in any cockpit through review_start_by_staff; what it refuses is shown on the form."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        # The cockpit's page links here with its own cockpit chosen.
        form = AdminReviewStartForm(request.POST or None, initial={"instance": query_id(request.GET.get("instance"))})
        if request.method == "POST" and form.is_valid():
            review = self._start(request, form)
            if review is not None:
                self.message_user(
                    request,
                    _("%(review)s started with %(rows)s rows.") % {"review": review.title, "rows": review.rows.count()},
                )
                return redirect("admin:users_accessreview_change", review.pk)
        # The admin's helpers take any form; django-stubs say a ModelForm.
        adminform = helpers.AdminForm(form, [(None, {"fields": list(form.fields)})], {}, model_admin=self)  # type: ignore[arg-type]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Start an access review"),
            "adminform": adminform,
            "object_id": None,
            "original": None,
            "is_popup": False,
            "to_field": None,
            "media": self.media + adminform.media,
            "inline_admin_formsets": [],
            "errors": helpers.AdminErrorList(form, []),  # type: ignore[arg-type]
            "preserved_filters": self.get_preserved_filters(request),
            "show_save_and_add_another": False,
            "show_save_and_continue": False,
        }
        return self.render_change_form(request, context, add=True, form_url=form_url)

    def _start(self, request, form: AdminReviewStartForm) -> AccessReview | None:
        data = form.cleaned_data
        try:
            return review_start_by_staff(
                actor=request.user,
                instance=data["instance"],
                company=data["company"],
                subject=data["subject"],
                reviewer_mode=data["reviewer_mode"],
                deadline=form.deadline_at(),
                unanswered=data["unanswered"],
                inactive_days=data["inactive_days"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        except PermissionDenied as error:
            form.add_error("company" if data["company"] else None, str(error))
        return None

    @admin.action(description=_("Stop early, applying the decisions so far"), permissions=["answer"])
    def stop_applying(self, request, queryset):
        self._stop(request, queryset, apply_decisions=True)

    @admin.action(description=_("Stop early, discarding the decisions"), permissions=["answer"])
    def stop_discarding(self, request, queryset):
        self._stop(request, queryset, apply_decisions=False)

    def _stop(self, request, queryset, *, apply_decisions: bool) -> None:
        for review in queryset.select_related("instance"):
            try:
                counts = review_stop_by_staff(actor=request.user, review=review, apply_decisions=apply_decisions)
            except (ValidationError, PermissionDenied) as error:
                reason = " ".join(getattr(error, "messages", [str(error)]))
                self.message_user(
                    request,
                    _("%(review)s not stopped: %(reason)s") % {"review": review.title, "reason": reason},
                    messages.ERROR,
                )
                continue
            self.message_user(
                request,
                ngettext(
                    "%(review)s is stopped; %(count)s access was removed.",
                    "%(review)s is stopped; %(count)s accesses were removed.",
                    counts["removed"],
                )
                % {"review": review.title, "count": counts["removed"]},
            )


ROW_PAGE_FIELDS = (
    "review_link",
    "person",
    "access",
    "given_by",
    "given_at",
    "reviewer",
    "decision",
    "reason",
    "decided_by",
    "decided_at",
    "outcome",
)


@admin.register(AccessReviewRow)
class AccessReviewRowAdmin(ReviewAnswersAdmin, SafeInputAdmin, admin.ModelAdmin):
    """The rows of every review, read only; operator staff answer theirs by the actions (review_decide_by_staff)."""

    list_display = ["person", "access", "reviewer", "decision", "reason", "outcome", "review_link"]
    list_select_related = ["review", "person", "role", "reviewer"]
    list_filter = [RowsOfReviewFilter, MyRowsFilter, "decision", "outcome"]
    search_fields = ["person__email"]
    actions = ["answer_keep", "answer_remove"]
    ordering = ["-review_id", "pk"]
    fields = ROW_PAGE_FIELDS
    readonly_fields = ROW_PAGE_FIELDS

    @admin.display(description=_("Access"))
    def access(self, obj):
        return _access_words(obj)

    @admin.display(description=_("access review"), ordering="review")
    def review_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:users_accessreview_change", args=[obj.review_id]), obj.review.title
        )

    @admin.action(description=_("Answer Keep (your rows)"), permissions=["answer"])
    def answer_keep(self, request, queryset):
        self._answer(request, queryset, Decision.KEEP)

    @admin.action(description=_("Answer Remove (your rows)"), permissions=["answer"])
    def answer_remove(self, request, queryset):
        self._answer(request, queryset, Decision.REMOVE)

    def _answer(self, request, queryset, decision: str) -> None:
        """Each review's chosen rows that the signed-in staff review, answered in one submit (reasons kept); the
        others are named and left to their reviewers."""
        rows = list(queryset.select_related("review__instance").order_by("review_id", "pk"))
        others = sum(row.reviewer_id != request.user.pk for row in rows)
        if others:
            self.message_user(
                request,
                ngettext(
                    "%(count)s row was not answered: it is another reviewer's.",
                    "%(count)s rows were not answered: they are other reviewers'.",
                    others,
                )
                % {"count": others},
                messages.WARNING,
            )
        for review, group in groupby((row for row in rows if row.reviewer_id == request.user.pk), lambda r: r.review):
            try:
                changed = review_decide_by_staff(
                    actor=request.user, review=review, decisions={row.pk: (decision, row.reason) for row in group}
                )
            except (ValidationError, PermissionDenied, Http404) as error:
                reason = " ".join(getattr(error, "messages", [str(error)]))
                self.message_user(
                    request,
                    _("%(review)s not answered: %(reason)s") % {"review": review.title, "reason": reason},
                    messages.ERROR,
                )
                continue
            self.message_user(
                request,
                ngettext("%(count)s answer saved.", "%(count)s answers saved.", changed) % {"count": changed},
            )


@admin.display(description=_("access reviews"))
def cockpit_access_reviews(instance: Instance) -> str:
    """On the cockpit's page: its reviews, and starting one."""
    if instance.pk is None:
        return "—"
    return format_html(
        '<a href="{}?instance__id__exact={}">{}</a> · <a href="{}?instance={}">{}</a>',
        reverse("admin:users_accessreview_changelist"),
        instance.pk,
        _("Show them"),
        reverse("admin:users_accessreview_add"),
        instance.pk,
        _("Start an access review"),
    )


COCKPIT_PAGE_FIELDS.register("access_reviews", cockpit_access_reviews)
