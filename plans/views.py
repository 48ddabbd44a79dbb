import logging

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from core.limits import ListingLimited
from entities.models import BusinessEntity
from entities.requests import CockpitRequest
from plans.forms import EntitySearchForm, PlanUploadForm
from plans.models import PlanKind, PlanStatus, plan_storage
from plans.permissions import (
    PlanRights,
    access_plan_file,
    access_plan_management,
    access_plan_page,
    access_plan_upload,
    awaiting_for_user,
    managed_entity_ids,
    require_plans,
    user_manages_plans,
)
from plans.selectors import awaiting_entities, entity_plan_files, entity_search, own_plan_files
from plans.services import plan_file_upload, plans_request, plans_request_clear

logger = logging.getLogger(__name__)
CONTENT_TYPES: dict[str, str] = {
    PlanKind.PDF: "application/pdf",
    PlanKind.DWG: "image/vnd.dwg",
    PlanKind.DXF: "image/vnd.dxf",
}


class PlanListView(ListingLimited, TemplateView):
    """Entities awaiting plans the user uploads for or manages; for managers, a search for an entity to ask plans of."""

    request: CockpitRequest

    template_name = "plans/plan_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, subject, instance = self.request.user, self.request.subject, self.request.instance
        require_plans(user, subject, instance)
        rows = awaiting_for_user(user, awaiting_entities(instance=instance))
        manages = user_manages_plans(user, subject, instance)
        search_form = EntitySearchForm(self.request.GET or None)
        search = search_form.cleaned_data["q"].strip() if manages and search_form.is_valid() else ""
        found = []
        if search:
            page = entity_search(subject=subject, instance=instance, search=search)
            managed = managed_entity_ids(user, [entity for entity, _role, _level in page.rows])
            found = [entity for entity, _role, _level in page.rows if entity.pk in managed]
        context.update(
            uploads=[row for row in rows if row.rights.can_upload],
            managed=[row for row in rows if row.rights.manages],
            manages=manages,
            search_form=search_form,
            search=search,
            found=found,
        )
        return context


def render_plan_page(
    request: CockpitRequest,
    entity: BusinessEntity,
    plan_status: PlanStatus | None,
    rights: PlanRights,
    *,
    form: PlanUploadForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """One entity's plans: the upload form, the files, and the request's buttons, each where the user may.

    A CAD plan provider, who does not view the entity's master data, sees its name and their own uploads only.
    """
    if rights.views:
        files = list(entity_plan_files(entity=entity))
    elif rights.uploads:
        files = list(own_plan_files(entity=entity, user=request.user))
    else:
        files = []
    context = {
        "entity": entity,
        "plan_status": plan_status,
        "rights": rights,
        "form": form or (PlanUploadForm() if rights.can_upload else None),
        "files": files,
    }
    return TemplateResponse(request, "plans/plan_entity.html", context, status=status)


class PlanEntityView(View):
    def get(self, request: CockpitRequest, instance_slug, pk):
        entity, plan_status, rights = access_plan_page(request.user, request.instance, pk)
        return render_plan_page(request, entity, plan_status, rights)


class PlanUploadView(View):
    http_method_names = ["post"]

    def post(self, request: CockpitRequest, instance_slug, pk):
        entity, plan_status, rights = access_plan_upload(request.user, request.instance, pk)
        form = PlanUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                plan_file = plan_file_upload(actor=request.user, entity=entity, upload=form.cleaned_data["file"])
            except ValidationError as error:
                form.add_error("file", error)
            else:
                messages.success(request, _("%(name)s was uploaded.") % {"name": plan_file.original_name})
                return redirect("plans:plan-entity", instance_slug=instance_slug, pk=pk)
        messages.error(request, _("The file was not uploaded; nothing was stored."))
        return render_plan_page(request, entity, plan_status, rights, form=form, status=400)


class PlanRequestView(View):
    http_method_names = ["post"]

    def post(self, request: CockpitRequest, instance_slug, pk):
        entity, _status, _rights = access_plan_management(request.user, request.instance, pk)
        plans_request(actor=request.user, entity=entity)
        messages.success(request, _("%(entity)s now awaits plans.") % {"entity": entity.name})
        return redirect("plans:plan-entity", instance_slug=instance_slug, pk=pk)


class PlanClearView(View):
    http_method_names = ["post"]

    def post(self, request: CockpitRequest, instance_slug, pk):
        entity, _status, _rights = access_plan_management(request.user, request.instance, pk)
        plans_request_clear(actor=request.user, entity=entity)
        messages.success(request, _("%(entity)s no longer awaits plans.") % {"entity": entity.name})
        if request.POST.get("back") == "list":
            return redirect("plans:plan-list", instance_slug=instance_slug)
        return redirect("plans:plan-entity", instance_slug=instance_slug, pk=pk)


class PlanDownloadView(View):
    """Streams a plan file as an attachment, after checking access on every request; plan files have no URL."""

    def get(self, request: CockpitRequest, instance_slug, pk, file_pk):
        plan_file = access_plan_file(request.user, request.instance, pk, file_pk)
        try:
            content = plan_storage().open(plan_file.stored_name, "rb")
        except FileNotFoundError:
            # The row outlived its bytes (a restore, a storage cleaned by hand): an operator must know.
            logger.error("Plan file %s (%s) is missing from the plans storage", plan_file.pk, plan_file.stored_name)
            raise Http404("This plan file is missing.") from None
        response = FileResponse(
            content,
            as_attachment=True,
            filename=plan_file.original_name,
            content_type=CONTENT_TYPES.get(plan_file.kind, "application/octet-stream"),
        )
        # Neither the browser nor a proxy keeps a copy: the next download asks for access again.
        response["Cache-Control"] = "private, no-store"
        return response
