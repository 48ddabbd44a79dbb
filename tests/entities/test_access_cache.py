"""The access version moves on with every change that can alter access; cached answers follow it at once."""

import datetime

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from redis.exceptions import ConnectionError as RedisConnectionError

from entities.access import cache as access_cache
from entities.access import held_rights, request_scope
from entities.audit import KEEPS_ACCESS, audit_record
from entities.models import Access, BusinessEntity, CompanyGrant, Instance, Level, Section
from entities.selectors import entity_list_page
from entities.services import (
    business_entity_save,
    company_save,
    grant_delete,
    instance_save,
    master_data_update,
    role_capabilities_set,
    role_save,
)
from tests.factories import BusinessEntityFactory, CompanyFactory, UserFactory, grant_company_role

pytestmark = pytest.mark.django_db


def version(instance) -> int:
    return Instance.objects.get(pk=instance.pk).access_version


@pytest.fixture
def owner(instance):
    return CompanyFactory(instance=instance, name="Owner A")


@pytest.fixture
def reader(owner, instance):
    """A project manager of the owner company, who sees its entities and manages its users."""
    BusinessEntityFactory(instance=instance, owner=owner, name="Halle 1")
    user = UserFactory(company=owner)
    grant_company_role(user, Level.OWNER, owner, "projectmanager")
    return user


def list_page(client, instance):
    return client.get(reverse("entities:entity-list", kwargs={"instance_slug": instance.slug}))


def test_revoking_a_grant_moves_its_cockpits_version_and_no_other(reader, instance, other_instance, operator_admin):
    before, elsewhere = version(instance), version(other_instance)

    grant_delete(actor=operator_admin, grant=CompanyGrant.objects.get(user=reader))

    assert version(instance) == before + 1
    assert version(other_instance) == elsewhere


def test_a_change_of_a_roles_matrix_moves_every_cockpits_version(instance, other_instance, operator_admin, role):
    sales = role("sales")
    held = sales.capabilities.filter(section=Section.MASTER_DATA).values_list("access", flat=True).first()
    before = {cockpit.pk: cockpit.access_version for cockpit in Instance.objects.all()}

    changed = Access.VIEW if held != Access.VIEW else Access.EDIT
    role_capabilities_set(actor=operator_admin, role=sales, rights={Section.MASTER_DATA: changed})

    assert {cockpit.pk: cockpit.access_version for cockpit in Instance.objects.all()} == {
        pk: number + 1 for pk, number in before.items()
    }


def test_a_company_moved_to_another_cockpit_moves_both_versions(instance, other_instance, operator_admin):
    company = CompanyFactory(instance=instance, name="Leaving AG")
    before, elsewhere = version(instance), version(other_instance)

    company.instance = other_instance
    company_save(actor=operator_admin, company=company)

    assert (version(instance), version(other_instance)) == (before + 1, elsewhere + 1)


@pytest.mark.parametrize("action", sorted(KEEPS_ACCESS))
def test_an_action_that_never_alters_access_leaves_the_version_alone(action, instance, owner, operator_admin):
    before = version(instance)

    audit_record(actor=operator_admin, action=action, target=owner, instance=instance)

    assert version(instance) == before


def test_the_second_request_reads_the_sidebar_and_the_filters_from_the_cache(client, login, reader, instance):
    login(reader)
    list_page(client, instance)

    with CaptureQueriesContext(connection) as captured:
        response = list_page(client, instance)

    assert response.status_code == 200
    read = " ".join(query["sql"] for query in captured.captured_queries)
    assert "oc.instance_id" not in read, "the filters' companies were asked again"
    assert "entities_capability" not in read, "the sidebar's rights were asked again"
    assert f'href="/c/{instance.slug}/users/"' in response.content.decode()  # User Management, from the cache


def test_after_a_grant_is_revoked_the_next_request_neither_offers_its_companies_nor_its_pages(
    client, login, reader, owner, instance, operator_admin
):
    other = CompanyFactory(instance=instance, name="Zweite AG")
    BusinessEntityFactory(instance=instance, owner=other, name="Halle 2")
    grant_company_role(reader, Level.OWNER, other, "projectmanager")
    login(reader)
    assert "Zweite AG" in list_page(client, instance).content.decode()

    grant_delete(actor=operator_admin, grant=CompanyGrant.objects.get(user=reader, company=other))
    html = list_page(client, instance).content.decode()

    assert "Zweite AG" not in html and "Halle 2" not in html
    assert "Owner A" in html


