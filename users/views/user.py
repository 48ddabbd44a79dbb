"""One user in User Management: create, edit, external roles, remove, reactivate, welcome again, explain."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from core.forms import add_service_error
from core.paging import CappedCountPaginator
from core.query import page_number
from entities.access import explain_access
from entities.history import history_rows
from entities.models import EntityGrant
from entities.requests import CockpitRequest
from outbox.delivery import delivery_flash
from outbox.services import latest_message
from users.forms import ExplainEntityForm, ManagedUserForm, company_grant_formset, entity_grant_formset
from users.permissions import (
    access_external_user,
    access_listed_user,
    access_managed_user,
    external_company_grants,
    require_manager,
    require_viewer,
)
from users.selectors import (
    entity_grant_count,
    holds_no_role,
    listed_user_reading,
    user_edit_version,
    user_history,
)
from users.services import (
    RightsLowered,
    external_grants_replace,
    user_deactivate,
    user_edit,
    user_invite,
    user_reactivate,
    welcome_email_resend,
)
from users.welcome import WELCOME_EMAILS

COUNT_CAP = CappedCountPaginator.COUNT_CAP


def lowering_confirmed(request) -> bool:
    """Whether the manager pressed "Save and lower the rights" (users.services.RightsLowered)."""
    return request.POST.get("confirm_lowering") == "1"


class UserFormView(TemplateView):
    """The create and edit pages share one form: profile plus authorizations, saved in one transaction."""

    request: CockpitRequest

    template_name = "users/user_form.html"

    def build(self, reach, data=None, user=None, company_initial=None):
        """The profile, the company roles, and (for a new user only) roles on single entities: an existing user's
        change row by row on their own list (EntityGrantsView), however many they hold."""
        return (
            ManagedUserForm(data, instance=user, reach=reach),
            company_grant_formset(data, prefix="company", reach=reach, initial=company_initial),
            entity_grant_formset(data, prefix="entity", reach=reach) if user is None else None,
        )

    def render(self, request, form, company_formset, entity_formset, status=200, **extra):
        context = {
            "form": form,
            "company_formset": company_formset,
            "entity_formset": entity_formset,
            **extra,
        }
        return self.response_class(request=request, template=[self.template_name], context=context, status=status)


class UserCreateView(UserFormView):
    def get(self, request, instance_slug):
        reach = require_manager(request.user, request.instance)
        return self.render(request, *self.build(reach))

    def post(self, request, instance_slug):
        reach = require_manager(request.user, request.instance)
        form, company_formset, entity_formset = self.build(reach, request.POST)
        assert entity_formset is not None  # a new user's roles on single entities come with the form
        if form.is_valid() and company_formset.is_valid() and entity_formset.is_valid():
            try:
                user, delivery = user_invite(
                    actor=request.user,
                    instance=request.instance,
                    company_grants=company_formset.requests(),
                    entity_grants=entity_formset.requests(),
                    lowering_confirmed=lowering_confirmed(request),
                    **form.profile(),
                )
            except RightsLowered as warning:
                return self.render(request, form, company_formset, entity_formset, lowering=warning.messages)
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("%(user)s has been created.") % {"user": user})
                delivery_flash(request, delivery)
                return redirect("users:user-edit", instance_slug=instance_slug, pk=user.pk)
        messages.error(request, _("Please correct the errors below; nothing was saved."))
        return self.render(request, form, company_formset, entity_formset, status=400)


class UserEditView(UserFormView):
    def context(self, reach, target):
        # Prefetched with the target by access_managed_user.
        company_grants = list(target.company_grants.all())
        entity_count, capped = entity_grant_count(reach, target, external=False)
        return {
            "target": target,
            "entity_grant_count": entity_count,
            "entity_grants_capped": capped,
            "holds_no_role": holds_no_role(target, company_grants=company_grants, entity_grant_count=entity_count),
            "history": history_rows(
                user_history(user=target, instance=reach.instance),
                visible_entities=reach.visible_entity_ids,
                show_internal=reach.is_operator_staff,
                show_private=True,
            ),
            "company_initial": [
                {"level": g.level, "company": g.company, "role": g.role, "ends_on": g.ends_on} for g in company_grants
            ],
            "is_operator_staff": reach.is_operator_staff,
            "welcome": latest_message(target, WELCOME_EMAILS.code) if target.awaits_first_login else None,
            "version": user_edit_version(target.pk),
            "max_attempts": settings.MESSAGE_MAX_ATTEMPTS,
        }

    def get(self, request, instance_slug, pk):
        if not require_viewer(request.user, request.instance).is_manager:
            return self.read_only(request, pk)
        target, reach = access_managed_user(request.user, request.instance, pk)
        extra = self.context(reach, target)
        forms = self.build(reach, None, target, extra.pop("company_initial"))
        return self.render(request, *forms, **extra)

    def changed_meanwhile(self, request, pk, error: ValidationError):
        """Another save came first: the current values, not the refused ones, so nothing is overwritten unseen."""
        target, reach = access_managed_user(request.user, request.instance, pk)
        extra = self.context(reach, target)
        form, company_formset, entity_formset = self.build(reach, None, target, extra.pop("company_initial"))
        messages.error(request, " ".join(error.messages))
        return self.render(request, form, company_formset, entity_formset, status=409, **extra)

    def read_only(self, request, pk):
        """For holders of a view-only users right (the Manager role): the person, their roles, their history."""
        target, reach = access_listed_user(request.user, request.instance, pk)
        company_grants, entity_grants, history = listed_user_reading(
            reach, target, page=page_number(request.GET.get("page"))
        )
        return self.response_class(
            request=request,
            template=["users/user_detail.html"],
            context={
                "target": target,
                "company_grants": company_grants,
                "entity_grants": entity_grants,
                "history": history,
            },
        )

    def post(self, request, instance_slug, pk):
        target, reach = access_managed_user(request.user, request.instance, pk)
        extra = self.context(reach, target)
        form, company_formset, entity_formset = self.build(reach, request.POST, target, extra.pop("company_initial"))
        if form.is_valid() and company_formset.is_valid():
            try:
                _user, delivery = user_edit(
                    actor=request.user,
                    instance=request.instance,
                    user=target,
                    company_grants=company_formset.requests(),
                    entity_grants=None,
                    seen_version=request.POST.get("version") or None,
                    lowering_confirmed=lowering_confirmed(request),
                    **form.profile(),
                )
            except RightsLowered as warning:
                return self.render(request, form, company_formset, entity_formset, lowering=warning.messages, **extra)
            except ValidationError as error:
                if getattr(error, "code", None) == "changed_meanwhile":
                    return self.changed_meanwhile(request, pk, error)
                add_service_error(form, error)
            else:
                messages.success(request, _("Changes to %(user)s saved.") % {"user": target})
                if delivery is not None:
                    # The address changed before the first login: the password sent to the old one is void.
                    delivery_flash(request, delivery)
                return redirect("users:user-edit", instance_slug=instance_slug, pk=pk)
        messages.error(request, _("Please correct the errors below; nothing was saved."))
        return self.render(request, form, company_formset, entity_formset, status=400, **extra)


class ExternalUserView(UserFormView):
    """An external user (employed elsewhere) with grants in the manager's reach: only those grants change here."""

    template_name = "users/user_external.html"

    def context(self, reach, target):
        company_grants = external_company_grants(reach, target)
        entity_count, capped = entity_grant_count(reach, target, external=True)
        held = target.company_grants.count() + EntityGrant.objects.filter(user=target).order_by()[:COUNT_CAP].count()
        return {
            "target": target,
            "elsewhere": max(0, held - len(company_grants) - entity_count),
            "entity_grant_count": entity_count,
            "entity_grants_capped": capped,
            "company_initial": [
                {"level": g.level, "company": g.company, "role": g.role, "ends_on": g.ends_on} for g in company_grants
            ],
            "version": user_edit_version(target.pk),
        }

    def forms(self, reach, target, data=None):
        extra = self.context(reach, target)
        company_formset = company_grant_formset(
            data, prefix="company", reach=reach, initial=extra.pop("company_initial")
        )
        return company_formset, None, extra

    def get(self, request, instance_slug, pk):
        target, reach = access_external_user(request.user, request.instance, pk)
        company_formset, entity_formset, extra = self.forms(reach, target)
        return self.render(request, None, company_formset, entity_formset, **extra)

    def post(self, request, instance_slug, pk):
        target, reach = access_external_user(request.user, request.instance, pk)
        company_formset, entity_formset, extra = self.forms(reach, target, request.POST)
        errors: list[str] = []
        if company_formset.is_valid():
            try:
                external_grants_replace(
                    actor=request.user,
                    instance=request.instance,
                    user=target,
                    company_grants=company_formset.requests(),
                    entity_grants=None,
                    seen_version=request.POST.get("version") or None,
                    lowering_confirmed=lowering_confirmed(request),
                )
            except RightsLowered as warning:
                return self.render(request, None, company_formset, entity_formset, lowering=warning.messages, **extra)
            except ValidationError as error:
                if getattr(error, "code", None) == "changed_meanwhile":
                    # The current grants, not the refused ones, so nothing is overwritten unseen.
                    company_formset, entity_formset, extra = self.forms(reach, target)
                    messages.error(request, " ".join(error.messages))
                    return self.render(request, None, company_formset, entity_formset, status=409, **extra)
                errors = error.messages
            else:
                messages.success(request, _("The authorizations of %(user)s are saved.") % {"user": target})
                return redirect("users:user-list", instance_slug=instance_slug)
        messages.error(request, _("Please correct the errors below; nothing was saved."))
        return self.render(request, None, company_formset, entity_formset, status=400, errors=errors, **extra)


