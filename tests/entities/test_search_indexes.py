"""Search at any size (PostgreSQL): rare words through trigram indexes, the planner told which words are rare,
and a prepared statement never planned without the search word."""

import pytest
from django.db import connection

from entities.access import EntityFilter, entity_page
from entities.models import Level
from tests.factories import BusinessEntityFactory, CompanyFactory, UserFactory, grant_company_role

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the search indexes are PostgreSQL's"),
]


def test_the_upper_cased_name_and_address_have_trigram_indexes_that_upper_like_can_use():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'entities_businessentity'"
            " AND indexdef LIKE '%%gin_trgm_ops%%'"
        )
        found = dict(cursor.fetchall())

    assert set(found) == {"entity_name_trgm_idx", "entity_address_trgm_idx"}
    assert "upper((name)::text)" in found["entity_name_trgm_idx"]
    assert "upper((address)::text)" in found["entity_address_trgm_idx"]


def test_the_planner_keeps_statistics_of_the_searched_expressions():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT stxname FROM pg_statistic_ext WHERE stxrelid = 'entities_businessentity'::regclass ORDER BY 1"
        )
        names = [name for (name,) in cursor.fetchall()]

    assert names == ["entity_address_search_stats", "entity_name_search_stats"]


def test_a_search_word_is_in_the_statement_so_each_word_is_planned_for_itself(instance):
    owner = CompanyFactory(instance=instance)
    BusinessEntityFactory(instance=instance, name="Klinik Nord", owner=owner)
    reader = UserFactory(company=owner)
    grant_company_role(reader, Level.OWNER, owner, "manager")
    statements = []

    def keep(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(keep):
        page = entity_page(reader.access_subject(), instance, entity_filter=EntityFilter(search="nord"))

    assert [entity.name for entity, _role, _level in page.rows] == ["Klinik Nord"]
    assert any("UPPER('%%nord%%')" in statement for statement in statements)
