"""Managers and the companies they manage, for the permission and service-rule tests."""

import pytest

from entities.models import Level
from tests.factories import CompanyFactory, UserFactory, grant_company_role


@pytest.fixture
def owner_a(instance):
    return CompanyFactory(instance=instance, name="Owner A")


@pytest.fixture
def provider_b(instance):
    return CompanyFactory(instance=instance, name="Provider B")


@pytest.fixture
def other_x(instance):
    return CompanyFactory(instance=instance, name="Other X")


@pytest.fixture
def projectmanager_a(owner_a):
    """Projectmanager at owner level of A: manages users of A."""
    manager = UserFactory(company=owner_a, email="pm@owner-a.example")
    grant_company_role(manager, Level.OWNER, owner_a, "projectmanager")
    return manager


@pytest.fixture
def provider_pm_b(provider_b):
    """Provider project manager of B: manages users of B, with fewer rights than a Projectmanager."""
    manager = UserFactory(company=provider_b, email="ppm@provider-b.example")
    grant_company_role(manager, Level.SERVICE_PROVIDER, provider_b, "provider-project-manager")
    return manager


@pytest.fixture
def employee_a(owner_a):
    """A user of A whose only role (Manager, read-only) lies within the reach of A's Projectmanager."""
    employee = UserFactory(company=owner_a, email="colleague@owner-a.example")
    grant_company_role(employee, Level.OWNER, owner_a, "manager")
    return employee


@pytest.fixture
def operator_staff(operator_company):
    """Operator staff who is not a superuser: manages every user of the cockpit but other staff."""
    return UserFactory(company=operator_company, email="stefan@soobr.example", is_staff=True)


@pytest.fixture
def operator_projectmanager(operator_company):
    """An operator employee without Django admin access, managing users of the operator company by a role."""
    manager = UserFactory(company=operator_company, email="pm@soobr.example")
    grant_company_role(manager, Level.OWNER, operator_company, "projectmanager")
    return manager


@pytest.fixture
def admin_client(client, operator_admin, login):
    """The operator admin signed in (both steps), in place of pytest-django's company-less superuser."""
    return login(operator_admin)
