"""User Management's audit export: the history of the people a manager reads, as CSV or JSON Lines."""

from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import get_language
from django.views import View

from core.limits import ListingLimited
from entities.audit_export import FORMATS, AuditReader, audit_export
from entities.requests import CockpitRequest
from entities.services import audit_export_recorded
from users.audit_export import AuditExportForm
from users.permissions import require_manager
from users.selectors import audit_entries_in_reach


class AuditExportView(ListingLimited, View):
    """The entries about the manager's people (one person's, or a range of days), streamed and audited.

    A POST (with its CSRF token), so that no other site can make a signed-in browser export, or fill
    the audit log with exports.
    """

    request: CockpitRequest

    def post(self, request, instance_slug):
        reach = require_manager(request.user, request.instance)
        form = AuditExportForm(request.POST)
        if not form.is_valid():
            return HttpResponseBadRequest(
                " ".join(str(message) for errors in form.errors.values() for message in errors)
            )
        file_format = form.cleaned_data["file_format"]
        entries = audit_entries_in_reach(
            reach,
            person_id=form.cleaned_data["person"],
            since=form.cleaned_data["since"],
            until=form.cleaned_data["until"],
        )
        audit_export_recorded(
            actor=request.user, instance=request.instance, file_format=file_format, filters=form.filters()
        )
        reader = AuditReader(
            language=get_language(),
            zone=timezone.get_current_timezone(),
            visible_entities=reach.visible_entity_ids,
            show_internal=reach.is_operator_staff,
        )
        kind = FORMATS[file_format]
        response = StreamingHttpResponse(
            audit_export(entries, file_format=file_format, reader=reader), content_type=kind.content_type
        )
        response["Content-Disposition"] = f'attachment; filename="audit-log-{request.instance.slug}.{kind.extension}"'
        return response
