"""An operator reads the audit log in the Django admin: filters typed in, an entry as a sentence and a table."""

import pytest
from playwright.sync_api import expect

from accounts.services import user_update
from entities.models import Level
from tests.factories import CompanyFactory, OperatorCompanyFactory, UserFactory, grant_company_role
from tests.support.browser import give_authenticator_app, inspect_page, log_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def audited(instance):
    """Operator staff renamed Kim; Lea renamed herself."""
    staff = UserFactory(
        company=OperatorCompanyFactory(instance=instance, name="soobr AG"),
        email="olivia@soobr.example",
        is_staff=True,
        is_superuser=True,
    )
    give_authenticator_app(staff)
    owner = CompanyFactory(instance=instance, name="Zurich Property AG")
    kim = UserFactory(company=owner, email="kim@zurich.example", first_name="Kim", last_name="Keller")
    lea = UserFactory(company=owner, email="lea@zurich.example", first_name="Lea", last_name="Lang")
    grant_company_role(kim, Level.OWNER, owner, "customer")
    user_update(actor=staff, user=kim, first_name="Kimberly")
    user_update(actor=lea, user=lea, last_name="Lang-Meier")
    return staff


def test_an_operator_filters_the_audit_log_by_person_and_reads_an_entry_in_words(page, audited):
    log_in(page, audited.email)
    page.goto("/admin/entities/auditlogentry/")
    inspect_page(page, "audit-list", fits=False)

    # the person filter is typed in: who acted
    page.get_by_label("Who acted (email address)").fill("lea@zurich.example")
    page.get_by_label("Who acted (email address)").press("Enter")
    results = page.locator("#result_list tbody tr")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text("Last name: Lang → Lang-Meier")

    results.first.locator("a").first.click()
    expect(page.get_by_role("heading", level=2).first).to_contain_text(
        "User changed by lea@zurich.example, concerning Lea Lang-Meier, on "
    )
    expect(page.get_by_test_id("audit-time-zone")).to_have_text(
        "All times on this page are in the Europe/Zurich time zone."
    )
    expect(page.get_by_role("row", name="Last name Lang Lang-Meier")).to_be_visible()
    inspect_page(page, "audit-entry")
