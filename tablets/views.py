"""The tablet pages: the list, add one, add many, a tablet's page with its history and, for managers, its actions."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from core.forms import add_service_error
from core.limits import ListingLimited
from core.query import page_number, query_text
from entities.requests import CockpitRequest
from tablets.forms import TabletAddForm, TabletAssignForm, TabletBulkForm, TabletEditForm, TabletRetireForm
from tablets.models import EDITABLE_STATES, Tablet, TabletState
from tablets.permissions import (
    access_managed_tablet,
    access_tablet,
    assignable_entities,
    entity_labels,
    manages_tablets,
    require_tablets,
)
from tablets.selectors import tablet_history, tablet_page
from tablets.services import (
    tablet_add,
    tablet_assign,
    tablet_retire,
    tablet_unassign,
    tablet_update,
    tablets_add_bulk,
)

ENTITY_CHOICES_SHOWN = 500


class TabletListView(ListingLimited, TemplateView):
    template_name = "tablets/tablet_list.html"
    request: CockpitRequest

    def get_context_data(self, **kwargs):
        user, instance = self.request.user, self.request.instance
        require_tablets(user, instance)
        search = query_text(self.request.GET.get("q"))
        state = self.request.GET.get("state", "")
        page = tablet_page(
            user=user, instance=instance, search=search, state=state, number=page_number(self.request.GET.get("page"))
        )
        query = self.request.GET.copy()
        query.pop("page", None)
        return {
            **super().get_context_data(**kwargs),
            "page": page,
            "search": search,
            "state": state if state in TabletState.values else "",
            "states": TabletState.choices,
            "query": query.urlencode(),
            "manages": manages_tablets(user, instance),
        }


class TabletAddView(TemplateView):
    template_name = "tablets/tablet_add.html"
    request: CockpitRequest

    def get(self, request, instance_slug):
        require_tablets(request.user, request.instance)
        return self.render_to_response({"form": TabletAddForm()})

    def post(self, request, instance_slug):
        require_tablets(request.user, request.instance)
        form = TabletAddForm(request.POST)
        if form.is_valid():
            try:
                tablet = tablet_add(actor=request.user, instance=request.instance, **form.cleaned_data)
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("Tablet %(serial)s is added.") % {"serial": tablet.serial_number})
                return redirect("tablets:tablet-detail", instance_slug=instance_slug, pk=tablet.pk)
        return self.render_to_response({"form": form}, status=400)


class TabletBulkAddView(TemplateView):
    template_name = "tablets/tablet_bulk.html"
    request: CockpitRequest

    def get(self, request, instance_slug):
        require_tablets(request.user, request.instance)
        return self.render_to_response({"form": TabletBulkForm()})

    def post(self, request, instance_slug):
        require_tablets(request.user, request.instance)
        form = TabletBulkForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                tablets = tablets_add_bulk(actor=request.user, instance=request.instance, lines=form.parsed_lines())
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("%(count)d tablets are added.") % {"count": len(tablets)})
                return redirect("tablets:tablet-list", instance_slug=instance_slug)
        return self.render_to_response({"form": form}, status=400)


class TabletDetailView(TemplateView):
    """A tablet's facts and history; for managers also its edit form, assign, unassign and retire."""

    template_name = "tablets/tablet_detail.html"
    request: CockpitRequest

    def context(self, tablet: Tablet, **forms) -> dict:
        user, instance = self.request.user, self.request.instance
        manages = manages_tablets(user, instance)
        context = {
            "tablet": tablet,
            "manages": manages,
            "history": tablet_history(user=user, instance=instance, tablet=tablet),
        }
        if tablet.entity is not None:
            context["entity_label"] = entity_labels(user, instance, [tablet.entity])[tablet.entity.pk]
        if manages:
            entity_search = query_text(self.request.GET.get("entity_q"))
            entities = assignable_entities(user, instance)
            assign_form = forms.get("assign_form") or TabletAssignForm(entities=entities)
            shown = entities.filter(name__icontains=entity_search) if entity_search else entities
            shown_list = list(shown.only("pk", "name")[: ENTITY_CHOICES_SHOWN + 1])
            assign_form.fields["entity"].widget.choices = [
                ("", _("Choose an entity")),
                *[(entity.pk, entity.name) for entity in shown_list[:ENTITY_CHOICES_SHOWN]],
            ]
            context.update(
                edit_form=forms.get("edit_form")
                or TabletEditForm(
                    initial={"model": tablet.model, "state": tablet.state, "notes": tablet.notes},
                    with_state=tablet.state in EDITABLE_STATES,
                ),
                assign_form=assign_form,
                retire_form=forms.get("retire_form") or TabletRetireForm(),
                failed_form=next(iter(forms.values()), None),
                entity_search=entity_search,
                entities_cut=len(shown_list) > ENTITY_CHOICES_SHOWN,
            )
        return context

    def get(self, request, instance_slug, pk):
        return self.render_to_response(self.context(access_tablet(request.user, request.instance, pk)))

    def post(self, request, instance_slug, pk):
        # The page's own edit form posts to /edit/; a POST here is an edit too, and 404 for non-managers.
        return TabletEditView.as_view()(request, instance_slug=instance_slug, pk=pk)


