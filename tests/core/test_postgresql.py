"""core.postgresql: a savepoint rolled back keeps the connection's prepared statements."""

import pytest
from django.db import connection, transaction

from entities.models import Instance

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"),
]

STATEMENT = "SELECT count(*) FROM entities_instance WHERE id > %s"


def prepared_here(cursor) -> int:
    cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ["%entities_instance%"])
    return cursor.fetchone()[0]


def test_a_statement_prepared_before_a_savepoint_is_rolled_back_stays_prepared():
    with connection.cursor() as cursor:
        for _ in range(6):
            cursor.execute(STATEMENT, [0])
        assert prepared_here(cursor) == 1

        with transaction.atomic():  # inside the test's transaction: a savepoint
            cursor.execute(STATEMENT, [0])
            transaction.set_rollback(True)

        assert prepared_here(cursor) == 1
        cursor.execute(STATEMENT, [0])  # still known to psycopg: it runs as the prepared statement
        assert cursor.fetchone()[0] >= 0
        assert prepared_here(cursor) == 1


def test_a_savepoint_rolled_back_still_undoes_its_writes():
    with connection.cursor() as cursor:
        for _ in range(6):
            cursor.execute(STATEMENT, [0])
        with transaction.atomic():
            Instance.objects.create(slug="rolled-back", name="Rolled back")
            transaction.set_rollback(True)

    assert not Instance.objects.filter(slug="rolled-back").exists()


def test_statements_are_still_prepared_after_a_savepoint_is_rolled_back():
    with transaction.atomic():
        transaction.set_rollback(True)
    with connection.cursor() as cursor:
        for _ in range(6):
            cursor.execute(STATEMENT, [0])

        assert prepared_here(cursor) == 1
