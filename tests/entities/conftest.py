import pytest

from tests.factories import BusinessEntityFactory, CompanyFactory


@pytest.fixture
def owner(instance):
    return CompanyFactory(instance=instance, name="Owner A")


@pytest.fixture
def building(instance, owner):
    return BusinessEntityFactory(instance=instance, name="Klinik Nord", owner=owner)
