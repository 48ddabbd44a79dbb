import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from entities.models import CompanyGrant, Level
from sharing.models import SharingSettings
from tests.factories import PASSWORD, CompanyFactory, InstanceFactory, UserFactory, grant_company_role
from tests.support.browser import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def project_manager():
    instance = InstanceFactory(slug="alpine", name="Alpine Facility Services")
    owner = CompanyFactory(instance=instance, name="Zurich Property AG")
    manager = UserFactory(company=owner, email="pm@zurich.example", first_name="Petra", last_name="Projekt")
    grant_company_role(manager, Level.OWNER, owner, "projectmanager")
    colleague = UserFactory(company=owner, email="hans@zurich.example", first_name="Hans", last_name="Leser")
    grant_company_role(colleague, Level.OWNER, owner, "manager")
    return manager


def test_manager_creates_a_user_who_logs_in_with_the_emailed_password(page, screenshot, project_manager):
    log_in(page, project_manager.email, PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="User Management").click()
    expect(page.get_by_role("link", name="Hans Leser")).to_be_visible()
    screenshot("user-list")

    page.get_by_role("link", name="Create user").click()
    page.get_by_label("Email address").fill("nora@zurich.example")
    page.get_by_label("First name").fill("Nora")
    page.get_by_label("Last name").fill("Neu")
    page.get_by_label("Company").select_option(label="Zurich Property AG")
    page.get_by_label("Language").select_option(label="English")
    page.get_by_role("button", name="Add new authorization").click()
    row = page.locator("#company-rows .grant-row").first
    # Petra manages users at the owner level only: the row names it, with nothing to pick.
    expect(row.get_by_test_id("only-level")).to_have_text("Owner")
    expect(row.get_by_role("combobox", name="Level")).to_have_count(0)
    row.get_by_label("Company").select_option(label="Zurich Property AG")
    row.get_by_label("Role").select_option(label="Owner project manager")
    page.get_by_label("Chat").check()
    screenshot("user-create-form")
    page.get_by_role("button", name="Create user and send welcome email").click()

    expect(page.get_by_text("The welcome email is on its way to nora@zurich.example.")).to_be_visible()
    screenshot("user-edit-history")
    assert CompanyGrant.objects.get(user__email="nora@zurich.example").role.code == "owner-project-manager"
    temporary = re.search(r"Temporary password: (\S+)", mail.outbox[-1].body).group(1)

    page.get_by_text("Petra Projekt").click()
    page.get_by_role("button", name="Log out").click()
    newcomer = page
    log_in(newcomer, "nora@zurich.example", temporary)
    expect(newcomer).to_have_url(re.compile(r"/accounts/password/$"))
    expect(newcomer.get_by_text("Please choose your own password before you continue.")).to_be_visible()
    screenshot("user-first-login")
    newcomer.locator("#id_new_password1").fill("Mein-eigenes-Passwort-26")
    newcomer.locator("#id_new_password2").fill("Mein-eigenes-Passwort-26")
    newcomer.get_by_role("button", name="Save password").click()
    expect(newcomer).to_have_url(re.compile(r"/c/alpine/$"))
    expect(newcomer.get_by_text("Your password has been changed.")).to_be_visible()


def test_manager_sees_a_welcome_email_the_service_refused_and_sends_it_again(
    page, screenshot, project_manager, settings
):
    from tests.support.queue import DATABASE_TASKS, invite, run_worker, time_passes

    settings.TASKS, settings.MESSAGE_MAX_ATTEMPTS = DATABASE_TASKS, 2
    settings.EMAIL_BACKEND = "tests.support.failing_email.FailingBackend"
    newcomer = invite(project_manager, project_manager.company)
    for _attempt in range(2):
        run_worker()
        time_passes()
    log_in(page, project_manager.email, PASSWORD)

    page.goto(f"/c/alpine/users/{newcomer.pk}/")
    state = page.get_by_test_id("delivery-state")
    expect(state).to_contain_text("could not be sent after 2 attempts (email service unavailable)")
    screenshot("user-welcome-failed")

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    page.get_by_role("button", name="Send welcome email again").click()
    run_worker()
    page.reload()

    expect(state).to_contain_text("Welcome email: sent")
    assert [email.to for email in mail.outbox] == [["nora@owner-a.example"]]


