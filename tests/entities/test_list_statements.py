"""The entity list, the hottest page, makes at most four statements for every kind of person, at 5 rows and at 50
(tests/support/statements.py names them)."""

import pytest

from entities.models import Level
from tests.factories import BusinessEntityFactory, CompanyFactory, UserFactory, grant_company_role, grant_entity_role
from tests.support.statements import MOST_STATEMENTS, statements_of_the_list

pytestmark = pytest.mark.django_db


@pytest.fixture
def companies(instance):
    return {name: CompanyFactory(instance=instance, name=name) for name in ("Owner A", "Provider B", "Customer C")}


def entities(instance, companies, count):
    return BusinessEntityFactory.create_batch(
        count,
        instance=instance,
        owner=companies["Owner A"],
        service_provider=companies["Provider B"],
        customer=companies["Customer C"],
    )


@pytest.fixture
def level_manager(companies):
    """A company admin: Projectmanager of the owner company (User Management in the sidebar)."""
    user = UserFactory(company=companies["Owner A"])
    grant_company_role(user, Level.OWNER, companies["Owner A"], "projectmanager")
    return user


@pytest.fixture
def level_reader(companies):
    user = UserFactory(company=companies["Provider B"])
    grant_company_role(user, Level.SERVICE_PROVIDER, companies["Provider B"], "projectmanager")
    return user


@pytest.fixture
def entity_only(companies):
    """Someone with roles on single entities only (given below, one per entity)."""
    return UserFactory(company=companies["Customer C"])


@pytest.fixture
def show_all(operator_admin):
    return operator_admin


@pytest.mark.parametrize("rows", [5, 50])
@pytest.mark.parametrize("person", ["level_manager", "level_reader", "entity_only", "show_all"])
def test_the_list_makes_at_most_four_statements_for_a_person_of_the_cockpit(
    client, login, instance, companies, request, person, rows
):
    user = request.getfixturevalue(person)
    made = entities(instance, companies, rows)
    if person == "entity_only":
        for entity in made:
            grant_entity_role(user, entity, "projectmanager")
    login(user)

    statements = statements_of_the_list(client, instance)

    assert len(statements) <= MOST_STATEMENTS, [sql[:90] for sql in statements]
