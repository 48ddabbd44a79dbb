"""A share's end date holds against the cache: its answers are never served past midnight."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from entities.access import cache as access_cache
from entities.access import request_scope
from entities.models import Instance, Level
from sharing.models import SharingSettings
from sharing.modules import ShareLevel
from sharing.services import share_invite, share_remove, sharing_settings_save
from tests.factories import BusinessEntityFactory, CompanyFactory, InstanceFactory, UserFactory, grant_company_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def at(monkeypatch):
    """Set the clock: timezone.now() and with it timezone.localdate()."""

    def _at(moment: datetime.datetime) -> None:
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return _at


def list_page(client, instance):
    return client.get(reverse("entities:entity-list", kwargs={"instance_slug": instance.slug}))


def test_a_share_ending_today_counts_until_midnight_and_not_a_moment_after(
    client, login, instance, owner, shared_with, guest, at
):
    BusinessEntityFactory(instance=instance, owner=owner, name="Klinik Nord")
    today = timezone.localdate()
    shared_with(guest, inventory=ShareLevel.READ, ends_on=today)
    login(guest)
    tz = timezone.get_current_timezone()
    at(datetime.datetime.combine(today, datetime.time(23, 59), tz))
    assert "Klinik Nord" in list_page(client, instance).content.decode()
    with request_scope():
        assert access_cache.primed(guest.access_subject(), Instance.objects.get(pk=instance.pk)).served

    at(datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time(0, 0), tz))

    with request_scope():
        assert access_cache.primed(guest.access_subject(), Instance.objects.get(pk=instance.pk)).served == frozenset()
    assert list_page(client, instance).status_code == 404


def test_a_removed_share_closes_the_cockpit_on_the_next_request(
    client, login, instance, owner, shared_with, guest, admin
):
    BusinessEntityFactory(instance=instance, owner=owner, name="Klinik Nord")
    share = shared_with(guest, inventory=ShareLevel.READ)
    login(guest)
    assert list_page(client, instance).status_code == 200

    share_remove(actor=admin, share=share)

    assert list_page(client, instance).status_code == 404


def test_the_switcher_comes_from_the_cache_and_shows_a_new_share_on_the_next_request(
    client, login, instance, owner, shared_with, guest, other_instance, operator_admin
):
    BusinessEntityFactory(instance=instance, owner=owner, name="Klinik Nord")
    shared_with(guest, inventory=ShareLevel.READ)
    login(guest)
    home = reverse("cockpit:dashboard", kwargs={"instance_slug": other_instance.slug})
    client.get(home)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(home).status_code == 200
    assert not any("sharing_share" in query["sql"] for query in captured.captured_queries)
    third = InstanceFactory(name="Dritter Cockpit")
    third_owner = CompanyFactory(instance=third, name="Dritte AG")
    BusinessEntityFactory(instance=third, owner=third_owner)
    sharing_settings_save(
        actor=operator_admin,
        settings=SharingSettings(instance=third),
        is_shareable=True,
        allowed_companies=[guest.company],
    )
    giver = UserFactory(company=third_owner)
    grant_company_role(giver, Level.OWNER, third_owner, "projectmanager")
    share_invite(
        actor=giver,
        instance=third,
        cockpit=other_instance,
        email=guest.email,
        inventory=ShareLevel.READ,
        customer_care=ShareLevel.NONE,
        scopes=[(Level.OWNER, third_owner.pk)],
        accepted=True,
    )

    switcher = client.get(home).content.decode()

    assert "Dritter Cockpit" in switcher