def test_the_create_user_page_has_no_rough_edges(page, screenshot, project_manager, other_instance):
    # given: a shareable cockpit, and Gina of another cockpit
    SharingSettings.objects.create(instance=project_manager.company.instance, is_shareable=True)
    UserFactory(company=CompanyFactory(instance=other_instance), email="gina@rhein.example")
    log_in(page, project_manager.email, PASSWORD)

    # the manager's own list names her, as herself, with nothing of hers to change
    page.goto("/c/alpine/users/")
    own = page.get_by_role("row").filter(has_text="pm@zurich.example")
    expect(own.get_by_test_id("you")).to_have_text("you")
    expect(own.get_by_role("checkbox")).to_have_count(0)
    expect(page.get_by_test_id("user-total")).to_have_text("2 users")
    screenshot("user-list-with-you")

    # one level: shown as text, and why (once the page's script is there to add the row)
    with page.expect_navigation():
        page.get_by_role("link", name="Create user").click()
    page.get_by_role("button", name="Add new authorization").click()
    expect(page.get_by_test_id("only-level")).to_have_text("Owner")
    expect(page.get_by_test_id("only-level-note")).to_be_visible()
    screenshot("user-create-single-level")

    # an empty submit: errors, and no offer of a share
    page.reload()
    page.get_by_role("button", name="Create user and send welcome email").click()
    expect(page.locator("#id_email_error")).to_be_visible()
    expect(page.get_by_test_id("offer-share")).to_have_count(0)
    screenshot("user-create-empty")

    # an address of another cockpit: the offer stands under the email field
    page.get_by_label("Email address").fill("gina@rhein.example")
    page.get_by_role("button", name="Create user and send welcome email").click()
    email_field = page.locator(".field").filter(has=page.get_by_label("Email address"))
    expect(email_field.get_by_role("link", name="Share this cockpit with this address instead")).to_be_visible()
    screenshot("user-create-share-offer")

    # no role: created, and the person's page warns
    page.get_by_label("Email address").fill("nora@zurich.example")
    page.get_by_label("First name").fill("Nora")
    page.get_by_label("Last name").fill("Neu")
    page.locator("#id_company").select_option(label="Zurich Property AG")
    page.get_by_role("button", name="Create user and send welcome email").click()
    expect(page.get_by_test_id("no-role-warning")).to_contain_text("Nora Neu holds no role")
    screenshot("user-created-without-role")
    assert not CompanyGrant.objects.filter(user__email="nora@zurich.example").exists()


@pytest.fixture
def external_collaborator(project_manager):
    """Seed 003's example: a CleanPro employee with an owner role at Zurich Property AG."""
    zurich = project_manager.company
    cleanpro = CompanyFactory(instance=zurich.instance, name="CleanPro Services")
    oskar = UserFactory(company=cleanpro, email="oskar@cleanpro.example", first_name="Oskar", last_name="Ott")
    grant_company_role(oskar, Level.OWNER, zurich, "manager")
    grant_company_role(oskar, Level.SERVICE_PROVIDER, cleanpro, "provider-project-manager")
    return oskar


@pytest.mark.parametrize("width", [1366, 360])
def test_manager_finds_an_external_user_removes_their_grant_and_exports_the_list(
    page, screenshot, project_manager, external_collaborator, width
):
    page.set_viewport_size({"width": width, "height": 800})
    log_in(page, project_manager.email, PASSWORD)
    page.goto("/c/alpine/users/")

    # find: the "Who" filter shows the external user, marked as such
    page.get_by_label("Who").select_option(label="External")
    page.get_by_role("button", name="Filter").click()
    row = page.get_by_role("row").filter(has_text="oskar@cleanpro.example")
    expect(row.get_by_text("external", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Hans Leser")).to_have_count(0)
    screenshot(f"user-list-external-{width}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    # remove the grant at Zurich Property AG; the CleanPro role stays
    row.get_by_role("link", name="Oskar Ott").click()
    expect(page.get_by_text("employed by CleanPro Services")).to_be_visible()
    page.get_by_text("What each role you can grant may do").click()
    screenshot(f"user-external-{width}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.locator("#company-rows .grant-row").first.get_by_text("Remove").click()
    page.get_by_role("button", name="Save authorizations").click()
    expect(page.get_by_text("The authorizations of Oskar Ott are saved.")).to_be_visible()
    assert [(g.level, g.company.name) for g in CompanyGrant.objects.filter(user=external_collaborator)] == [
        (Level.SERVICE_PROVIDER, "CleanPro Services")
    ]
    expect(page.get_by_role("link", name="Oskar Ott")).to_have_count(0)

    # export: the CSV lists the users the list shows
    with page.expect_download() as download:
        page.get_by_role("button", name="Export CSV").click()
    text = download.value.path().read_text(encoding="utf-8-sig")
    assert "hans@zurich.example" in text and "oskar@cleanpro.example" not in text
