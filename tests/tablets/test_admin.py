"""Operators run the register in the Django admin: every save goes through the service, validated and audited."""

import pytest
from django.urls import reverse

from entities.models import AuditLogEntry
from tablets.models import Tablet, TabletState

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(operator_admin, login):
    return login(operator_admin)


def add_form(instance, company, **overrides) -> dict:
    return {
        "instance": instance.pk,
        "serial_number": "TAB-100",
        "model": "Apple iPad 10",
        "state": TabletState.IN_STOCK,
        "entity": "",
        "notes": "",
        "added_by_company": company.pk,
        **overrides,
    }


def test_the_admin_lists_tablets_and_finds_them_by_serial(admin_client, provider, make_tablet):
    make_tablet(provider, "TAB-001")
    make_tablet(provider, "TAB-002")

    response = admin_client.get(reverse("admin:tablets_tablet_changelist"), {"q": "TAB-002"})

    assert response.status_code == 200
    assert [tablet.serial_number for tablet in response.context["cl"].result_list] == ["TAB-002"]


def test_a_tablet_added_in_the_admin_is_audited_with_the_operator(admin_client, operator_admin, instance, partner):
    response = admin_client.post(reverse("admin:tablets_tablet_add"), add_form(instance, partner))

    assert response.status_code == 302
    tablet = Tablet.objects.get(serial_number="TAB-100")
    assert tablet.created_by == operator_admin
    assert AuditLogEntry.objects.get(action="tablet.added", target_id=str(tablet.pk)).actor == operator_admin


def test_a_taken_serial_is_a_form_error_in_the_admin(admin_client, provider, make_tablet, instance, partner):
    make_tablet(provider, "TAB-100")

    response = admin_client.post(
        reverse("admin:tablets_tablet_add"), add_form(instance, partner, serial_number="tab-100")
    )

    assert response.status_code == 200
    assert "already exists in this cockpit" in response.content.decode()
    assert Tablet.objects.count() == 1


def test_an_assigned_state_without_an_entity_is_a_form_error_in_the_admin(admin_client, instance, partner):
    response = admin_client.post(
        reverse("admin:tablets_tablet_add"), add_form(instance, partner, state=TabletState.ASSIGNED)
    )

    assert response.status_code == 200
    assert not Tablet.objects.exists()


def test_an_entity_of_another_cockpit_is_a_form_error_in_the_admin(admin_client, instance, partner, other_instance):
    from tests.factories import BusinessEntityFactory

    elsewhere = BusinessEntityFactory(instance=other_instance)

    response = admin_client.post(
        reverse("admin:tablets_tablet_add"),
        add_form(instance, partner, state=TabletState.ASSIGNED, entity=elsewhere.pk),
    )

    assert response.status_code == 200
    assert "belongs to another cockpit" in response.content.decode()
    assert not Tablet.objects.exists()


def test_assigning_in_the_admin_is_recorded_as_an_assignment(admin_client, provider, make_tablet, building, instance):
    tablet = make_tablet(provider, "TAB-001")
    data = add_form(
        instance,
        tablet.added_by_company,
        serial_number="TAB-001",
        model=tablet.model,
        state=TabletState.ASSIGNED,
        entity=building.pk,
    )

    response = admin_client.post(reverse("admin:tablets_tablet_change", args=[tablet.pk]), data)

    assert response.status_code == 302
    tablet.refresh_from_db()
    assert (tablet.state, tablet.entity) == (TabletState.ASSIGNED, building)
    assert AuditLogEntry.objects.filter(action="tablet.assigned", target_id=str(tablet.pk)).exists()


def test_the_admin_offers_no_deletion_of_tablets(admin_client, provider, make_tablet):
    tablet = make_tablet(provider, "TAB-001")

    response = admin_client.post(reverse("admin:tablets_tablet_delete", args=[tablet.pk]), {"post": "yes"})

    assert response.status_code == 403
    assert Tablet.objects.filter(pk=tablet.pk).exists()
