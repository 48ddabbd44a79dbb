"""The frame every page shares, on a phone and on a laptop: the folding sidebar, the skip link, a visible focus
ring, error pages that keep the header, the login page's language switch, and the admin pages operators use."""

import re

import pytest
from playwright.sync_api import expect

from entities.models import Level
from tests.factories import (
    BusinessEntityFactory,
    CompanyFactory,
    InstanceFactory,
    OperatorCompanyFactory,
    UserFactory,
    grant_company_role,
)
from tests.support.browser import PHONE_WIDTH, give_authenticator_app, inspect_page, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def manager():
    instance = InstanceFactory(slug="alpine", name="Alpine Facility Services")
    owner = CompanyFactory(instance=instance, name="Zurich Property AG")
    BusinessEntityFactory(instance=instance, name="Bürohaus Seefeld 001", owner=owner)
    manager = UserFactory(company=owner, email="pm@zurich.example", first_name="Petra", last_name="Projekt")
    grant_company_role(manager, Level.OWNER, owner, "projectmanager")
    colleague = UserFactory(company=owner, email="hans@zurich.example", first_name="Hans", last_name="Leser")
    grant_company_role(colleague, Level.OWNER, owner, "manager")
    return manager


def contrast(first: str, second: str) -> float:
    """WCAG's contrast ratio of two CSS rgb() colours."""

    def luminance(colour: str) -> float:
        channels = [int(value) / 255 for value in re.findall(r"\d+", colour)[:3]]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted([luminance(first), luminance(second)], reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_on_a_phone_the_sidebar_folds_behind_the_menu_button(page, screenshot, manager):
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 740})
    log_in(page, manager.email)
    navigation = page.get_by_role("navigation", name="Main")
    expect(navigation).to_be_hidden()

    page.get_by_role("button", name="Menu").click()

    expect(page.get_by_role("button", name="Menu")).to_have_attribute("aria-expanded", "true")
    expect(navigation).to_be_visible()
    screenshot("layout-phone-menu-open")
    navigation.get_by_role("link", name="User Management").click()
    expect(page.get_by_role("heading", name="User Management")).to_be_visible()
    expect(navigation).to_be_hidden()


def test_on_a_laptop_the_sidebar_shows_and_the_menu_button_does_not(page, manager):
    log_in(page, manager.email)

    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()


def test_the_first_tab_stop_skips_to_the_content(page, manager):
    log_in(page, manager.email)

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")

    expect(page.locator("main#main")).to_be_focused()


def test_a_focused_input_shows_a_ring_of_at_least_3_to_1_contrast(page, manager):
    log_in(page, manager.email)
    page.goto("/c/alpine/users/new/")
    email = page.get_by_label("Email address")

    email.focus()

    style = email.evaluate("e => { const s = getComputedStyle(e); return [s.outlineStyle, s.outlineColor]; }")
    background = page.evaluate("getComputedStyle(document.querySelector('.card')).backgroundColor")
    assert style[0] != "none"
    assert contrast(style[1], background) >= 3


def test_a_field_error_is_tied_to_its_input(page, manager):
    log_in(page, manager.email)
    page.goto("/c/alpine/users/new/")

    page.get_by_label("Email address").fill("not an address")
    page.get_by_role("button", name="Create user and send welcome email").click()

    email = page.get_by_label("Email address")
    expect(email).to_have_attribute("aria-invalid", "true")
    error_id = email.get_attribute("aria-describedby").split()[-1]
    expect(page.locator(f"#{error_id}")).to_contain_text("Enter a valid email address.")
    inspect_page(page, "layout-field-error")


def test_a_missing_page_keeps_the_header_and_log_out(page, manager):
    log_in(page, manager.email)

    response = page.goto("/c/alpine/entities/999999/")

    assert response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(page.get_by_role("banner")).to_contain_text("Alpine Facility Services")
    page.locator(".usermenu > summary").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    inspect_page(page, "layout-404")