class TabletActionView(TabletDetailView):
    """A manager's POST on a tablet; providers and everyone else get 404, for GET and POST alike."""

    def get(self, request, instance_slug, pk):
        access_managed_tablet(request.user, request.instance, pk)
        return redirect("tablets:tablet-detail", instance_slug=instance_slug, pk=pk)

    def post(self, request, instance_slug, pk):
        tablet = access_managed_tablet(request.user, request.instance, pk)
        name, form = self.bound_form(tablet)
        if form.is_valid():
            try:
                done = self.act(tablet, form)
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, done)
                return redirect("tablets:tablet-detail", instance_slug=instance_slug, pk=pk)
        tablet.refresh_from_db()
        return self.render_to_response(self.context(tablet, **{name: form}), status=400)

    def bound_form(self, tablet: Tablet) -> tuple[str, Form]:
        raise NotImplementedError

    def act(self, tablet: Tablet, form) -> str:
        raise NotImplementedError


class TabletEditView(TabletActionView):
    def bound_form(self, tablet):
        return "edit_form", TabletEditForm(self.request.POST, with_state=tablet.state in EDITABLE_STATES)

    def act(self, tablet, form):
        tablet_update(actor=self.request.user, tablet=tablet, **form.cleaned_data)
        return _("Tablet %(serial)s is saved.") % {"serial": tablet.serial_number}


class TabletAssignView(TabletActionView):
    def bound_form(self, tablet):
        entities = assignable_entities(self.request.user, self.request.instance)
        return "assign_form", TabletAssignForm(self.request.POST, entities=entities)

    def act(self, tablet, form):
        entity = form.cleaned_data["entity"]
        tablet_assign(actor=self.request.user, tablet=tablet, entity=entity)
        return _("Tablet %(serial)s is assigned to %(entity)s.") % {"serial": tablet.serial_number, "entity": entity}


class TabletUnassignView(TabletActionView):
    def bound_form(self, tablet):
        return "action_form", Form(self.request.POST)

    def act(self, tablet, form):
        tablet_unassign(actor=self.request.user, tablet=tablet)
        return _("Tablet %(serial)s is back in stock.") % {"serial": tablet.serial_number}


class TabletRetireView(TabletActionView):
    def bound_form(self, tablet):
        return "retire_form", TabletRetireForm(self.request.POST)

    def act(self, tablet, form):
        tablet_retire(actor=self.request.user, tablet=tablet, reason=form.cleaned_data["reason"])
        return _("Tablet %(serial)s is retired.") % {"serial": tablet.serial_number}
