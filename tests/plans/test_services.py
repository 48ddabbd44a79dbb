"""The plans services: who may act, what they store, what they refuse and what the audit log keeps."""

import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from entities.models import AuditLogEntry
from plans.demo import minimal_pdf
from plans.models import PlanFile, PlanStatus, plan_storage
from plans.services import plan_file_delete, plan_file_upload, plans_request, plans_request_clear
from tests.factories import BusinessEntityFactory, UserFactory, grant_entity_role
from tests.support.plan_files import pdf

pytestmark = pytest.mark.django_db


def audit(action: str):
    return AuditLogEntry.objects.filter(action=action)


# --- upload ------------------------------------------------------------------------------------


def test_an_upload_records_who_when_name_size_and_checksum(cad_provider, new_building):
    before = timezone.now()
    content = minimal_pdf()

    plan_file = plan_file_upload(actor=cad_provider, entity=new_building, upload=pdf("grundriss-eg.pdf", content))

    plan_file.refresh_from_db()
    assert plan_file.entity == new_building
    assert plan_file.uploaded_by == cad_provider
    assert plan_file.uploaded_at >= before
    assert plan_file.original_name == "grundriss-eg.pdf"
    assert plan_file.size == len(content)
    assert plan_file.sha256 == hashlib.sha256(content).hexdigest()
    assert plan_file.kind == "pdf"


def test_an_upload_stores_the_bytes_under_a_random_name(cad_provider, new_building, stored_files):
    plan_file = plan_file_upload(actor=cad_provider, entity=new_building, upload=pdf("grundriss-eg.pdf"))

    assert stored_files() == [plan_file.stored_name]
    assert "grundriss" not in plan_file.stored_name
    with plan_storage().open(plan_file.stored_name, "rb") as stored:
        assert stored.read() == minimal_pdf()


def test_the_first_upload_marks_the_plans_received(cad_provider, new_building):
    plan_file = plan_file_upload(actor=cad_provider, entity=new_building, upload=pdf())

    assert PlanStatus.objects.get(entity=new_building).received_at == plan_file.uploaded_at


def test_a_later_upload_keeps_when_the_plans_were_first_received(cad_provider, new_building, upload):
    plan_file_upload(actor=cad_provider, entity=new_building, upload=pdf("schnitt.pdf"))

    assert PlanStatus.objects.get(entity=new_building).received_at == upload.uploaded_at


def test_an_upload_leaves_the_request_open(cad_provider, new_building, upload):
    assert PlanStatus.objects.get(entity=new_building).awaiting_plans


def test_an_upload_is_audited(cad_provider, new_building):
    plan_file = plan_file_upload(actor=cad_provider, entity=new_building, upload=pdf("grundriss-eg.pdf"))

    entry = audit("plans.file_uploaded").get()
    assert entry.actor_id == cad_provider.pk
    assert entry.target_id == str(plan_file.pk)
    assert entry.instance_id == new_building.instance_id
    assert entry.changes["file"] == [None, "grundriss-eg.pdf"]
    assert entry.changes["sha256"] == [None, plan_file.sha256]
    assert entry.params == {"entity": new_building.pk}


def test_a_refused_file_stores_nothing(cad_provider, new_building, stored_files):
    with pytest.raises(ValidationError):
        plan_file_upload(actor=cad_provider, entity=new_building, upload=pdf(content=b"not a pdf at all"))

    assert stored_files() == []
    assert not PlanFile.objects.exists()
    assert not audit("plans.file_uploaded").exists()
    assert PlanStatus.objects.get(entity=new_building).received_at is None


def test_an_upload_for_an_entity_no_longer_awaiting_plans_is_refused(cad_provider, new_building, stored_files):
    plans_request_clear(actor=None, entity=new_building)

    with pytest.raises(ValidationError) as refused:
        plan_file_upload(actor=cad_provider, entity=new_building, upload=pdf())

    assert refused.value.code == "not_awaiting"
    assert stored_files() == []
    assert not PlanFile.objects.exists()


def test_an_upload_for_an_entity_whose_plans_were_never_requested_is_refused(cad_provider, old_building, stored_files):
    grant_entity_role(cad_provider, old_building, "cad-plan-provider")

    with pytest.raises(ValidationError):
        plan_file_upload(actor=cad_provider, entity=old_building, upload=pdf())

    assert stored_files() == []
    assert not PlanStatus.objects.filter(entity=old_building).exists()


def test_a_customer_may_not_upload(customer, new_building, stored_files):
    with pytest.raises(PermissionDenied):
        plan_file_upload(actor=customer, entity=new_building, upload=pdf())

    assert stored_files() == []
    assert not PlanFile.objects.exists()


def test_a_manager_editing_master_data_may_not_upload(manager, new_building):
    with pytest.raises(PermissionDenied):
        plan_file_upload(actor=manager, entity=new_building, upload=pdf())


def test_a_cad_plan_provider_of_another_entity_may_not_upload(cad_provider, other_new_building, stored_files):
    with pytest.raises(PermissionDenied):
        plan_file_upload(actor=cad_provider, entity=other_new_building, upload=pdf())

    assert stored_files() == []


def test_a_user_of_another_cockpit_may_not_upload(foreign_user, new_building, stored_files):
    with pytest.raises(PermissionDenied):
        plan_file_upload(actor=foreign_user, entity=new_building, upload=pdf())

    assert stored_files() == []


def test_a_deactivated_cad_plan_provider_may_not_upload(cad_provider, new_building):
    cad_provider.is_active = False
    cad_provider.save()

    with pytest.raises(PermissionDenied):
        plan_file_upload(actor=cad_provider, entity=new_building, upload=pdf())


