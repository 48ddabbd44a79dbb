"""The Django admin's CAD plans: plan requests saved through the services, plan files read-only, deletion audited."""

import pytest
from django.urls import reverse

from entities.models import AuditLogEntry
from plans.models import PlanFile, PlanStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(operator_admin, login):
    return login(operator_admin)


def test_adding_a_plan_status_requests_plans_through_the_service(admin_client, operator_admin, old_building):
    response = admin_client.post(reverse("admin:plans_planstatus_add"), {"entity": old_building.pk})

    assert response.status_code == 302
    status = PlanStatus.objects.get(entity=old_building)
    assert status.awaiting_plans
    assert status.flagged_by == operator_admin
    assert AuditLogEntry.objects.get(action="plans.requested", target_id=str(old_building.pk)).actor_id == (
        operator_admin.pk
    )


def test_unticking_awaiting_plans_clears_the_request_through_the_service(admin_client, operator_admin, new_building):
    response = admin_client.post(reverse("admin:plans_planstatus_change", args=[new_building.pk]), {})

    assert response.status_code == 302
    assert not PlanStatus.objects.get(entity=new_building).awaiting_plans
    assert AuditLogEntry.objects.get(action="plans.cleared").actor_id == operator_admin.pk


def test_ticking_awaiting_plans_again_requests_plans(admin_client, operator_admin, new_building):
    admin_client.post(reverse("admin:plans_planstatus_change", args=[new_building.pk]), {})

    admin_client.post(reverse("admin:plans_planstatus_change", args=[new_building.pk]), {"awaiting_plans": "on"})

    assert PlanStatus.objects.get(entity=new_building).awaiting_plans
    assert AuditLogEntry.objects.filter(action="plans.requested", actor_id=operator_admin.pk).count() == 1


def test_the_plan_status_changelist_renders(admin_client, new_building):
    response = admin_client.get(reverse("admin:plans_planstatus_changelist"))

    assert response.status_code == 200
    assert new_building.name in response.content.decode()


def test_the_plan_file_changelist_renders(admin_client, upload):
    response = admin_client.get(reverse("admin:plans_planfile_changelist"))

    assert response.status_code == 200
    assert "grundriss.pdf" in response.content.decode()


def test_the_plan_file_page_renders_read_only_with_the_access_checked_download(admin_client, instance, upload):
    response = admin_client.get(reverse("admin:plans_planfile_change", args=[upload.pk]))

    assert response.status_code == 200
    content = response.content.decode()
    assert upload.sha256 in content
    assert (
        reverse(
            "plans:plan-download", kwargs={"instance_slug": instance.slug, "pk": upload.entity_id, "file_pk": upload.pk}
        )
        in content
    )
    assert 'name="_save"' not in content


def test_plan_files_cannot_be_added_in_the_admin(admin_client):
    assert admin_client.get(reverse("admin:plans_planfile_add")).status_code == 403


def test_deleting_a_plan_file_in_the_admin_is_audited_and_removes_its_bytes(
    admin_client, operator_admin, upload, stored_files, django_capture_on_commit_callbacks
):
    pk = upload.pk
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("admin:plans_planfile_delete", args=[pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not PlanFile.objects.exists()
    assert stored_files() == []
    assert AuditLogEntry.objects.get(action="plans.file_deleted", target_id=str(pk)).actor_id == operator_admin.pk


def test_deleting_plan_files_from_the_changelist_is_audited_and_removes_their_bytes(
    admin_client, upload, stored_files, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:plans_planfile_changelist"),
            {"action": "delete_selected", "_selected_action": [upload.pk], "post": "yes"},
        )

    assert response.status_code == 302
    assert not PlanFile.objects.exists()
    assert stored_files() == []
    assert AuditLogEntry.objects.filter(action="plans.file_deleted").count() == 1


def test_the_plan_status_pages_render(admin_client, new_building):
    assert admin_client.get(reverse("admin:plans_planstatus_add")).status_code == 200
    assert admin_client.get(reverse("admin:plans_planstatus_change", args=[new_building.pk])).status_code == 200


def test_a_plan_request_cannot_be_deleted_in_the_admin_only_cleared(admin_client, new_building):
    status = PlanStatus.objects.get(entity=new_building)

    response = admin_client.post(reverse("admin:plans_planstatus_delete", args=[status.pk]), {"post": "yes"})

    assert response.status_code == 403
    assert PlanStatus.objects.get(entity=new_building).awaiting_plans
