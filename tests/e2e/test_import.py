"""A company admin imports people from a CSV file: a preview names the line with an error, the fixed file imports."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from entities.models import Level
from tests.factories import CompanyFactory, InstanceFactory, OperatorCompanyFactory, UserFactory, grant_company_role
from tests.support.browser import give_authenticator_app, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HEADER = "email,first_name,last_name,company,language,mobile_phone,roles\n"


@pytest.fixture
def project_manager():
    instance = InstanceFactory(slug="alpine", name="Alpine Facility Services")
    owner = CompanyFactory(instance=instance, name="Zurich Property AG")
    manager = UserFactory(company=owner, email="pm@zurich.example", first_name="Petra", last_name="Projekt")
    grant_company_role(manager, Level.OWNER, owner, "projectmanager")
    return manager


def people(*, broken: bool) -> bytes:
    company = "Nowhere AG" if broken else "Zurich Property AG"
    return (
        HEADER
        + "anna@zurich.example,Anna,Ahorn,Zurich Property AG,en,,Owner · Zurich Property AG: Customer\n"
        + f"ben@zurich.example,Ben,Birke,{company},de,,Owner · Zurich Property AG: Manager\n"
    ).encode()


def test_a_manager_sees_the_line_with_an_error_then_imports_the_fixed_file(page, screenshot, project_manager):
    log_in(page, project_manager.email)
    page.goto("/c/alpine/users/")
    page.get_by_role("link", name="Import people").click()
    screenshot("user-import")

    page.get_by_label("CSV file").set_input_files(
        {"name": "people.csv", "mimeType": "text/csv", "buffer": people(broken=True)}
    )
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_test_id("import-counts")).to_contain_text(
        "1 to create, 0 to give roles, 0 unchanged, 1 with errors."
    )
    expect(page.get_by_test_id("import-lines")).to_contain_text("Line 3: “Nowhere AG” is none of the companies")
    expect(page.get_by_role("button", name="Import", exact=True)).to_have_count(0)
    screenshot("user-import-preview-errors")

    page.get_by_label("CSV file").set_input_files(
        {"name": "people.csv", "mimeType": "text/csv", "buffer": people(broken=False)}
    )
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_test_id("import-counts")).to_contain_text("2 to create")
    screenshot("user-import-preview")
    page.get_by_role("button", name="Import", exact=True).click()

    expect(page).to_have_url(re.compile(r"/c/alpine/users/$"))
    expect(page.get_by_text(re.compile(r"2 people created"))).to_be_visible()
    assert sorted(
        User.objects.filter(email__in=["anna@zurich.example", "ben@zurich.example"]).values_list(
            "first_name", flat=True
        )
    ) == ["Anna", "Ben"]


def test_operator_staff_import_people_in_the_admin(page, screenshot, project_manager):
    soobr = OperatorCompanyFactory(instance=project_manager.company.instance, name="soobr AG")
    staff = UserFactory(company=soobr, email="olivia@soobr.example", is_staff=True, is_superuser=True)
    give_authenticator_app(staff)
    log_in(page, staff.email)
    page.goto("/admin/accounts/user/")
    page.get_by_role("link", name="Import people").click()
    expect(page.get_by_role("heading", name="Import people")).to_be_visible()

    page.get_by_label("CSV file").set_input_files(
        {"name": "people.csv", "mimeType": "text/csv", "buffer": people(broken=False)}
    )
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_test_id("import-counts")).to_contain_text("2 to create")
    # The Django admin's own tables scroll sideways on a phone; what is ours must pass axe.
    screenshot("admin-user-import-preview", fits=False)
    page.get_by_role("button", name="Import", exact=True).click()

    expect(page).to_have_url(re.compile(r"/admin/accounts/user/$"))
    expect(page.locator(".messagelist")).to_contain_text("2 people created")
    assert User.objects.filter(email__in=["anna@zurich.example", "ben@zurich.example"]).count() == 2
