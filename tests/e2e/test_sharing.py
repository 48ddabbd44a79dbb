"""Seed 000 "Multi-Cockpit Access" in headless Chromium, end to end.

Operator staff switch "Shareable Cockpit" on and allow-list a company of another
cockpit in the Django admin; the cockpit's admin shares it with one user of that
company (Inventory read); the user follows the emailed link, signs in with their own
password and second factor, reaches the shared cockpit from the header's switcher and
reads its entities; the admin removes the share with the bin, and the user's next page
in the cockpit answers 404.

The operator's step has its own test through the admin's page (the select2 autocomplete
of the allow-list); the main flow sets the same through `sharing_settings_save`, the
service that page calls, so it does not hang on the admin page.
"""

import re
from urllib.parse import urlparse

import pytest
from django.core import mail
from playwright.sync_api import expect

from entities.models import Level, Role
from sharing.models import Share, SharingSettings
from sharing.services import sharing_settings_save
from tests.factories import (
    PASSWORD,
    BusinessEntityFactory,
    CompanyFactory,
    InstanceFactory,
    OperatorCompanyFactory,
    UserFactory,
    grant_company_role,
)
from tests.support.browser import (
    SECOND_STEP_PATH,
    enter_authenticator_code,
    give_authenticator_app,
    horizontal_overflow,
    inspect_page,
    log_in,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 360, "height": 740}


@pytest.fixture
def world():
    alpine = InstanceFactory(slug="alpine", name="Alpine Facility Services")
    soobr = OperatorCompanyFactory(instance=alpine, name="soobr AG")
    owner = CompanyFactory(instance=alpine, name="Zurich Property AG")
    provider = CompanyFactory(instance=alpine, name="CleanPro Services")
    customer = CompanyFactory(instance=alpine, name="Kantonsspital Nord")
    for number in range(1, 13):
        BusinessEntityFactory(
            instance=alpine,
            name=f"Bürohaus Seefeld {number:03d}",
            address=f"Seefeldstrasse {number}, 8008 Zürich",
            owner=owner,
            service_provider=provider,
            customer=customer,
        )
    staff = UserFactory(
        company=soobr, email="olivia@soobr.example", first_name="Olivia", is_staff=True, is_superuser=True
    )
    give_authenticator_app(staff)
    admin = UserFactory(company=owner, email="pm@zurich.example", first_name="Petra", last_name="Projekt")
    grant_company_role(admin, Level.OWNER, owner, "projectmanager")

    rhein = InstanceFactory(slug="rhein", name="Rhein Cleaning Group")
    rhein_clean = CompanyFactory(instance=rhein, name="Rhein Clean GmbH")
    CompanyFactory(instance=rhein, name="Rheinhafen Immobilien")  # in the other cockpit, not allow-listed
    BusinessEntityFactory(instance=rhein, name="Werkhof Rheingasse 001", service_provider=rhein_clean)
    invitee = UserFactory(
        company=rhein_clean, email="rita@rhein.example", first_name="Rita", last_name="Rhein", otp_required=True
    )
    grant_company_role(invitee, Level.SERVICE_PROVIDER, rhein_clean, "provider-project-manager")
    give_authenticator_app(invitee)
    return {"alpine": alpine, "staff": staff, "admin": admin, "invitee": invitee, "rhein_clean": rhein_clean}


def take(page, name: str) -> None:
    """inspect_page for any of the test's browser contexts (the admin's pages are Django's: only axe there)."""
    inspect_page(page, name, fits=not page.url.split("/", 3)[-1].startswith("admin/"))


def fits_a_phone(page) -> bool:
    """No horizontal scrolling at the 360 px viewport of a small phone."""
    return horizontal_overflow(page) <= 0


def log_out(page) -> None:
    """The user menu's Log out (in the Django admin the button is in the header as it is)."""
    menu = page.locator(".usermenu > summary")
    if menu.count():
        menu.click()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_load_state()


