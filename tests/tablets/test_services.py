"""The tablet services: rules of a tablet's life, each write audited, bulk adds all or nothing."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from entities.models import AuditLogEntry
from tablets.bulk import MAX_LINES, BulkLine, parse_lines
from tablets.models import Tablet, TabletState
from tablets.services import (
    tablet_add,
    tablet_assign,
    tablet_retire,
    tablet_save,
    tablet_unassign,
    tablet_update,
    tablets_add_bulk,
)
from tests.factories import BusinessEntityFactory, CompanyFactory, UserFactory, grant_entity_role

pytestmark = pytest.mark.django_db


def entries(tablet):
    return list(
        AuditLogEntry.objects.filter(target_type="tablets.Tablet", target_id=str(tablet.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_adding_records_the_adding_company_and_who_added_it(provider, instance, partner):
    tablet = tablet_add(actor=provider, instance=instance, serial_number=" TAB-001 ", model="iPad 10")

    assert (tablet.serial_number, tablet.state, tablet.added_by_company, tablet.created_by) == (
        "TAB-001",
        TabletState.IN_STOCK,
        partner,
        provider,
    )
    entry = AuditLogEntry.objects.get(action="tablet.added")
    assert entry.actor == provider and entry.instance == instance
    assert entry.changes["serial_number"] == [None, "TAB-001"]


def test_a_serial_taken_in_the_cockpit_is_refused_whatever_its_case(provider, instance, make_tablet):
    make_tablet(provider, "TAB-001")

    with pytest.raises(ValidationError, match="already exists in this cockpit"):
        tablet_add(actor=provider, instance=instance, serial_number="tab-001")
    assert Tablet.objects.count() == 1


def test_the_same_serial_may_exist_in_another_cockpit(provider, make_tablet, other_instance):
    make_tablet(provider, "TAB-001")
    elsewhere = UserFactory(company=CompanyFactory(instance=other_instance))
    grant_entity_role(elsewhere, BusinessEntityFactory(instance=other_instance), "tablet-provider")

    tablet_add(actor=elsewhere, instance=other_instance, serial_number="TAB-001")

    assert Tablet.objects.filter(serial_number="TAB-001").count() == 2


def test_assigning_sets_the_entity_and_the_state_and_is_audited(inventory_manager, make_tablet, building):
    tablet = make_tablet(inventory_manager, "TAB-001")

    tablet = tablet_assign(actor=inventory_manager, tablet=tablet, entity=building)

    assert (tablet.state, tablet.entity) == (TabletState.ASSIGNED, building)
    entry = AuditLogEntry.objects.get(action="tablet.assigned")
    assert entry.changes == {"entity": [None, building.pk], "state": ["in_stock", "assigned"]}


def test_an_entity_of_another_cockpit_is_refused(inventory_manager, make_tablet, other_instance):
    tablet = make_tablet(inventory_manager, "TAB-001")

    with pytest.raises(ValidationError):
        tablet_assign(actor=inventory_manager, tablet=tablet, entity=BusinessEntityFactory(instance=other_instance))
    tablet.refresh_from_db()
    assert (tablet.state, tablet.entity) == (TabletState.IN_STOCK, None)


def test_unassigning_brings_the_tablet_back_to_stock(inventory_manager, make_tablet, building):
    tablet = tablet_assign(actor=inventory_manager, tablet=make_tablet(inventory_manager, "TAB-001"), entity=building)

    tablet = tablet_unassign(actor=inventory_manager, tablet=tablet)

    assert (tablet.state, tablet.entity) == (TabletState.IN_STOCK, None)
    assert entries(tablet)[-1] == "tablet.unassigned"


def test_unassigning_a_tablet_in_stock_is_refused(inventory_manager, make_tablet):
    with pytest.raises(ValidationError, match="not assigned"):
        tablet_unassign(actor=inventory_manager, tablet=make_tablet(inventory_manager, "TAB-001"))


def test_retiring_an_assigned_tablet_frees_the_entity_and_keeps_the_reason(inventory_manager, make_tablet, building):
    tablet = tablet_assign(actor=inventory_manager, tablet=make_tablet(inventory_manager, "TAB-001"), entity=building)

    tablet = tablet_retire(actor=inventory_manager, tablet=tablet, reason="Battery worn out")

    assert (tablet.state, tablet.entity) == (TabletState.RETIRED, None)
    assert AuditLogEntry.objects.get(action="tablet.retired").changes["reason"] == ["", "Battery worn out"]


def test_a_retired_tablet_cannot_be_assigned(inventory_manager, make_tablet, building):
    tablet = tablet_retire(actor=inventory_manager, tablet=make_tablet(inventory_manager, "TAB-001"))

    with pytest.raises(ValidationError, match="retired tablet cannot be assigned"):
        tablet_assign(actor=inventory_manager, tablet=tablet, entity=building)
    tablet.refresh_from_db()
    assert (tablet.state, tablet.entity) == (TabletState.RETIRED, None)


def test_editing_moves_between_in_stock_and_in_repair(inventory_manager, make_tablet):
    tablet = make_tablet(inventory_manager, "TAB-001")

    tablet = tablet_update(actor=inventory_manager, tablet=tablet, model="X", notes="Cracked", state="in_repair")

    assert (tablet.state, tablet.model, tablet.notes) == (TabletState.IN_REPAIR, "X", "Cracked")
    assert AuditLogEntry.objects.get(action="tablet.changed").changes["state"] == ["in_stock", "in_repair"]


def test_editing_cannot_take_an_assigned_tablet_out_of_its_entity(inventory_manager, make_tablet, building):
    tablet = tablet_assign(actor=inventory_manager, tablet=make_tablet(inventory_manager, "TAB-001"), entity=building)

    with pytest.raises(ValidationError):
        tablet_update(actor=inventory_manager, tablet=tablet, model="", notes="", state="in_stock")
    tablet.refresh_from_db()
    assert (tablet.state, tablet.entity) == (TabletState.ASSIGNED, building)


def test_an_edit_that_changes_nothing_is_not_recorded(inventory_manager, make_tablet):
    tablet = make_tablet(inventory_manager, "TAB-001", model="X")

    tablet_update(actor=inventory_manager, tablet=tablet, model="X", notes="", state="in_stock")

    assert entries(tablet) == ["tablet.added"]


def test_the_admins_save_records_an_assignment_as_such(inventory_manager, make_tablet, building):
    tablet = make_tablet(inventory_manager, "TAB-001")
    tablet.state, tablet.entity = TabletState.ASSIGNED, building

    tablet_save(actor=inventory_manager, tablet=tablet)

    assert entries(tablet) == ["tablet.added", "tablet.assigned"]


def test_the_admins_save_refuses_an_assigned_state_without_entity(inventory_manager, make_tablet):
    tablet = make_tablet(inventory_manager, "TAB-001")
    tablet.state = TabletState.ASSIGNED

    with pytest.raises(ValidationError):
        tablet_save(actor=inventory_manager, tablet=tablet)


# --- who may act: each service checks its actor, whatever page or request calls it -----------


def test_a_user_without_a_tablets_right_cannot_add_a_tablet(no_tablets_user, instance):
    with pytest.raises(PermissionDenied):
        tablet_add(actor=no_tablets_user, instance=instance, serial_number="TAB-001")
    assert not Tablet.objects.exists()


def test_a_user_without_a_tablets_right_cannot_add_in_bulk(no_tablets_user, instance):
    with pytest.raises(PermissionDenied):
        tablets_add_bulk(actor=no_tablets_user, instance=instance, lines=parse_lines("TAB-1,iPad\n"))
    assert not Tablet.objects.exists()


def test_a_tablet_provider_of_another_cockpit_cannot_add_here(other_instance, instance):
    elsewhere = UserFactory(company=CompanyFactory(instance=other_instance))
    grant_entity_role(elsewhere, BusinessEntityFactory(instance=other_instance), "tablet-provider")

    with pytest.raises(PermissionDenied):
        tablet_add(actor=elsewhere, instance=instance, serial_number="TAB-001")
    assert not Tablet.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            lambda actor, tablet, entity: tablet_update(
                actor=actor, tablet=tablet, model="X", notes="", state="in_repair"
            ),
            id="edit",
        ),
        pytest.param(
            lambda actor, tablet, entity: tablet_assign(actor=actor, tablet=tablet, entity=entity), id="assign"
        ),
        pytest.param(lambda actor, tablet, entity: tablet_retire(actor=actor, tablet=tablet), id="retire"),
    ],
)
def test_a_tablet_provider_cannot_change_even_their_own_tablet(provider, make_tablet, building, change):
    tablet = make_tablet(provider, "TAB-001", model="iPad 10")

    with pytest.raises(PermissionDenied):
        change(provider, tablet, building)
    tablet.refresh_from_db()
    assert (tablet.state, tablet.entity, tablet.model) == (TabletState.IN_STOCK, None, "iPad 10")
    assert entries(tablet) == ["tablet.added"]


def test_a_tablet_provider_cannot_unassign(provider, inventory_manager, make_tablet, building):
    tablet = tablet_assign(actor=inventory_manager, tablet=make_tablet(provider, "TAB-001"), entity=building)

    with pytest.raises(PermissionDenied):
        tablet_unassign(actor=provider, tablet=tablet)
    tablet.refresh_from_db()
    assert (tablet.state, tablet.entity) == (TabletState.ASSIGNED, building)


# --- bulk ------------------------------------------------------------------------------------


def test_a_header_line_is_optional(provider, instance):
    with_header = parse_lines("serial,model\nTAB-1,iPad\n")
    without = parse_lines("TAB-1,iPad\n")

    assert [(line.number, line.serial_number, line.model) for line in with_header] == [(2, "TAB-1", "iPad")]
    assert [(line.number, line.serial_number, line.model) for line in without] == [(1, "TAB-1", "iPad")]


def test_semicolons_separate_columns_too():
    assert [(line.serial_number, line.model) for line in parse_lines("TAB-1;iPad\nTAB-2;Galaxy\n")] == [
        ("TAB-1", "iPad"),
        ("TAB-2", "Galaxy"),
    ]


def test_bulk_adds_every_line_in_one_go(provider, instance):
    tablets = tablets_add_bulk(actor=provider, instance=instance, lines=parse_lines("TAB-1,iPad\nTAB-2,Galaxy\n"))

    assert [tablet.serial_number for tablet in tablets] == ["TAB-1", "TAB-2"]
    assert AuditLogEntry.objects.filter(action="tablet.added").count() == 2


def test_one_wrong_line_saves_nothing_and_names_each_wrong_line(provider, instance, make_tablet):
    make_tablet(provider, "TAB-001")
    text = "serial,model\nTAB-010,iPad\nTAB-001,iPad\nTAB-011,iPad\n,Galaxy\ntab-010,Galaxy\n"

    with pytest.raises(ValidationError) as refused:
        tablets_add_bulk(actor=provider, instance=instance, lines=parse_lines(text))

    assert refused.value.messages == [
        "Line 3: serial TAB-001 already exists",
        "Line 5: serial missing",
        "Line 6: serial tab-010 appears twice (also line 2)",
    ]
    assert list(Tablet.objects.values_list("serial_number", flat=True)) == ["TAB-001"]


def test_a_line_with_more_than_two_columns_is_refused(provider, instance):
    with pytest.raises(ValidationError, match="Line 1: expected at most two columns"):
        tablets_add_bulk(actor=provider, instance=instance, lines=parse_lines("TAB-1,iPad,extra\n"))


def test_more_than_the_maximum_of_lines_is_refused(provider, instance):
    lines = [BulkLine(number, f"TAB-{number}", "") for number in range(1, MAX_LINES + 2)]

    with pytest.raises(ValidationError, match=f"At most {MAX_LINES} tablets"):
        tablets_add_bulk(actor=provider, instance=instance, lines=lines)
    assert not Tablet.objects.exists()


def test_the_maximum_of_lines_is_accepted(provider, instance):
    lines = [BulkLine(number, f"TAB-{number}", "") for number in range(1, MAX_LINES + 1)]

    assert len(tablets_add_bulk(actor=provider, instance=instance, lines=lines)) == MAX_LINES


def test_a_line_of_quotes_and_commas_is_read_at_once_and_refused(provider, instance):
    # csv.Sniffer needs minutes for such a line; the first line's separators are simply counted.
    with pytest.raises(ValidationError, match="Line 1: "):
        tablets_add_bulk(actor=provider, instance=instance, lines=parse_lines(',"' * 100_000))
    assert not Tablet.objects.exists()


def test_a_field_too_long_for_the_csv_reader_is_a_named_line(provider, instance):
    text = "TAB-1,iPad\nTAB-2," + "x" * 140_000 + "\n"

    with pytest.raises(ValidationError, match="Line 2: cannot be read as CSV"):
        tablets_add_bulk(actor=provider, instance=instance, lines=parse_lines(text))
    assert not Tablet.objects.exists()
