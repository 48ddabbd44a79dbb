"""The three special roles at their work, each on its own page: tablets for two of them, CAD plans for the third."""

import re

import pytest
from playwright.sync_api import expect

from plans.demo import minimal_pdf
from plans.models import PlanFile
from plans.services import plans_request
from tablets.models import Tablet, TabletState
from tablets.services import tablet_add
from tests.factories import (
    BusinessEntityFactory,
    CompanyFactory,
    InstanceFactory,
    OperatorCompanyFactory,
    UserFactory,
    grant_entity_role,
)
from tests.support.browser import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world():
    instance = InstanceFactory(slug="alpine", name="Alpine Facility Services")
    operator = OperatorCompanyFactory(instance=instance, name="soobr AG")
    partner = CompanyFactory(instance=instance, name="TabletPartner AG")
    cad = CompanyFactory(instance=instance, name="CAD Partner AG")
    owner = CompanyFactory(instance=instance, name="Zurich Property AG")
    entities = [
        BusinessEntityFactory(instance=instance, name=f"Bürohaus Seefeld {number:03d}", owner=owner)
        for number in range(1, 4)
    ]
    new = [
        BusinessEntityFactory(instance=instance, name=name, address="Europaallee 1, 8004 Zürich", owner=owner)
        for name in ("Neubau Europaallee 01", "Neubau Europaallee 02")
    ]
    return {
        "instance": instance,
        "operator": operator,
        "partner": partner,
        "cad": cad,
        "entities": entities,
        "new": new,
    }


def sidebar(page):
    return page.get_by_role("navigation", name="Main")


def test_an_inventory_manager_adds_tablets_in_bulk_assigns_one_and_retires_it(page, screenshot, world):
    manager = UserFactory(company=world["operator"], email="inventory@soobr.example")
    grant_entity_role(manager, world["entities"][0], "inventory-manager")
    provider = UserFactory(company=world["partner"], email="tablets@partner.example")
    grant_entity_role(provider, world["entities"][0], "tablet-provider")
    tablet_add(actor=provider, instance=world["instance"], serial_number="TAB-0001", model="Apple iPad 10")
    log_in(page, manager.email)

    expect(sidebar(page).get_by_role("link", name="Business entities")).to_have_count(0)
    sidebar(page).get_by_role("link", name="Tablets").click()
    expect(page.get_by_test_id("tablet-total")).to_have_text("1 tablet")
    page.get_by_role("link", name="Add many").click()
    page.get_by_label("Paste lines").fill("serial,model\nTAB-0002,Galaxy Tab A9\nTAB-0001,iPad 10\nTAB-0003,\n")
    page.get_by_role("button", name="Add tablets").click()
    expect(page.get_by_test_id("line-errors")).to_contain_text("Line 3: serial TAB-0001 already exists")
    assert Tablet.objects.count() == 1
    screenshot("tablets-bulk-refused")

    page.get_by_label("Paste lines").fill("serial,model\nTAB-0002,Galaxy Tab A9\nTAB-0003,\n")
    page.get_by_role("button", name="Add tablets").click()
    expect(page.get_by_test_id("tablet-total")).to_have_text("3 tablets")
    screenshot("tablets-list-manager")

    page.get_by_role("link", name="TAB-0002").click()
    page.get_by_role("combobox", name="Business entity").select_option(label="Bürohaus Seefeld 002")
    page.get_by_role("button", name="Assign", exact=True).click()
    expect(page.get_by_test_id("tablet-state")).to_have_text("Assigned")
    expect(page.get_by_test_id("tablet-entity")).to_have_text("Bürohaus Seefeld 002")
    page.get_by_label("Reason (optional)").fill("Screen broken")
    page.get_by_role("button", name="Retire tablet").click()
    expect(page.get_by_test_id("tablet-state")).to_have_text("Retired")
    history = page.get_by_test_id("tablet-history")
    expect(history.locator("tr[data-action]")).to_have_count(3)
    expect(history).to_contain_text("Screen broken")
    screenshot("tablet-detail-history")
    tablet = Tablet.objects.get(serial_number="TAB-0002")
    assert (tablet.state, tablet.entity) == (TabletState.RETIRED, None)


def test_a_tablet_provider_adds_a_tablet_and_sees_only_their_companys(page, screenshot, world):
    provider = UserFactory(company=world["partner"], email="tablets@partner.example")
    grant_entity_role(provider, world["entities"][0], "tablet-provider")
    manager = UserFactory(company=world["operator"])
    grant_entity_role(manager, world["entities"][0], "inventory-manager")
    tablet_add(actor=manager, instance=world["instance"], serial_number="TAB-SOOBR-1")
    log_in(page, provider.email)

    expect(sidebar(page).get_by_role("link", name="Business entities")).to_have_count(0)
    sidebar(page).get_by_role("link", name="Tablets").click()
    expect(page.get_by_test_id("tablet-total")).to_contain_text("0 tablets")
    page.get_by_role("link", name="Add tablet").click()
    page.get_by_label("Serial number").fill("TAB-P-0001")
    page.get_by_label("Model").fill("Lenovo Tab M10")
    page.get_by_role("button", name="Add tablet").click()
    expect(page.get_by_role("heading", name="TAB-P-0001")).to_be_visible()
    expect(page.get_by_role("button", name="Retire tablet")).to_have_count(0)
    expect(page.get_by_role("button", name="Assign", exact=True)).to_have_count(0)
    screenshot("tablet-detail-provider")

    page.get_by_role("link", name="Tablets").first.click()
    expect(page.get_by_test_id("tablet-total")).to_contain_text("1 tablet")
    expect(page.get_by_role("link", name="TAB-SOOBR-1")).to_have_count(0)
    screenshot("tablets-list-provider")


def test_a_cad_plan_provider_uploads_a_plan_and_a_fake_pdf_is_refused(page, screenshot, world):
    provider = UserFactory(company=world["cad"], email="plans@cad.example")
    for entity in world["new"]:
        grant_entity_role(provider, entity, "cad-plan-provider")
    plans_request(actor=None, entity=world["new"][0])
    log_in(page, provider.email)

    expect(sidebar(page).get_by_role("link", name="Business entities")).to_have_count(0)
    sidebar(page).get_by_role("link", name="CAD plans").click()
    uploads = page.get_by_test_id("plan-uploads")
    expect(uploads.get_by_role("link", name="Neubau Europaallee 01")).to_be_visible()
    expect(uploads.get_by_role("link", name="Neubau Europaallee 02")).to_have_count(0)  # awaits no plans
    screenshot("plans-list-provider")

    uploads.get_by_role("link", name="Neubau Europaallee 01").click()
    expect(page.get_by_test_id("entity-address")).to_have_count(0)
    upload = page.get_by_label("Plan file")
    upload.set_input_files({"name": "grundriss.pdf", "mimeType": "application/pdf", "buffer": b"MZ not a pdf"})
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_text("is not a PDF file")).to_be_visible()
    assert not PlanFile.objects.exists()
    screenshot("plan-upload-refused")

    page.get_by_label("Plan file").set_input_files(
        {"name": "grundriss.pdf", "mimeType": "application/pdf", "buffer": minimal_pdf()}
    )
    page.get_by_role("button", name="Upload").click()
    files = page.get_by_test_id("plan-files")
    expect(files).to_contain_text("grundriss.pdf")
    expect(files.get_by_role("link", name="grundriss.pdf")).to_have_count(0)  # no master data: no download
    expect(page).to_have_url(re.compile(r"/c/alpine/plans/\d+/$"))
    screenshot("plan-uploaded-provider")
