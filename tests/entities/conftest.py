import pytest

from entities.models import Level
from tests.factories import BusinessEntityFactory, CompanyFactory, UserFactory, grant_company_role


@pytest.fixture
def owner(instance):
    return CompanyFactory(instance=instance, name="Owner A")


@pytest.fixture
def building(instance, owner):
    return BusinessEntityFactory(instance=instance, name="Klinik Nord", owner=owner)


@pytest.fixture
def reader(owner):
    """Sees every entity A owns, as Owner project manager."""
    reader = UserFactory(company=owner, email="reader@owner-a.example")
    grant_company_role(reader, Level.OWNER, owner, "owner-project-manager")
    return reader
