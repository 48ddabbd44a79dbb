"""The audit log's export in the browser: a manager downloads a person's history, operator staff the admin's list."""

import json

import pytest
from playwright.sync_api import expect

from entities.models import Level
from tests.factories import (
    PASSWORD,
    CompanyFactory,
    InstanceFactory,
    OperatorCompanyFactory,
    UserFactory,
    grant_company_role,
)
from tests.support.browser import give_authenticator_app, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def colleague():
    instance = InstanceFactory(slug="alpine", name="Alpine Facility Services")
    owner = CompanyFactory(instance=instance, name="Zurich Property AG")
    manager = UserFactory(company=owner, email="pm@zurich.example", first_name="Petra", last_name="Projekt")
    grant_company_role(manager, Level.OWNER, owner, "projectmanager")
    person = UserFactory(company=owner, email="hans@zurich.example", first_name="Hans", last_name="Leser")
    grant_company_role(person, Level.OWNER, owner, "manager")
    return person


def test_a_manager_downloads_a_persons_history_as_json_lines(page, screenshot, colleague):
    log_in(page, "pm@zurich.example", PASSWORD)
    page.goto(f"/c/alpine/users/{colleague.pk}/")
    export = page.get_by_test_id("audit-export")
    expect(export.get_by_role("heading", name="Export this history")).to_be_visible()
    screenshot("user-history-export")

    with page.expect_download() as download:
        export.get_by_role("button", name="Export as JSON Lines").click()

    lines = [json.loads(line) for line in download.value.path().read_text(encoding="utf-8").splitlines()]
    assert [(line["action"], line["what"], line["concerning"]) for line in lines] == [
        ("Role granted", "Owner · Zurich Property AG", "hans@zurich.example")
    ]


def test_operator_staff_download_the_filtered_audit_list_as_csv(page, screenshot, colleague):
    soobr = OperatorCompanyFactory(instance=colleague.company.instance, name="soobr AG")
    staff = UserFactory(company=soobr, email="olivia@soobr.example", is_staff=True, is_superuser=True)
    give_authenticator_app(staff)
    log_in(page, staff.email)
    page.goto("/admin/entities/auditlogentry/?action=grant.created&q=hans")
    # The Django admin's own tables scroll sideways on a phone; what is ours must pass axe.
    screenshot("admin-audit-export", fits=False)

    with page.expect_download() as download:
        page.get_by_role("button", name="Export as CSV").click()

    text = download.value.path().read_text(encoding="utf-8-sig")
    assert "hans@zurich.example" in text and "pm@zurich.example" not in text