# --- request and clear -------------------------------------------------------------------------


def test_requesting_plans_flags_the_entity_with_who_and_when(manager, old_building):
    status = plans_request(actor=manager, entity=old_building)

    status.refresh_from_db()
    assert status.awaiting_plans
    assert status.flagged_by == manager
    assert status.flagged_at is not None


def test_requesting_plans_is_audited(manager, old_building):
    plans_request(actor=manager, entity=old_building)

    entry = audit("plans.requested").get(target_id=str(old_building.pk))
    assert entry.actor_id == manager.pk
    assert entry.changes == {"awaiting_plans": [False, True]}


def test_requesting_plans_again_changes_and_audits_nothing(manager, new_building):
    before = audit("plans.requested").count()

    plans_request(actor=manager, entity=new_building)

    assert audit("plans.requested").count() == before
    assert PlanStatus.objects.get(entity=new_building).flagged_by is None  # still the system's request


def test_a_new_request_after_clearing_starts_afresh(manager, new_building, upload):
    plans_request_clear(actor=manager, entity=new_building)

    status = plans_request(actor=manager, entity=new_building)

    assert status.awaiting_plans
    assert status.received_at is None


def test_clearing_the_request_is_audited(manager, new_building):
    plans_request_clear(actor=manager, entity=new_building)

    assert not PlanStatus.objects.get(entity=new_building).awaiting_plans
    entry = audit("plans.cleared").get()
    assert entry.actor_id == manager.pk
    assert entry.changes == {"awaiting_plans": [True, False]}


def test_clearing_the_request_keeps_the_files(manager, new_building, upload, stored_files):
    plans_request_clear(actor=manager, entity=new_building)

    assert list(PlanFile.objects.filter(entity=new_building)) == [upload]
    assert stored_files() == [upload.stored_name]


def test_clearing_an_entity_whose_plans_were_never_requested_stores_nothing(manager, old_building):
    assert plans_request_clear(actor=manager, entity=old_building) is None

    assert not PlanStatus.objects.filter(entity=old_building).exists()
    assert not audit("plans.cleared").exists()


def test_the_system_requests_and_clears_plans(old_building):
    plans_request(actor=None, entity=old_building)
    plans_request_clear(actor=None, entity=old_building)

    assert [entry.actor_label for entry in audit("plans.requested").filter(target_id=str(old_building.pk))] == [
        "system"
    ]
    assert audit("plans.cleared").get().actor_label == "system"


def test_operator_staff_request_and_clear_plans_without_a_role_on_the_entity(operator_staff, old_building):
    plans_request(actor=operator_staff, entity=old_building)
    plans_request_clear(actor=operator_staff, entity=old_building)

    assert audit("plans.cleared").get().actor_id == operator_staff.pk


def test_operator_staff_request_plans_in_another_cockpit(operator_staff, other_instance):
    entity = BusinessEntityFactory(instance=other_instance)

    assert plans_request(actor=operator_staff, entity=entity).awaiting_plans


def test_a_cad_plan_provider_may_not_request_or_clear_plans(cad_provider, new_building, old_building):
    with pytest.raises(PermissionDenied):
        plans_request(actor=cad_provider, entity=old_building)
    with pytest.raises(PermissionDenied):
        plans_request_clear(actor=cad_provider, entity=new_building)

    assert PlanStatus.objects.get(entity=new_building).awaiting_plans


def test_a_customer_viewing_master_data_may_not_request_or_clear_plans(customer, new_building):
    with pytest.raises(PermissionDenied):
        plans_request(actor=customer, entity=new_building)
    with pytest.raises(PermissionDenied):
        plans_request_clear(actor=customer, entity=new_building)


def test_a_user_of_another_cockpit_may_not_request_or_clear_plans(foreign_user, new_building, old_building):
    with pytest.raises(PermissionDenied):
        plans_request(actor=foreign_user, entity=old_building)
    with pytest.raises(PermissionDenied):
        plans_request_clear(actor=foreign_user, entity=new_building)


def test_a_user_without_a_role_on_the_entity_may_not_request_plans(stranger, old_building):
    with pytest.raises(PermissionDenied):
        plans_request(actor=stranger, entity=old_building)


# --- delete ------------------------------------------------------------------------------------


def test_deleting_a_plan_file_removes_its_row_and_after_the_commit_its_bytes(
    operator_staff, upload, stored_files, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        plan_file_delete(actor=operator_staff, plan_file=upload)
        assert stored_files() == [upload.stored_name]  # not before the commit

    assert not PlanFile.objects.exists()
    assert stored_files() == []


def test_deleting_a_plan_file_is_audited(operator_staff, upload, django_capture_on_commit_callbacks):
    pk = upload.pk
    with django_capture_on_commit_callbacks(execute=True):
        plan_file_delete(actor=operator_staff, plan_file=upload)

    entry = audit("plans.file_deleted").get()
    assert entry.actor_id == operator_staff.pk
    assert entry.target_id == str(pk)
    assert entry.changes["file"] == ["grundriss.pdf", None]


def test_only_operator_staff_delete_plan_files(manager, cad_provider, operator_company, upload, stored_files):
    operator_employee = UserFactory(company=operator_company)
    for actor in (manager, cad_provider, operator_employee):
        with pytest.raises(PermissionDenied):
            plan_file_delete(actor=actor, plan_file=upload)

    assert PlanFile.objects.filter(pk=upload.pk).exists()
    assert stored_files() == [upload.stored_name]
