"""Entities awaiting plans, a CAD plan provider, a customer, a manager, and a temporary plan storage."""

from pathlib import Path

import pytest

from plans.services import plan_file_upload, plans_request
from tests.factories import BusinessEntityFactory, CompanyFactory, UserFactory, grant_entity_role
from tests.support.plan_files import pdf


@pytest.fixture(autouse=True)
def plans_root(settings, tmp_path) -> Path:
    """Plan files go to a fresh directory for each test.

    Django's storage handler remembers its backends; changing settings.STORAGES resets it
    (django.test.signals.storages_changed), so plans.models.plan_storage() finds this one.
    """
    root = tmp_path / "plans"
    settings.STORAGES = {
        **settings.STORAGES,
        "plans": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(root)}},
    }
    return root


@pytest.fixture
def stored_files(plans_root):
    """The files in the plan storage, as paths relative to its root."""
    return lambda: sorted(str(path.relative_to(plans_root)) for path in plans_root.rglob("*") if path.is_file())


@pytest.fixture
def new_building(instance):
    """A new entity awaiting plans."""
    entity = BusinessEntityFactory(
        instance=instance, name="Neubau Europaallee 01", address="Europaallee 1, 8004 Zürich"
    )
    plans_request(actor=None, entity=entity)
    return entity


@pytest.fixture
def other_new_building(instance):
    """Another entity awaiting plans, which the CAD plan provider is not granted on."""
    entity = BusinessEntityFactory(instance=instance, name="Neubau Hafen 02", address="Hafenstrasse 2, 4057 Basel")
    plans_request(actor=None, entity=entity)
    return entity


@pytest.fixture
def old_building(instance):
    """An entity whose plans were never requested."""
    return BusinessEntityFactory(instance=instance, name="Altbau Seefeld 03", address="Seefeldstrasse 3, 8008 Zürich")


@pytest.fixture
def cad_company(instance):
    return CompanyFactory(instance=instance, name="CAD Partner AG")


@pytest.fixture
def cad_provider(cad_company, new_building):
    user = UserFactory(company=cad_company, email="plans@cadpartner.example")
    grant_entity_role(user, new_building, "cad-plan-provider")
    return user


@pytest.fixture
def second_cad_provider(cad_company, new_building):
    user = UserFactory(company=cad_company, email="plans2@cadpartner.example")
    grant_entity_role(user, new_building, "cad-plan-provider")
    return user


@pytest.fixture
def customer(customer_company, new_building):
    """Views the entity's master data (the Customer role) and edits nothing of it."""
    user = UserFactory(company=customer_company, email="customer@example.com")
    grant_entity_role(user, new_building, "customer")
    return user


@pytest.fixture
def analytics_customer(customer_company, new_building):
    """Sees the entity, but not its master data (Customer analytics only)."""
    user = UserFactory(company=customer_company, email="analytics@example.com")
    grant_entity_role(user, new_building, "customer-analytics-only")
    return user


@pytest.fixture
def manager(customer_company, new_building, other_new_building, old_building):
    """Edits the master data of the three entities (Projectmanager): manages their plans."""
    user = UserFactory(company=customer_company, email="pm@example.com")
    for entity in (new_building, other_new_building, old_building):
        grant_entity_role(user, entity, "projectmanager")
    return user


@pytest.fixture
def stranger(customer_company):
    """A user of the cockpit without any role on the plans' entities."""
    return UserFactory(company=customer_company, email="stranger@example.com")


@pytest.fixture
def foreign_user(other_instance):
    """A user of another cockpit, with a CAD plan provider and a Projectmanager role on its entities."""
    user = UserFactory(company=CompanyFactory(instance=other_instance), email="foreign@example.com")
    foreign_entity = BusinessEntityFactory(instance=other_instance)
    grant_entity_role(user, foreign_entity, "cad-plan-provider")
    grant_entity_role(user, BusinessEntityFactory(instance=other_instance), "projectmanager")
    return user


@pytest.fixture
def operator_staff(operator_company):
    """Operator staff (Django admin) without any role or "show all": the cockpit shows them no entity."""
    return UserFactory(company=operator_company, email="staff@soobr.example", is_staff=True)


@pytest.fixture
def upload(cad_provider, new_building):
    """A PDF the CAD plan provider uploaded for the new building."""
    return plan_file_upload(actor=cad_provider, entity=new_building, upload=pdf())
