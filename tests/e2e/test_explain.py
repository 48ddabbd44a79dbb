"""The explanation of a person's access, which the crawler cannot reach by links (it needs an entity typed in)."""

import pytest
from playwright.sync_api import expect

from entities.models import Level
from tests.factories import (
    BusinessEntityFactory,
    CompanyFactory,
    InstanceFactory,
    UserFactory,
    grant_company_role,
    grant_entity_role,
)
from tests.support.browser import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["en", "de"])
def test_the_explanation_of_a_persons_access_fits_a_phone_and_a_laptop(page, screenshot, language):
    instance = InstanceFactory(slug="alpine", name="Alpine Facility Services")
    owner = CompanyFactory(instance=instance, name="Zurich Property AG")
    provider = CompanyFactory(instance=instance, name="CleanPro Services")
    entity = BusinessEntityFactory(
        instance=instance, name="Bürohaus Seefeldstrasse 001", owner=owner, service_provider=provider
    )
    manager = UserFactory(company=owner, email="pm@zurich.example", language=language)
    grant_company_role(manager, Level.OWNER, owner, "projectmanager")
    grant_company_role(manager, Level.SERVICE_PROVIDER, provider, "projectmanager")
    person = UserFactory(company=owner, email="urs@zurich.example", first_name="Urs", last_name="Beispiel")
    grant_company_role(person, Level.OWNER, owner, "owner-project-manager")
    grant_company_role(person, Level.SERVICE_PROVIDER, provider, "provider-project-manager")
    grant_entity_role(person, entity, "quality-feedback-users")
    log_in(page, manager.email)

    page.goto(f"/c/alpine/users/{person.pk}/access/?entity={entity.pk}")

    expect(page.get_by_test_id("explain-reason")).to_be_visible()
    screenshot(f"explain-access-{language}")