def test_a_forbidden_page_keeps_the_header(page, manager):
    reader = UserFactory(company=manager.company, email="leser@zurich.example")
    grant_company_role(reader, Level.OWNER, manager.company, "customer")
    log_in(page, reader.email)

    response = page.goto("/c/alpine/users/new/")

    assert response.status in (403, 404)
    expect(page.get_by_role("banner")).to_contain_text("Alpine Facility Services")
    inspect_page(page, "layout-forbidden")


def test_the_login_page_switches_to_german(page, manager):
    page.goto("/accounts/login/")

    page.get_by_role("button", name="Deutsch").click()

    expect(page.get_by_role("heading", name="Anmelden")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    inspect_page(page, "login-german")


def test_the_dashboard_shows_a_manager_their_users_and_access(page, screenshot, manager):
    log_in(page, manager.email)

    expect(page.get_by_test_id("user-counts")).to_contain_text("Active")
    expect(page.get_by_test_id("own-access")).to_contain_text("Zurich Property AG")
    expect(page.get_by_test_id("access-changes")).to_contain_text("Hans Leser")
    screenshot("dashboard-manager")


@pytest.fixture
def operator():
    instance = InstanceFactory(slug="alpine", name="Alpine Facility Services")
    staff = UserFactory(
        company=OperatorCompanyFactory(instance=instance, name="soobr AG"),
        email="olivia@soobr.example",
        first_name="Olivia",
        is_staff=True,
        is_superuser=True,
    )
    give_authenticator_app(staff)
    return staff


def test_the_admin_pages_operators_use_have_no_accessibility_violations(page, operator):
    customer = CompanyFactory(instance=operator.company.instance, name="Kantonsspital Nord")
    BusinessEntityFactory(instance=operator.company.instance, name="Klinik Bahnhof 022", customer=customer)
    member = UserFactory(company=customer, email="karin@example.com")
    grant_company_role(member, Level.CUSTOMER, customer, "customer")
    log_in(page, operator.email)
    page.locator(".usermenu > summary").click()
    page.get_by_test_id("admin-link").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))

    pages = {
        "admin-index": "/admin/",
        "admin-user-list": "/admin/accounts/user/",
        "admin-user-change": f"/admin/accounts/user/{member.pk}/change/",
        "admin-operator-change": f"/admin/accounts/user/{operator.pk}/change/",
        "admin-explain": f"/admin/accounts/user/{member.pk}/explain/",
        "admin-role-list": "/admin/entities/role/",
        "admin-role-change": "/admin/entities/role/1/change/",
        "admin-role-overview": "/admin/entities/role/overview/",
        "admin-role-overview-special": "/admin/entities/role/overview/?kind=special",
        "admin-entity-list": "/admin/entities/businessentity/",
        "admin-audit-log": "/admin/entities/auditlogentry/",
        "admin-cockpit-change": f"/admin/entities/instance/{member.company.instance_id}/change/",
    }
    for name, path in pages.items():
        response = page.goto(path)
        assert response.status == 200, f"{path} answers {response.status}"
        page.wait_for_load_state("networkidle")
        inspect_page(page, name, fits=False)


def test_lists_opened_faster_than_a_person_reads_answer_a_page_that_says_to_wait(page, manager, settings):
    settings.LIST_REQUESTS_PER_USER = 1
    log_in(page, manager.email)
    page.goto("/c/alpine/entities/")

    response = page.goto("/c/alpine/entities/?page=2")

    assert response.status == 429
    expect(page.get_by_role("heading", name="Too many requests")).to_be_visible()
    expect(page.get_by_role("banner")).to_contain_text("Alpine Facility Services")
    inspect_page(page, "layout-429")


def test_a_database_outage_answers_a_page_in_both_languages_without_a_traceback(page, manager):
    from unittest import mock

    from django.db import OperationalError

    log_in(page, manager.email)
    with mock.patch("cockpit.views.DashboardView.get_context_data", side_effect=OperationalError("shutting down")):
        response = page.goto("/c/alpine/")

        assert response.status == 503
        expect(page.get_by_role("heading", name="Temporarily unavailable")).to_be_visible()
        expect(page.get_by_text("Vorübergehend nicht verfügbar")).to_be_visible()
        inspect_page(page, "layout-503")
