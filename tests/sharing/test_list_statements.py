"""The entity list of a cockpit shared with the person makes at most four statements too (tests/entities)."""

import pytest

from sharing.modules import ShareLevel
from tests.factories import BusinessEntityFactory
from tests.support.statements import MOST_STATEMENTS, statements_of_the_list

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("rows", [5, 50])
def test_the_list_makes_at_most_four_statements_for_a_person_the_cockpit_is_shared_with(
    client, login, instance, shared_with, guest, owner, rows
):
    BusinessEntityFactory.create_batch(rows, instance=instance, owner=owner)
    shared_with(guest, inventory=ShareLevel.WRITE)
    login(guest)

    statements = statements_of_the_list(client, instance)

    assert len(statements) <= MOST_STATEMENTS, [sql[:90] for sql in statements]
