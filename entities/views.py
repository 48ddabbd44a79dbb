from django.contrib import messages
from django.forms import ModelForm
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from core.limits import ListingLimited
from core.query import page_number
from entities.forms import EntityFilterForm
from entities.permissions import (
    access_entity,
    access_entity_section,
    landing_section,
    require_entity_pages,
    user_can_edit_section,
    visible_sections,
)
from entities.requests import CockpitRequest
from entities.sections import SECTION_SPECS, display_rows, to_json
from entities.selectors import (
    analytics_figures,
    entity_list_page,
    filter_companies,
    master_data,
    section_data,
    section_entries,
    why_access,
)
from entities.services import master_data_update, section_entry_create, section_settings_update


class EntityListView(ListingLimited, TemplateView):
    request: CockpitRequest

    template_name = "entities/businessentity_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        subject, instance = self.request.subject, self.request.instance
        require_entity_pages(subject, instance)
        form = EntityFilterForm(
            self.request.GET or None, instance=instance, offered=filter_companies(subject=subject, instance=instance)
        )
        filters = form.cleaned_data if form.is_valid() else {}
        asked = page_number(self.request.GET.get("page"))
        page = entity_list_page(
            subject=subject,
            instance=instance,
            number=asked,
            search=filters.get("q", ""),
            owner=filters.get("owner"),
            service_provider=filters.get("service_provider"),
            customer=filters.get("customer"),
        )
        query = self.request.GET.copy()
        query.pop("page", None)
        form.show_chosen(
            {
                company.pk
                for entity, _role, _level in page.rows
                for company in (entity.owner, entity.service_provider, entity.customer)
            }
        )
        # Entity URLs are the list's URL plus the id; reversing one per row costs more than the query.
        list_url = reverse("entities:entity-list", kwargs={"instance_slug": instance.slug})
        context.update(
            form=form,
            company_filters=[form["owner"], form["service_provider"], form["customer"]],
            page=page,
            past_the_end=asked > page.number,
            rows=page.rows,
            query=query.urlencode(),
            list_url=list_url,
        )
        return context


class EntityDetailView(ListingLimited, View):
    """An entity's address opens its first tab the user may edit, else the first they may see."""

    request: CockpitRequest

    def get(self, request, instance_slug, pk):
        entity, _access = access_entity(request.subject, request.instance, pk)
        section = landing_section(request.subject, entity)
        if section is None:
            require_entity_pages(request.subject, request.instance)
            messages.info(request, _("Your role gives no tab on this business entity."))
            return redirect("entities:entity-list", instance_slug=instance_slug)
        return redirect("entities:entity-section", instance_slug=instance_slug, pk=pk, section=section)


class EntitySectionView(ListingLimited, TemplateView):
    request: CockpitRequest

    template_name = "entities/businessentity_section.html"

    def get(self, request, instance_slug, pk, section):
        entity, access = access_entity_section(request.subject, request.instance, pk, section)
        return self.render_section(entity, access, section, form=None)

    def render_section(self, entity, access, section, *, form, status=200):
        spec = SECTION_SPECS[section]
        can_edit = user_can_edit_section(self.request.subject, entity, section)
        if spec.kind == "list":
            data = None
        elif spec.kind == "master_data":
            data = master_data(entity=entity)
        else:
            data = section_data(entity=entity, section=section)
        if form is None and can_edit:
            form = spec.form_class(initial=data) if spec.kind != "list" else spec.form_class()
        context = {
            "entity": entity,
            "access": access,
            "section": section,
            "spec": spec,
            "tabs": [(code, SECTION_SPECS[code].label) for code in visible_sections(self.request.subject, entity)],
            "can_edit": can_edit,
            "form": form,
            "rows": display_rows(spec.form_class, data) if data is not None else None,
            "entries": section_entries(entity=entity, section=section) if spec.kind == "list" else None,
            "figures": analytics_figures(entity=entity) if section == "analytics" else None,
            "why": why_access(subject=self.request.subject, entity=entity),
            "edit_url": reverse(
                "entities:entity-section-edit",
                kwargs={"instance_slug": self.request.instance.slug, "pk": entity.pk, "section": section},
            ),
        }
        return self.render_to_response(self.get_context_data(**context), status=status)


class EntitySectionEditView(EntitySectionView):
    """Saves a tab. Only POST: the form is shown on the tab itself."""

    http_method_names = ["post"]

    def post(self, request, instance_slug, pk, section):
        entity, access = access_entity_section(request.subject, request.instance, pk, section, edit=True)
        spec = SECTION_SPECS[section]
        form = spec.form_class(request.POST)
        if not form.is_valid():
            messages.error(request, _("Please correct the errors below; nothing was saved."))
            return self.render_section(entity, access, section, form=form, status=400)
        if spec.kind == "master_data":
            master_data_update(actor=request.user, entity=entity, data=to_json(form.cleaned_data))
        elif spec.kind == "settings":
            section_settings_update(actor=request.user, entity=entity, section=section, data=to_json(form.cleaned_data))
        elif isinstance(form, ModelForm):  # list sections add a row
            section_entry_create(actor=request.user, entity=entity, entry=form.save(commit=False))
        messages.success(request, _("%(section)s saved.") % {"section": spec.label})
        return redirect("entities:entity-section", instance_slug=instance_slug, pk=pk, section=section)