def operator_enables_sharing_in_the_admin(page, world) -> None:
    """The cockpit's own admin page: the flag, and one company picked in the allow-list's autocomplete."""
    log_in(page, world["staff"].email)
    response = page.goto("/admin/entities/instance/")
    assert response.status == 200, f"the cockpit list answers {response.status}"
    page.get_by_role("link", name="Alpine Facility Services", exact=True).click()
    page.locator("#id_sharing_settings-0-is_shareable").check()
    # The allow-list is the admin's autocomplete (select2): type, wait for the server's answer, pick.
    page.locator(".field-allowed .select2-selection").click()
    page.locator(".select2-search__field").fill("Rhein Clean")
    page.locator(".select2-results__option", has_text="Rhein Clean GmbH (Rhein Cleaning Group)").click()
    expect(page.locator(".field-allowed .select2-selection__choice")).to_contain_text("Rhein Clean GmbH")
    take(page, "sharing-admin-settings")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    log_out(page)


def admin_shares_with(page, email: str, scope: str = "the 12 business entities owned by Zurich Property AG") -> None:
    page.get_by_label("Cockpit of the user").select_option(label="Rhein Cleaning Group")
    page.get_by_label("Email address").fill(email)
    page.get_by_role("group", name="Where the share applies").get_by_label(scope).check()
    page.get_by_label("Inventory").select_option(label="Read")
    page.get_by_label("Customer care").select_option(label="No access")
    page.get_by_role("button", name="Invite").click()


def operator_enables_sharing(world) -> None:
    """The operator's settings through the service the admin page calls (its own test drives the page)."""
    sharing_settings_save(
        actor=world["staff"],
        settings=SharingSettings(instance=world["alpine"]),
        is_shareable=True,
        allowed_companies=[world["rhein_clean"]],
    )


