"""A manager gives a colleague's role an end date on the person's page and reads it back in the user list, at a
phone's and a laptop's width, in English and German."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format
from playwright.sync_api import expect

from accounts.models import User
from entities.models import CompanyGrant, Level
from tests.factories import CompanyFactory, InstanceFactory, UserFactory, grant_company_role
from tests.support.browser import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def project_manager():
    instance = InstanceFactory(slug="alpine", name="Alpine Facility Services")
    owner = CompanyFactory(instance=instance, name="Zurich Property AG")
    manager = UserFactory(company=owner, email="pm@zurich.example", first_name="Petra", last_name="Projekt")
    grant_company_role(manager, Level.OWNER, owner, "projectmanager")
    cleaner = UserFactory(company=owner, email="hans@zurich.example", first_name="Hans", last_name="Leser")
    grant_company_role(cleaner, Level.OWNER, owner, "customer")
    return manager


@pytest.mark.parametrize("language", ["en", "de"])
def test_a_manager_ends_a_role_on_a_date_and_the_list_says_so(page, screenshot, project_manager, language):
    User.objects.filter(pk=project_manager.pk).update(language=language)
    end = timezone.localdate() + timedelta(days=90)
    log_in(page, project_manager.email)
    page.goto("/c/alpine/users/")
    page.get_by_role("link", name="Hans Leser").click()

    row = page.locator("#company-rows .grant-row").first
    row.locator("input[type=date]").fill(end.isoformat())
    screenshot(f"grant-end-date-{language}")
    page.locator("form button.primary[type=submit]").first.click()

    assert CompanyGrant.objects.get(user__email="hans@zurich.example").ends_on == end
    page.goto("/c/alpine/users/")
    with translation.override(language):
        shown = date_format(end, "SHORT_DATE_FORMAT")
    expect(page.get_by_test_id("ends-on").first).to_contain_text(shown)
    screenshot(f"grant-end-date-list-{language}")