class UserRemoveView(TemplateView):
    request: CockpitRequest

    template_name = "users/user_confirm_remove.html"

    def get_context_data(self, **kwargs):
        target, _reach = access_managed_user(self.request.user, self.request.instance, kwargs["pk"])
        return {**super().get_context_data(**kwargs), "target": target}

    def post(self, request, instance_slug, pk):
        target, _reach = access_managed_user(request.user, request.instance, pk)
        try:
            user_deactivate(actor=request.user, instance=request.instance, user=target)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("users:user-edit", instance_slug=instance_slug, pk=pk)
        messages.success(request, _("%(user)s has been removed and can no longer log in.") % {"user": target})
        return redirect("users:user-list", instance_slug=instance_slug)


class UserReactivateView(View):
    def post(self, request, instance_slug, pk):
        target, _reach = access_managed_user(request.user, request.instance, pk)
        delivery = user_reactivate(actor=request.user, instance=request.instance, user=target)
        if delivery is None:
            messages.info(request, _("%(user)s is active already; no email was sent.") % {"user": target})
        else:
            messages.success(request, _("%(user)s can log in again.") % {"user": target})
            delivery_flash(request, delivery)
        return redirect("users:user-edit", instance_slug=instance_slug, pk=pk)


class UserResendWelcomeView(View):
    def post(self, request, instance_slug, pk):
        target, _reach = access_managed_user(request.user, request.instance, pk)
        try:
            delivery = welcome_email_resend(actor=request.user, instance=request.instance, user=target)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            delivery_flash(request, delivery)
        if request.POST.get("back") == "list":
            return redirect("users:user-list", instance_slug=instance_slug)
        return redirect("users:user-edit", instance_slug=instance_slug, pk=pk)


class UserExplainView(TemplateView):
    """For a user manager: why does a user they manage see a business entity with a role, or why not?"""

    request: CockpitRequest

    template_name = "users/user_explain.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        target, reach = access_managed_user(self.request.user, self.request.instance, kwargs["pk"])
        form = ExplainEntityForm(self.request.GET or None, reach=reach)
        explanation = explain_access(target.access_subject(), form.cleaned_data["entity"]) if form.is_valid() else None
        return {**context, "target": target, "form": form, "explanation": explanation}