def test_operator_switches_sharing_on_and_allow_lists_a_company_in_the_admin(page, world):
    page.set_viewport_size(DESKTOP)

    operator_enables_sharing_in_the_admin(page, world)

    settings = SharingSettings.objects.get(instance=world["alpine"])
    assert settings.is_shareable
    assert list(settings.allowed.values_list("company", flat=True)) == [world["rhein_clean"].pk]
    # The cockpit's admin now finds Cockpit Shares, offering Rita's cockpit.
    log_in(page, world["admin"].email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Cockpit Shares").click()
    page.get_by_role("link", name="Share", exact=True).click()
    expect(page.get_by_label("Cockpit of the user").locator("option", has_text="Rhein Cleaning Group")).to_have_count(1)


def test_admin_shares_the_cockpit_the_invitee_reads_it_until_the_share_is_removed(browser, live_server, page, world):
    mail.outbox.clear()
    page.set_viewport_size(DESKTOP)
    operator_enables_sharing(world)

    # when: the cockpit's admin shares it with Rita (Inventory read)
    log_in(page, world["admin"].email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Cockpit Shares").click()
    expect(page.get_by_role("heading", name="Cockpit Shares")).to_be_visible()
    expect(page.get_by_test_id("share-list")).to_contain_text(
        "No share of this cockpit lies within the companies whose users you manage."
    )
    page.get_by_role("link", name="Share", exact=True).click()
    expect(page.get_by_role("heading", name="Share Alpine Facility Services")).to_be_visible()
    # Only cockpits with an allow-listed company are offered (and never this one).
    offered = page.get_by_label("Cockpit of the user").locator("option").all_inner_texts()
    assert [text for text in offered if text.strip("- ")] == ["Rhein Cleaning Group"]
    # Only her reach is offered, in words: the entities owned by the company whose users she manages.
    scopes = page.get_by_role("group", name="Where the share applies").get_by_role("checkbox")
    expect(scopes).to_have_count(1)
    expect(page.get_by_label("the 12 business entities owned by Zurich Property AG")).to_be_visible()
    take(page, "sharing-share-form")
    admin_shares_with(page, "rita@rhein.example")

    # then: the list has the invited share, and Rita has the email
    expect(page.get_by_text("Rita Rhein is invited.")).to_be_visible()
    expect(page.get_by_text("The invitation is on its way to rita@rhein.example.")).to_be_visible()
    row = page.get_by_test_id("share-list").locator("tbody tr").first
    expect(row).to_contain_text("Rita Rhein")
    expect(row).to_contain_text("Rhein Cleaning Group")
    expect(row.locator("td").nth(2)).to_have_text("Owner · Zurich Property AG")
    expect(row.locator("td").nth(3)).to_have_text("Read")
    expect(row.locator("td").nth(4)).to_have_text("No access")
    expect(row.locator("[data-state]")).to_have_text("invited")
    take(page, "sharing-share-list")
    (invitation,) = [message for message in mail.outbox if message.to == ["rita@rhein.example"]]
    assert invitation.subject == "The cockpit Alpine Facility Services is shared with you"
    link = re.search(r"https?://\S+/invitations/[^/\s]+/", invitation.body).group(0)
    log_out(page)

    # when: Rita follows the link, signs in with her own password and second factor
    invitee = page
    invitee.goto(urlparse(link).path)
    expect(invitee).to_have_url(re.compile(r"/accounts/login/\?next=(/|%2F)invitations(/|%2F)"))
    log_in_from_here(invitee, "rita@rhein.example")

    # then: she is on the shared cockpit's dashboard, which says what the share gives
    expect(invitee).to_have_url(re.compile(r"/c/alpine/$"))
    expect(invitee.get_by_text("Welcome to Alpine Facility Services, shared with you.")).to_be_visible()
    note = invitee.get_by_test_id("share-access")
    expect(note).to_contain_text("Petra Projekt shares this cockpit with you.")
    expect(note.get_by_test_id("share-scopes")).to_have_text("The 12 business entities owned by Zurich Property AG")
    expect(note.locator("dt", has_text="Inventory").locator("+ dd")).to_have_text("Read")
    expect(note.locator("dt", has_text="Customer care").locator("+ dd")).to_have_text("No access")
    expect(invitee.get_by_test_id("entity-count")).to_have_text("12")
    # No management pages in a cockpit shared with her.
    sidebar = invitee.get_by_role("navigation", name="Main")
    expect(sidebar.get_by_role("link", name="User Management")).to_have_count(0)
    expect(sidebar.get_by_role("link", name="Cockpit Shares")).to_have_count(0)
    # The switcher lists both cockpits, hers first, the shared one marked.
    switcher = invitee.get_by_test_id("cockpit-switcher")
    switcher.locator("summary").click()
    items = switcher.get_by_role("listitem")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_have_text("Rhein Cleaning Group")
    expect(items.nth(1)).to_have_text(re.compile(r"Alpine Facility Services\s+shared"))
    expect(items.nth(1).get_by_role("link")).to_have_attribute("aria-current", "page")
    take(invitee, "sharing-invitee-dashboard-switcher")
    # Her own cockpit is one click away, and back.
    items.nth(0).get_by_role("link").click()
    expect(invitee).to_have_url(re.compile(r"/c/rhein/$"))
    expect(invitee.get_by_test_id("share-access")).to_have_count(0)
    invitee.get_by_test_id("cockpit-switcher").locator("summary").click()
    invitee.get_by_test_id("cockpit-switcher").get_by_role("link", name=re.compile("Alpine Facility Services")).click()
    expect(invitee).to_have_url(re.compile(r"/c/alpine/$"))

    # and: she reads the entities, with the share deciding, and edits nothing
    invitee.get_by_role("navigation", name="Main").get_by_role("link", name="Business entities").click()
    expect(invitee.get_by_test_id("entity-total")).to_contain_text("12 business entities")
    invitee.get_by_role("link", name="Bürohaus Seefeld 007").click()
    expect(invitee.get_by_role("heading", name="Bürohaus Seefeld 007")).to_be_visible()
    expect(invitee.get_by_test_id("deciding-role")).to_contain_text("Cockpit Share")
    expect(invitee.get_by_text("Read only")).to_be_visible()
    expect(invitee.get_by_role("button", name="Save")).to_have_count(0)
    tabs = invitee.get_by_role("navigation", name="Sections")
    expect(tabs.get_by_role("link", name="Chat")).to_have_count(0)  # Customer care is not shared
    take(invitee, "sharing-invitee-entity")
    entity_url = invitee.url

    # when: the admin, in a browser of her own, removes the share with the bin
    context = browser.new_context(base_url=live_server.url, viewport=DESKTOP, locale="en-GB")
    try:
        admin = context.new_page()
        admin.set_default_timeout(10_000)
        log_in(admin, world["admin"].email)
        admin.goto("/c/alpine/shares/")
        row = admin.get_by_test_id("share-list").locator("tbody tr").first
        expect(row.locator("[data-state]")).to_have_text("active")
        expect(row.locator("td").nth(8)).not_to_have_text("—")  # her visit is noted
        row.get_by_role("link", name="Remove the share of Rita Rhein").click()
        expect(admin.get_by_role("heading", name="Remove the share of Rita Rhein?")).to_be_visible()
        take(admin, "sharing-share-remove-confirm")
        admin.get_by_role("button", name="Remove").click()
        expect(admin.get_by_text("Rita Rhein no longer has access to this cockpit.")).to_be_visible()
        expect(admin.get_by_test_id("share-list")).to_contain_text(
            "No share of this cockpit lies within the companies whose users"
        )
    finally:
        context.close()
    assert not Share.objects.exists()

    # then: Rita's very next page in the cockpit answers 404, and her own cockpit stays hers alone
    response = invitee.reload()
    assert response.status == 404
    response = invitee.goto("/c/alpine/")
    assert response.status == 404
    response = invitee.goto(entity_url)
    assert response.status == 404
    invitee.goto("/")
    expect(invitee).to_have_url(re.compile(r"/c/rhein/$"))
    expect(invitee.get_by_test_id("cockpit-switcher")).to_have_count(0)
    expect(invitee.get_by_role("banner")).to_contain_text("Rhein Cleaning Group")


def test_operator_staff_share_the_whole_cockpit(page, world):
    """Staff who see all of the cockpit (show all, as the operator's project manager) may share it whole."""
    staff = world["staff"]
    grant_company_role(staff, Level.OWNER, staff.company, "projectmanager")
    staff.sees_all_entities, staff.all_entities_role = True, Role.objects.get(code="admin")
    staff.otp_required = True
    staff.save()
    BusinessEntityFactory(instance=world["alpine"], name="Werkhof soobr 001", owner=staff.company)
    operator_enables_sharing(world)
    page.set_viewport_size(DESKTOP)

    log_in(page, staff.email)
    page.goto("/c/alpine/shares/new/")
    expect(page.get_by_label("all 13 business entities of the whole cockpit")).to_be_visible()
    admin_shares_with(page, "rita@rhein.example", scope="all 13 business entities of the whole cockpit")

    expect(page.get_by_text("Rita Rhein is invited.")).to_be_visible()
    row = page.get_by_test_id("share-list").locator("tbody tr").first
    expect(row.locator("td").nth(2)).to_have_text("Whole cockpit")
    share = Share.objects.get()
    assert [(scope.level, scope.company_id) for scope in share.scopes.all()] == [("cockpit", None)]
    page.get_by_role("link", name="Edit the share of Rita Rhein").click()
    expect(page.get_by_test_id("share-scopes")).to_contain_text("All 13 business entities of the whole cockpit")
    take(page, "sharing-share-edit-whole-cockpit")


def log_in_from_here(page, email: str) -> None:
    """The login page the invitation link led to (keeping its `next`), then the second step."""
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    if urlparse(page.url).path == SECOND_STEP_PATH:
        enter_authenticator_code(page, email)


def test_share_is_offered_only_once_the_operator_allow_lists_a_company(page, world):
    """Without the flag the admin has no Cockpit Shares; with the flag but no allow-list the form says why."""
    page.set_viewport_size(DESKTOP)
    log_in(page, world["admin"].email)
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Cockpit Shares")).to_have_count(0)
    assert page.goto("/c/alpine/shares/").status == 404

    sharing_settings_save(
        actor=world["staff"],
        settings=SharingSettings(instance=world["alpine"]),
        is_shareable=True,
        allowed_companies=[],
    )
    page.goto("/c/alpine/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Cockpit Shares").click()
    page.get_by_role("link", name="Share", exact=True).click()
    expect(page.get_by_text("No company of another cockpit is on this cockpit's allow-list yet")).to_be_visible()
    take(page, "sharing-share-form-empty-allow-list")

    # An address outside the allow-list gets the one answer that reveals nothing.
    sharing_settings_save(
        actor=world["staff"],
        settings=SharingSettings.objects.get(instance=world["alpine"]),
        is_shareable=True,
        allowed_companies=[world["rhein_clean"]],
    )
    page.reload()
    admin_shares_with(page, "nobody@rhein.example")
    expect(page.get_by_text("No user of an allowed company of that cockpit has this email address.")).to_be_visible()
    assert not Share.objects.exists()
    assert not [message for message in mail.outbox if message.to == ["nobody@rhein.example"]]


def test_cockpit_shares_fit_a_phone(page, world):
    operator_enables_sharing(world)
    page.set_viewport_size(PHONE)
    log_in(page, world["admin"].email)

    page.goto("/c/alpine/shares/")
    fits_list = fits_a_phone(page)
    page.goto("/c/alpine/shares/new/")
    fits_form = fits_a_phone(page)

    assert fits_list and fits_form
