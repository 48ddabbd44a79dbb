"""A person's roles on single business entities as a paged list: give a role on many, change or remove many."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.generic import TemplateView

from core.query import page_number, query_text
from entities.access import EntityFilter, entity_page, visible_entities
from entities.models import BusinessEntity
from entities.requests import CockpitRequest
from users.forms import EntityGrantsActionForm, EntityGrantsGiveForm, EntityRoleChoiceForm
from users.permissions import Reach, access_grant_holder
from users.selectors import entity_grant_page
from users.services import (
    ENTITY_GRANTS_PER_ACTION,
    RightsLowered,
    entity_grants_change_role,
    entity_grants_end_set,
    entity_grants_give,
    entity_grants_remove,
)
from users.views.user import lowering_confirmed

# How many of the search's results the "give a role" part lists to check one by one.
FOUND_SHOWN = 50


class EntityGrantsView(TemplateView):
    """The person's roles on single entities (paged, searchable), and entities to give a role on (found by a search
    among those the manager sees). Each action is one service call: entity_grants_give / _change_role / _remove."""

    request: CockpitRequest
    template_name = "users/entity_grants.html"

    def dispatch(self, request, *args, **kwargs):
        self.target, self.reach, self.external = access_grant_holder(request.user, request.instance, kwargs["pk"])
        self.search = query_text(request.GET.get("q"))
        self.find = query_text(request.GET.get("find"))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        request, reach = self.request, self.reach
        grants = entity_grant_page(
            reach, self.target, external=self.external, search=self.search, number=page_number(request.GET.get("page"))
        )
        found = (
            entity_page(
                request.subject, request.instance, entity_filter=EntityFilter(search=self.find), per_page=FOUND_SHOWN
            )
            if self.find
            else None
        )
        return {
            **super().get_context_data(**kwargs),
            "target": self.target,
            "external": self.external,
            "grants": grants,
            "search": self.search,
            "find": self.find,
            "found": found,
            "most": ENTITY_GRANTS_PER_ACTION,
            "give_form": kwargs.get("give_form") or EntityGrantsGiveForm(reach=reach),
            "action_form": kwargs.get("action_form") or EntityGrantsActionForm(reach=reach),
            "query": urlencode({key: value for key, value in (("q", self.search), ("find", self.find)) if value}),
            "back": reverse(
                "users:user-external" if self.external else "users:user-edit",
                kwargs={"instance_slug": request.instance.slug, "pk": self.target.pk},
            ),
            "lowering": kwargs.get("lowering"),
            "lowering_post": [
                (name, value)
                for name in self.request.POST
                if name not in ("csrfmiddlewaretoken", "confirm_lowering")
                for value in self.request.POST.getlist(name)
            ],
        }

    def post(self, request, *args, **kwargs):
        if request.POST.get("op") == "give":
            return self.give(request)
        return self.act_on_rows(request)

    def give(self, request):
        form = EntityGrantsGiveForm(request.POST, reach=self.reach)
        if not form.is_valid():
            return self.refused(give_form=form)
        try:
            entities = self.chosen_entities(form)
            count = entity_grants_give(
                actor=request.user,
                instance=request.instance,
                user=self.target,
                entities=entities,
                role=form.cleaned_data["role"],
                ends_on=form.cleaned_data["ends_on"],
                lowering_confirmed=lowering_confirmed(request),
            )
        except RightsLowered as warning:
            return self.render_to_response(self.get_context_data(give_form=form, lowering=warning.messages))
        except ValidationError as error:
            return self.refused(give_form=form, error=error)
        messages.success(
            request,
            ngettext(
                "%(role)s given on %(count)s business entity.",
                "%(role)s given on %(count)s business entities.",
                count,
            )
            % {"role": form.cleaned_data["role"].label, "count": count},
        )
        return self.back_here()

    def chosen_entities(self, form: EntityGrantsGiveForm) -> list[BusinessEntity]:
        """The entities checked among the results, or all that match the search: only ever ones the manager sees."""
        reach: Reach = self.reach
        if form.cleaned_data["all_matching"]:
            if not self.find:
                raise ValidationError(_("Search for the business entities first."))
            matching = visible_entities(self.request.subject, self.request.instance).filter(
                Q(name__icontains=self.find) | Q(address__icontains=self.find)
            )
            return list(matching.order_by("name", "pk")[: ENTITY_GRANTS_PER_ACTION + 1])
        ids = form.cleaned_data["entities"]
        entities = list(BusinessEntity.objects.filter(instance=self.request.instance, pk__in=ids))
        if len(entities) != len(ids) or reach.visible_entity_ids(set(ids)) != set(ids):
            # One the manager cannot see reads exactly like one that does not exist.
            raise Http404("No such business entity.")
        return entities

    def act_on_rows(self, request):
        form = EntityGrantsActionForm(request.POST, reach=self.reach)
        if not form.is_valid():
            return self.refused(action_form=form)
        common = {"actor": request.user, "instance": request.instance, "user": self.target}
        ids = form.cleaned_data["grants"]
        try:
            if form.cleaned_data["action"] == "remove":
                count = entity_grants_remove(grant_ids=ids, **common)
                done = ngettext("%(count)s role removed.", "%(count)s roles removed.", count)
            elif form.cleaned_data["action"] == "end":
                count = entity_grants_end_set(grant_ids=ids, ends_on=form.cleaned_data["ends_on"], **common)
                done = ngettext("%(count)s role's end date set.", "%(count)s roles' end dates set.", count)
            else:
                role = form.cleaned_data["role"]
                if role is None:
                    form.add_error("role", _("Choose the new role."))
                    return self.refused(action_form=form)
                count = entity_grants_change_role(
                    grant_ids=ids, role=role, lowering_confirmed=lowering_confirmed(request), **common
                )
                done = ngettext("%(count)s role changed.", "%(count)s roles changed.", count)
        except RightsLowered as warning:
            return self.render_to_response(self.get_context_data(action_form=form, lowering=warning.messages))
        except ValidationError as error:
            return self.refused(action_form=form, error=error)
        messages.success(request, done % {"count": count})
        return self.back_here()

    def refused(self, *, error: ValidationError | None = None, **forms: EntityRoleChoiceForm):
        messages.error(request=self.request, message=" ".join(error.messages) if error else _("Nothing was changed."))
        return self.render_to_response(self.get_context_data(**forms), status=400)

    def back_here(self):
        query = self.request.GET.urlencode()
        return redirect(f"{self.request.path}?{query}" if query else self.request.path)