def test_an_entity_given_to_another_owner_changes_the_next_requests_filters(
    client, login, reader, owner, instance, operator_admin
):
    login(reader)
    entity = BusinessEntityFactory(instance=instance, owner=owner, name="Halle 3")
    assert "Neue Kundin AG" not in list_page(client, instance).content.decode()
    customer = CompanyFactory(instance=instance, name="Neue Kundin AG")

    entity.customer = customer
    business_entity_save(actor=operator_admin, entity=entity)

    assert "Neue Kundin AG" in list_page(client, instance).content.decode()


def test_a_cache_that_does_not_answer_costs_statements_not_the_page(client, login, reader, instance, monkeypatch):
    def down(*args, **kwargs):
        raise RedisConnectionError("no Redis here")

    login(reader)
    monkeypatch.setattr(cache, "get", down)
    monkeypatch.setattr(cache, "set", down)

    response = list_page(client, instance)

    assert response.status_code == 200 and "Halle 1" in response.content.decode()


def test_a_write_keeps_nothing_in_the_cache(client, login, reader, instance):
    login(reader)

    client.post(reverse("users:user-create", kwargs={"instance_slug": instance.slug}), {})

    with request_scope():
        assert access_cache.primed(reader.access_subject(), Instance.objects.get(pk=instance.pk)).served == frozenset()


def test_saving_a_cockpit_read_before_a_change_never_sets_its_version_back(instance, reader, operator_admin):
    stale = Instance.objects.get(pk=instance.pk)
    grant_delete(actor=operator_admin, grant=CompanyGrant.objects.get(user=reader))
    moved = version(instance)

    stale.name = "Alpine renamed"
    instance_save(actor=operator_admin, instance=stale)

    assert version(instance) == moved + 1  # the rename's own step, on top of the revocation's
    assert Instance.objects.get(pk=instance.pk).name == "Alpine renamed"


def test_migrate_moves_every_cockpits_version_on(instance, other_instance):
    before = {cockpit.pk: cockpit.access_version for cockpit in Instance.objects.all()}

    call_command("migrate", "entities", verbosity=0)

    assert all(cockpit.access_version > before[cockpit.pk] for cockpit in Instance.objects.all())


def test_an_entry_that_no_longer_unpickles_is_a_miss_not_an_error(client, login, reader, instance, monkeypatch):
    def unreadable(*args, **kwargs):
        raise AttributeError("Can't get attribute 'HeldCompanyGrant' on <module 'entities.selectors'>")

    login(reader)
    monkeypatch.setattr(cache, "get", unreadable)

    assert list_page(client, instance).status_code == 200


def test_a_request_keeps_its_answers_under_the_key_it_read_them_for(reader, instance, monkeypatch):
    """A request that runs past midnight keeps its answers under the day it started on, not the next one."""
    subject = reader.access_subject()
    cockpit = Instance.objects.get(pk=instance.pk)
    with request_scope():
        primed = access_cache.primed(subject, cockpit)
        held_rights(subject, cockpit.pk)
        tomorrow = timezone.now() + datetime.timedelta(days=1)
        monkeypatch.setattr(timezone, "now", lambda: tomorrow)
        access_cache.kept(subject, cockpit, primed)
        monkeypatch.undo()

    with request_scope():
        assert "held_rights" in access_cache.primed(subject, cockpit).served


@pytest.mark.django_db(transaction=True)
def test_migrating_back_to_before_the_version_existed_and_forth_again_works(role_catalogue, schema_left_whole):
    call_command("migrate", "entities", "0014", verbosity=0)
    # Forward for every app: going back also unapplied other apps' migrations that depend on later entities ones.
    call_command("migrate", verbosity=0)

    assert Instance.objects.create(slug="after", name="After").access_version == 0


