"""The cast of User Management's pages: companies A (owner), B (service provider), C (customer) and X (other),
A's Projectmanager Petra, B's Provider project manager, and a colleague at A with the Manager role."""

import pytest

from entities.models import Level
from tests.factories import CompanyFactory, UserFactory, grant_company_role


@pytest.fixture
def companies(instance):
    return {
        key: CompanyFactory(instance=instance, name=name)
        for key, name in [("A", "Owner A"), ("B", "Provider B"), ("C", "Customer C"), ("X", "Other X")]
    }


@pytest.fixture
def pm(companies):
    """Projectmanager of owner A: manages users of A."""
    user = UserFactory(company=companies["A"], email="pm@owner-a.example", first_name="Petra")
    grant_company_role(user, Level.OWNER, companies["A"], "projectmanager")
    return user


@pytest.fixture
def ppm(companies):
    """Provider project manager of B."""
    user = UserFactory(company=companies["B"], email="ppm@provider-b.example")
    grant_company_role(user, Level.SERVICE_PROVIDER, companies["B"], "provider-project-manager")
    return user


@pytest.fixture
def colleague(companies):
    user = UserFactory(company=companies["A"], email="colleague@owner-a.example")
    grant_company_role(user, Level.OWNER, companies["A"], "manager")
    return user
