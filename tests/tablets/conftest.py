"""A cockpit with an Inventory manager, two Tablet providers of different companies and a user without tablets."""

import pytest

from tablets.models import Tablet
from tablets.services import tablet_add
from tests.factories import BusinessEntityFactory, CompanyFactory, UserFactory, grant_entity_role


@pytest.fixture
def building(instance):
    return BusinessEntityFactory(instance=instance, name="Bürohaus Seefeld 001")


@pytest.fixture
def second_building(instance):
    return BusinessEntityFactory(instance=instance, name="Klinik Limmat 002")


@pytest.fixture
def partner(instance):
    return CompanyFactory(instance=instance, name="TabletPartner AG")


@pytest.fixture
def rival(instance):
    return CompanyFactory(instance=instance, name="Other Tablets GmbH")


@pytest.fixture
def inventory_manager(operator_company, building):
    manager = UserFactory(company=operator_company, email="inventory@soobr.example")
    grant_entity_role(manager, building, "inventory-manager")
    return manager


@pytest.fixture
def provider(partner, building):
    user = UserFactory(company=partner, email="tablets@partner.example")
    grant_entity_role(user, building, "tablet-provider")
    return user


@pytest.fixture
def rival_provider(rival, building):
    user = UserFactory(company=rival, email="tablets@rival.example")
    grant_entity_role(user, building, "tablet-provider")
    return user


@pytest.fixture
def no_tablets_user(customer_company, building):
    """A customer of the cockpit whose role has no tablets right."""
    user = UserFactory(company=customer_company, email="customer@example.com")
    grant_entity_role(user, building, "customer")
    return user


@pytest.fixture
def make_tablet(instance):
    """A tablet added through the service by `by` (its company is the adding company)."""

    def _make(by, serial: str, model: str = "Galaxy Tab A9") -> Tablet:
        return tablet_add(actor=by, instance=instance, serial_number=serial, model=model)

    return _make
