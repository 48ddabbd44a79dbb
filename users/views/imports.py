"""Bringing in people from a CSV file: upload, a preview of every line, then one transaction on confirm."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from entities.models import COMPANY_LEVELS
from entities.requests import CockpitRequest
from users.forms import PeopleFileForm
from users.imports import MAX_PEOPLE, PendingImport
from users.permissions import require_manager
from users.services import people_import

# The file's text between the preview and the confirmation: read and checked again on confirm, never trusted.
IMPORT_SESSION_KEY = "people_import"
TEMPLATE_HEADER = "email,first_name,last_name,company,language,mobile_phone,roles\n"


class UserImportView(TemplateView):
    """GET: the upload. POST `op=preview` (a file): every line's plan. POST `op=confirm`: people_import."""

    request: CockpitRequest
    template_name = "users/user_import.html"

    def get(self, request, *args, **kwargs):
        require_manager(request.user, request.instance)
        return self.render_to_response(self.context(PeopleFileForm()))

    def context(self, form, plan=None):
        return {
            "form": form,
            "plan": plan,
            "counts": plan.counts() if plan else None,
            "most": MAX_PEOPLE,
            "levels": COMPANY_LEVELS,
        }

    def post(self, request, *args, **kwargs):
        require_manager(request.user, request.instance)
        if request.POST.get("op") == "confirm":
            return self.confirm(request)
        form = PeopleFileForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.context(form), status=400)
        plan = PendingImport(request.session, IMPORT_SESSION_KEY).check(form.cleaned_data["file"], self.reach(request))
        if plan.problems:
            form.add_error("file", plan.problems)
            return self.render_to_response(self.context(form), status=400)
        return self.render_to_response(self.context(PeopleFileForm(), plan), status=400 if plan.saves_nothing else 200)

    def reach(self, request):
        return require_manager(request.user, request.instance)

    def confirm(self, request):
        pending = PendingImport(request.session, IMPORT_SESSION_KEY)
        plan = pending.plan(self.reach(request))
        if plan is None:
            messages.error(request, _("Upload the file again; nothing was saved."))
            return redirect("users:user-import", instance_slug=request.instance.slug)
        try:
            result = people_import(actor=request.user, instance=request.instance, plan=plan)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return self.render_to_response(self.context(PeopleFileForm(), plan), status=400)
        pending.done()
        messages.success(
            request,
            _("%(created)s people created (welcome emails on their way), %(changed)s given roles, %(unchanged)s "
              "unchanged. Batch %(batch)s in the history.")
            % {"created": result.created, "changed": result.changed, "unchanged": result.unchanged,
               "batch": result.batch},
        )  # fmt: skip
        return redirect("users:user-list", instance_slug=request.instance.slug)


class UserImportTemplateView(View):
    """The template of the import, its columns as docs/user-management.md describes them, with an example line."""

    request: CockpitRequest

    def get(self, request, instance_slug):
        require_manager(request.user, request.instance)
        example = (
            "nora@example.com,Nora,Neu,Zurich Property AG,en,+41 79 555 12 12,Owner · Zurich Property AG: Customer"
        )
        response = HttpResponse(f"\ufeff{TEMPLATE_HEADER}{example}\n", content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="people-template.csv"'
        return response