def test_a_list_page_asked_again_under_the_same_version_is_read_from_the_cache(reader, instance):
    subject, cockpit = reader.access_subject(), Instance.objects.get(pk=instance.pk)
    first = entity_list_page(subject=subject, instance=cockpit)

    with CaptureQueriesContext(connection) as captured:
        again = entity_list_page(subject=subject, instance=cockpit)

    assert again == first and [row.name for row, _role, _level in again.rows] == ["Halle 1"]
    assert captured.captured_queries == []


def test_the_list_page_asked_again_makes_no_statement_of_its_own(client, login, reader, instance):
    login(reader)
    list_page(client, instance)

    with CaptureQueriesContext(connection) as captured:
        response = list_page(client, instance)

    assert "Halle 1" in response.content.decode()
    assert not [query for query in captured.captured_queries if "entities_businessentity" in query["sql"]]


def test_a_search_and_a_filter_are_pages_of_their_own(reader, owner, instance):
    BusinessEntityFactory(instance=instance, owner=owner, name="Lager 2")
    subject, cockpit = reader.access_subject(), Instance.objects.get(pk=instance.pk)
    entity_list_page(subject=subject, instance=cockpit)

    searched = entity_list_page(subject=subject, instance=cockpit, search="Lager")
    other_owner = entity_list_page(subject=subject, instance=cockpit, owner=CompanyFactory(instance=instance))

    assert [row.name for row, _role, _level in searched.rows] == ["Lager 2"]
    assert other_owner.rows == []


@pytest.mark.parametrize("renamed", ["entity", "company", "role"])
def test_a_renamed_entity_company_or_role_shows_on_the_next_list_page(
    client, login, reader, owner, instance, operator_admin, renamed
):
    login(reader)
    assert "Halle 1" in list_page(client, instance).content.decode()

    if renamed == "entity":
        entity = BusinessEntity.objects.get(name="Halle 1")
        master_data_update(actor=operator_admin, entity=entity, data={"name": "Neue Halle", "address": ""})
        expected = "Neue Halle"
    elif renamed == "company":
        owner.name = "Besitzerin Neu AG"
        company_save(actor=operator_admin, company=owner)
        expected = "Besitzerin Neu AG"
    else:
        role = CompanyGrant.objects.get(user=reader).role
        role.name = "Leitung Neu"
        role_save(actor=operator_admin, role=role)
        expected = "Leitung Neu"

    assert expected in list_page(client, instance).content.decode()


def test_a_list_page_names_its_roles_in_each_readers_language(reader, instance):
    subject, cockpit = reader.access_subject(), Instance.objects.get(pk=instance.pk)
    role = CompanyGrant.objects.get(user=reader).role
    with translation.override("en"):
        english = entity_list_page(subject=subject, instance=cockpit)
    with translation.override("de"):
        german = entity_list_page(subject=subject, instance=cockpit)

    assert [named.name for _row, named, _level in english.rows] == [role.name]
    assert [named.name for _row, named, _level in german.rows] == [role.name_de]


def test_with_the_page_cache_off_every_list_page_is_read_from_the_database(reader, instance, settings):
    settings.ACCESS_CACHE_PAGES = False
    subject, cockpit = reader.access_subject(), Instance.objects.get(pk=instance.pk)
    entity_list_page(subject=subject, instance=cockpit)

    with CaptureQueriesContext(connection) as captured:
        entity_list_page(subject=subject, instance=cockpit)

    assert len(captured.captured_queries) == 1


def test_a_list_page_is_kept_for_minutes_not_until_midnight(reader, instance, monkeypatch):
    kept = {}
    set_in_cache = cache.set

    def recording_set(key, value, timeout=None, **kwargs):
        kept[key] = timeout
        return set_in_cache(key, value, timeout=timeout, **kwargs)

    monkeypatch.setattr(cache, "set", recording_set)

    entity_list_page(subject=reader.access_subject(), instance=Instance.objects.get(pk=instance.pk))

    assert list(kept.values()) and all(0 < timeout <= access_cache.PAGE_TIMEOUT for timeout in kept.values())


def test_a_list_page_of_nobody_is_empty_and_kept_nowhere(instance, reader, monkeypatch):
    kept = []
    monkeypatch.setattr(cache, "set", lambda *args, **kwargs: kept.append(args))

    page = entity_list_page(subject=None, instance=Instance.objects.get(pk=instance.pk))

    assert page.rows == [] and page.total == 0
    assert kept == []
