"""The tablet pages over HTTP: who reaches them, what providers and managers see and do."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from entities.models import AuditLogEntry
from tablets.models import Tablet, TabletState
from tablets.services import tablet_assign
from tests.factories import BusinessEntityFactory, CompanyFactory, UserFactory, grant_entity_role

pytestmark = pytest.mark.django_db

ACTIONS = ["tablet-edit", "tablet-assign", "tablet-unassign", "tablet-retire"]


def url(instance, name="tablet-list", **kwargs):
    return reverse(f"tablets:{name}", kwargs={"instance_slug": instance.slug, **kwargs})


def page_urls(instance, tablet):
    return [
        url(instance),
        url(instance, "tablet-add"),
        url(instance, "tablet-bulk-add"),
        url(instance, "tablet-detail", pk=tablet.pk),
        *[url(instance, name, pk=tablet.pk) for name in ACTIONS],
    ]


@pytest.fixture
def tablet(inventory_manager, make_tablet):
    return make_tablet(inventory_manager, "TAB-001")


# --- who reaches the pages -------------------------------------------------------------------


def test_anonymous_users_are_sent_to_login(client, instance, tablet):
    for page in page_urls(instance, tablet):
        response = client.get(page)
        assert response.status_code == 302, page
        assert response["Location"].startswith(reverse("accounts:login")), page


def test_a_user_without_a_tablets_right_is_refused(client, login, no_tablets_user, instance, tablet):
    login(no_tablets_user)

    for page in page_urls(instance, tablet):
        assert client.get(page).status_code == 403, page
    assert client.post(url(instance, "tablet-add"), {"serial_number": "X"}).status_code == 403
    assert not Tablet.objects.filter(serial_number="X").exists()


def test_the_pages_of_another_cockpit_answer_404(client, login, inventory_manager, other_instance):
    login(inventory_manager)
    foreign = UserFactory(company=CompanyFactory(instance=other_instance))
    grant_entity_role(foreign, BusinessEntityFactory(instance=other_instance), "inventory-manager")
    tablet = Tablet.objects.create(
        instance=other_instance, serial_number="RH-1", added_by_company=foreign.company, created_by=foreign
    )

    for page in page_urls(other_instance, tablet):
        assert client.get(page).status_code == 404, page


def test_a_tablet_of_another_cockpit_answers_404_in_this_one(
    client, login, inventory_manager, instance, other_instance
):
    company = CompanyFactory(instance=other_instance)
    tablet = Tablet.objects.create(instance=other_instance, serial_number="RH-1", added_by_company=company)
    login(inventory_manager)

    assert client.get(url(instance, "tablet-detail", pk=tablet.pk)).status_code == 404


# --- Tablet provider -------------------------------------------------------------------------


def test_a_provider_adds_one_tablet_as_their_company(client, login, provider, instance, partner):
    login(provider)

    response = client.post(url(instance, "tablet-add"), {"serial_number": "TP-1", "model": "iPad", "notes": ""})

    tablet = Tablet.objects.get(serial_number="TP-1")
    assert response.status_code == 302 and response["Location"] == url(instance, "tablet-detail", pk=tablet.pk)
    assert tablet.added_by_company == partner


def test_a_provider_adds_many_tablets_by_pasting(client, login, provider, instance):
    login(provider)

    response = client.post(url(instance, "tablet-bulk-add"), {"lines": "serial,model\nTP-1,iPad\nTP-2,Galaxy\n"})

    assert response.status_code == 302
    assert sorted(Tablet.objects.values_list("serial_number", flat=True)) == ["TP-1", "TP-2"]


def test_a_provider_sees_only_the_tablets_their_company_added(
    client, login, provider, rival_provider, inventory_manager, make_tablet, instance
):
    make_tablet(provider, "MINE-1")
    make_tablet(rival_provider, "RIVAL-1")
    make_tablet(inventory_manager, "STOCK-1")
    login(provider)

    rows = client.get(url(instance)).context["page"].object_list

    assert [tablet.serial_number for tablet in rows] == ["MINE-1"]


def test_a_provider_reads_their_own_tablet_without_any_action(client, login, provider, make_tablet, instance):
    tablet = make_tablet(provider, "MINE-1")
    login(provider)

    response = client.get(url(instance, "tablet-detail", pk=tablet.pk))

    assert response.status_code == 200
    assert "edit_form" not in response.context and "assign_form" not in response.context
    assert url(instance, "tablet-retire", pk=tablet.pk) not in response.content.decode()


def test_a_provider_gets_404_for_another_companys_tablet(
    client, login, provider, rival_provider, make_tablet, instance
):
    tablet = make_tablet(rival_provider, "RIVAL-1")
    login(provider)

    assert client.get(url(instance, "tablet-detail", pk=tablet.pk)).status_code == 404


@pytest.mark.parametrize("action", ACTIONS)
def test_a_provider_gets_404_for_every_action_on_their_own_tablet(
    client, login, provider, make_tablet, instance, building, action
):
    tablet = make_tablet(provider, "MINE-1")
    login(provider)
    forged = {"model": "Forged", "state": "in_repair", "notes": "", "entity": building.pk, "reason": "x"}

    assert client.get(url(instance, action, pk=tablet.pk)).status_code == 404
    assert client.post(url(instance, action, pk=tablet.pk), forged).status_code == 404
    tablet.refresh_from_db()
    assert (tablet.state, tablet.model, tablet.entity) == (TabletState.IN_STOCK, "Galaxy Tab A9", None)


def test_a_forged_edit_posted_to_the_detail_page_answers_404_to_a_provider(
    client, login, provider, make_tablet, instance
):
    tablet = make_tablet(provider, "MINE-1")
    login(provider)

    response = client.post(url(instance, "tablet-detail", pk=tablet.pk), {"model": "Forged", "state": "in_repair"})

    assert response.status_code == 404
    tablet.refresh_from_db()
    assert tablet.model == "Galaxy Tab A9"


# --- Inventory manager -----------------------------------------------------------------------


def test_a_manager_sees_every_tablet_of_the_cockpit(
    client, login, provider, rival_provider, inventory_manager, make_tablet, instance
):
    for by, serial in ((provider, "A-1"), (rival_provider, "B-1"), (inventory_manager, "C-1")):
        make_tablet(by, serial)
    login(inventory_manager)

    rows = client.get(url(instance)).context["page"].object_list

    assert [tablet.serial_number for tablet in rows] == ["A-1", "B-1", "C-1"]


def test_the_list_searches_serial_and_model_and_filters_by_state(
    client, login, inventory_manager, make_tablet, instance, building
):
    make_tablet(inventory_manager, "TAB-1", model="iPad 10")
    tablet_assign(
        actor=inventory_manager, tablet=make_tablet(inventory_manager, "TAB-2", model="Galaxy"), entity=building
    )
    login(inventory_manager)

    def serials(**query):
        return [tablet.serial_number for tablet in client.get(url(instance), query).context["page"].object_list]

    assert serials(q="ipad") == ["TAB-1"]
    assert serials(q="tab-2") == ["TAB-2"]
    assert serials(state="assigned") == ["TAB-2"]
    assert serials(state="nonsense") == ["TAB-1", "TAB-2"]


def test_a_manager_runs_a_tablets_whole_life_and_reads_it_in_the_history(
    client, login, inventory_manager, instance, building, second_building
):
    login(inventory_manager)
    client.post(url(instance, "tablet-add"), {"serial_number": "LIFE-1", "model": "iPad"})
    tablet = Tablet.objects.get(serial_number="LIFE-1")
    detail = url(instance, "tablet-detail", pk=tablet.pk)

    assert (
        client.post(url(instance, "tablet-edit", pk=tablet.pk), {"model": "iPad 10", "state": "in_repair"}).status_code
        == 302
    )
    assert (
        client.post(url(instance, "tablet-edit", pk=tablet.pk), {"model": "iPad 10", "state": "in_stock"}).status_code
        == 302
    )
    assert client.post(url(instance, "tablet-assign", pk=tablet.pk), {"entity": building.pk})["Location"] == detail
    assert client.post(url(instance, "tablet-assign", pk=tablet.pk), {"entity": second_building.pk}).status_code == 302
    assert client.post(url(instance, "tablet-unassign", pk=tablet.pk)).status_code == 302
    assert client.post(url(instance, "tablet-retire", pk=tablet.pk), {"reason": "Broken"}).status_code == 302

    tablet.refresh_from_db()
    assert (tablet.state, tablet.entity) == (TabletState.RETIRED, None)
    history = client.get(detail).context["history"]
    assert [row.action for row in history] == [
        "Tablet retired",
        "Tablet unassigned",
        "Tablet assigned",
        "Tablet assigned",
        "Tablet changed",
        "Tablet changed",
        "Tablet added",
    ]
    assert ("Business entity", "Bürohaus Seefeld 001", "Klinik Limmat 002") in history[3 - 1].changes
    assert ("State", "In stock", "Assigned") in history[3].changes
    assert ("Reason", "—", "Broken") in history[0].changes


def test_a_duplicate_serial_is_refused_with_a_clear_message(client, login, inventory_manager, tablet, instance):
    login(inventory_manager)

    response = client.post(url(instance, "tablet-add"), {"serial_number": "tab-001"})

    assert response.status_code == 400
    assert "A tablet with this serial number already exists in this cockpit." in response.content.decode()
    assert Tablet.objects.count() == 1


def test_a_csv_with_one_bad_line_saves_nothing_and_names_the_line(client, login, inventory_manager, tablet, instance):
    login(inventory_manager)
    upload = SimpleUploadedFile("tablets.csv", b"serial,model\nNEW-1,iPad\nNEW-2,iPad\nTAB-001,iPad\n", "text/csv")

    response = client.post(url(instance, "tablet-bulk-add"), {"file": upload})

    assert response.status_code == 400
    assert "Line 4: serial TAB-001 already exists" in response.content.decode()
    assert list(Tablet.objects.values_list("serial_number", flat=True)) == ["TAB-001"]


def test_a_file_that_is_not_text_is_a_form_error(client, login, inventory_manager, instance):
    login(inventory_manager)
    upload = SimpleUploadedFile("tablets.csv", b"\xff\xfe\x00bad", "text/csv")

    response = client.post(url(instance, "tablet-bulk-add"), {"file": upload})

    assert response.status_code == 400
    assert "UTF-8" in response.content.decode()


def test_a_file_with_nul_bytes_is_a_form_error_and_saves_nothing(client, login, provider, instance):
    login(provider)
    upload = SimpleUploadedFile("tablets.csv", b"TAB\x00-1,iPad\n", "text/csv")

    response = client.post(url(instance, "tablet-bulk-add"), {"file": upload})

    assert response.status_code == 400
    assert "UTF-8" in response.content.decode()
    assert not Tablet.objects.exists()


def test_an_empty_bulk_form_is_a_form_error(client, login, provider, instance):
    login(provider)

    response = client.post(url(instance, "tablet-bulk-add"), {"lines": "  "})

    assert response.status_code == 400
    assert "Paste lines or choose a file." in response.content.decode()


def test_assigning_a_retired_tablet_is_a_form_error_and_changes_nothing(
    client, login, inventory_manager, tablet, instance, building
):
    login(inventory_manager)
    client.post(url(instance, "tablet-retire", pk=tablet.pk))

    response = client.post(url(instance, "tablet-assign", pk=tablet.pk), {"entity": building.pk})

    assert response.status_code == 400
    assert "A retired tablet cannot be assigned." in response.content.decode()
    tablet.refresh_from_db()
    assert (tablet.state, tablet.entity) == (TabletState.RETIRED, None)


def test_assigning_to_an_entity_of_another_cockpit_is_a_form_error(
    client, login, inventory_manager, tablet, instance, other_instance
):
    login(inventory_manager)
    foreign = BusinessEntityFactory(instance=other_instance)

    response = client.post(url(instance, "tablet-assign", pk=tablet.pk), {"entity": foreign.pk})

    assert response.status_code == 400
    tablet.refresh_from_db()
    assert tablet.entity is None


def test_a_manager_may_assign_to_an_entity_they_hold_no_role_on(
    client, login, inventory_manager, tablet, instance, second_building
):
    login(inventory_manager)

    client.post(url(instance, "tablet-assign", pk=tablet.pk), {"entity": second_building.pk})

    tablet.refresh_from_db()
    assert tablet.entity == second_building


def test_a_bad_state_in_the_edit_form_is_a_form_error(client, login, inventory_manager, tablet, instance):
    login(inventory_manager)

    response = client.post(url(instance, "tablet-edit", pk=tablet.pk), {"model": "X", "state": "retired"})

    assert response.status_code == 400
    tablet.refresh_from_db()
    assert (tablet.state, tablet.model) == (TabletState.IN_STOCK, "Galaxy Tab A9")


def test_the_entity_picker_can_be_narrowed_by_name(client, login, inventory_manager, tablet, instance, second_building):
    login(inventory_manager)

    response = client.get(url(instance, "tablet-detail", pk=tablet.pk), {"entity_q": "Limmat"})

    choices = [label for _value, label in response.context["assign_form"].fields["entity"].widget.choices]
    assert choices[1:] == ["Klinik Limmat 002"]


def test_a_provider_reads_an_entity_outside_their_view_as_such(
    client, login, provider, inventory_manager, make_tablet, instance, second_building
):
    tablet = tablet_assign(actor=inventory_manager, tablet=make_tablet(provider, "MINE-1"), entity=second_building)
    login(provider)

    response = client.get(url(instance, "tablet-detail", pk=tablet.pk))

    assert "Klinik Limmat 002" not in response.content.decode()
    assert "a business entity outside your view" in response.content.decode()


def test_every_write_of_the_pages_is_audited_with_the_actor(client, login, provider, instance):
    login(provider)

    client.post(url(instance, "tablet-add"), {"serial_number": "TP-1"}, REMOTE_ADDR="203.0.113.7")

    entry = AuditLogEntry.objects.get(action="tablet.added")
    assert (entry.actor, entry.ip_address) == (provider, "203.0.113.7")


# --- query counts ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["inventory_manager", "provider"])
def test_the_list_takes_as_many_queries_for_fifty_tablets_as_for_five(
    client, login, request, instance, count_queries, make_tablet, building, second_building, who
):
    user = request.getfixturevalue(who)
    manager = request.getfixturevalue("inventory_manager")
    login(user)
    for number in range(5):
        tablet = make_tablet(user, f"T-{number:03d}")
        tablet_assign(actor=manager, tablet=tablet, entity=building if number % 2 else second_building)
    few = count_queries(lambda: client.get(url(instance)))
    for number in range(5, 50):
        tablet = make_tablet(user, f"T-{number:03d}")
        tablet_assign(actor=manager, tablet=tablet, entity=BusinessEntityFactory(instance=instance))

    many = count_queries(lambda: client.get(url(instance)))

    assert len(client.get(url(instance)).context["page"].object_list) == 50
    assert many == few, (few, many)
