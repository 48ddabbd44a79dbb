"""Writes of the plans app: request plans, clear the request, upload and delete plan files.

Each is one transaction, told who acts, audited, and refuses an actor without the right
(plans.permissions) whatever calls it: a page, the Django admin or a forged request.
`actor=None` is the system (seed data, commands): it may request and clear plans and
delete files; an upload always has a person who uploads it.
"""

import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from entities.audit import audit_record
from entities.models import BusinessEntity
from plans.models import PlanFile, PlanStatus, plan_storage
from plans.permissions import (
    MAY_NOT_DELETE,
    MAY_NOT_MANAGE,
    MAY_NOT_UPLOAD,
    NOT_AWAITING,
    may_manage_plans,
    may_upload_plans,
)
from plans.uploads import inspect_upload


def _require_manager(actor: User | None, entity: BusinessEntity) -> None:
    if actor is not None and not may_manage_plans(actor, entity):
        raise PermissionDenied(MAY_NOT_MANAGE)


@transaction.atomic
def plans_request(*, actor: User | None, entity: BusinessEntity) -> PlanStatus:
    """Flag the entity "awaiting plans": its CAD plan providers may upload from now on. A new request starts afresh.

    PermissionDenied unless the actor manages the entity's plans; `actor=None` is the system.
    """
    _require_manager(actor, entity)
    status, _created = PlanStatus.objects.select_for_update().get_or_create(entity=entity)
    if status.awaiting_plans:
        return status
    status.awaiting_plans = True
    status.flagged_at = timezone.now()
    status.flagged_by = actor
    status.received_at = None
    status.save()
    audit_record(
        actor=actor,
        action="plans.requested",
        target=entity,
        instance=entity.instance,
        changes={"awaiting_plans": (False, True)},
        params={"entity": entity.pk},
    )
    return status


@transaction.atomic
def plans_request_clear(*, actor: User | None, entity: BusinessEntity) -> PlanStatus | None:
    """The entity awaits no plans any more: its CAD plan providers no longer reach it. Its files stay.

    PermissionDenied unless the actor manages the entity's plans; `actor=None` is the system.
    None for an entity whose plans were never requested (nothing to clear, nothing stored).
    """
    _require_manager(actor, entity)
    status = PlanStatus.objects.select_for_update().filter(entity=entity).first()
    if status is None or not status.awaiting_plans:
        return status
    status.awaiting_plans = False
    status.save(update_fields=["awaiting_plans"])
    audit_record(
        actor=actor,
        action="plans.cleared",
        target=entity,
        instance=entity.instance,
        changes={"awaiting_plans": (True, False)},
        params={"entity": entity.pk},
    )
    return status


def _stored_name(entity: BusinessEntity, kind: str) -> str:
    """An unguessable name: nothing of the upload's own name, 192 random bits."""
    return f"{entity.instance_id}/{entity.pk}/{secrets.token_urlsafe(24)}.{kind}"


@transaction.atomic
def plan_file_upload(*, actor: User, entity: BusinessEntity, upload: UploadedFile) -> PlanFile:
    """Check and store one plan file for an entity awaiting plans, and mark its plans received.

    PermissionDenied unless the actor's deciding role, or a special role of theirs, on the entity edits plan upload.
    ValidationError, and nothing stored, for an entity that awaits no plans and for a file
    too large, empty, not a PDF, DWG or DXF, or named for another kind than its content.
    The request stays open: the manager clears it once every plan is in.
    """
    if not may_upload_plans(actor, entity):
        raise PermissionDenied(MAY_NOT_UPLOAD)
    status = PlanStatus.objects.select_for_update().filter(entity=entity).first()
    if status is None or not status.awaiting_plans:
        raise ValidationError(NOT_AWAITING, code="not_awaiting")
    inspected = inspect_upload(upload)
    storage = plan_storage()
    stored_name = storage.save(_stored_name(entity, inspected.kind), upload)
    try:
        plan_file = PlanFile.objects.create(
            entity=entity,
            stored_name=stored_name,
            original_name=inspected.original_name,
            size=inspected.size,
            sha256=inspected.sha256,
            kind=inspected.kind,
            uploaded_by=actor,
        )
        if status.received_at is None:
            status.received_at = plan_file.uploaded_at
            status.save(update_fields=["received_at"])
        audit_record(
            actor=actor,
            action="plans.file_uploaded",
            target=plan_file,
            instance=entity.instance,
            changes={
                "file": (None, inspected.original_name),
                "size": (None, inspected.size),
                "sha256": (None, inspected.sha256),
            },
            params={"entity": entity.pk},
        )
    except BaseException:
        # The row failed: the bytes must not outlive it.
        storage.delete(stored_name)
        raise
    return plan_file


@transaction.atomic
def plan_file_delete(*, actor: User | None, plan_file: PlanFile) -> None:
    """Delete a plan file's record, and its bytes once the deletion is committed.

    PermissionDenied unless the actor is operator staff (the Django admin deletes); `actor=None` is the system.
    """
    if actor is not None and not actor.is_operator_staff:
        raise PermissionDenied(MAY_NOT_DELETE)
    entity = plan_file.entity
    audit_record(
        actor=actor,
        action="plans.file_deleted",
        target=plan_file,
        instance=entity.instance,
        changes={"file": (plan_file.original_name, None), "sha256": (plan_file.sha256, None)},
        params={"entity": entity.pk},
    )
    stored_name = plan_file.stored_name
    plan_file.delete()
    # Bytes deleted before the commit could not come back if the transaction rolled back.
    transaction.on_commit(lambda: plan_storage().delete(stored_name))
