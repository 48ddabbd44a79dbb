"""A share's end date holds against the cache: its answers are never served past midnight."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from entities.access import cache as access_cache
from entities.access import request_scope
from entities.models import Instance
from sharing.modules import ShareLevel
from sharing.services import share_remove
from tests.factories import BusinessEntityFactory

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
