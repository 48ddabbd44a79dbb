from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import User
from cockpit.management.commands.seed_demo import DEMO_PASSWORD
from entities.models import BusinessEntity, Company, Instance

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_creates_two_cockpits_with_companies_entities_and_users():
    seed()

    assert Instance.objects.count() == 2
    assert Company.objects.filter(is_operator=True).exists()
    assert Company.objects.filter(is_operator=False).count() >= 12
    assert BusinessEntity.objects.count() >= 300
    assert User.objects.filter(is_staff=True, company__is_operator=True).exists()


def test_seed_demo_is_idempotent():
    seed()
    counts = (Instance.objects.count(), Company.objects.count(), BusinessEntity.objects.count(), User.objects.count())

    seed()

    assert (
        Instance.objects.count(),
        Company.objects.count(),
        BusinessEntity.objects.count(),
        User.objects.count(),
    ) == counts


def test_seed_demo_prints_logins_that_work(client):
    output = seed()

    for user in User.objects.all():
        assert user.email in output
        assert client.login(username=user.email, password=DEMO_PASSWORD), user.email
    assert DEMO_PASSWORD in output


def test_demo_users_each_see_a_different_entity_list_and_the_roles_give_different_tabs():
    from entities.access import visible_entities
    from entities.permissions import visible_sections

    seed()

    lists, tabs = set(), set()
    users = list(User.objects.select_related("company__instance"))
    for user in users:
        entities = list(visible_entities(user.access_subject(), user.company.instance).order_by("name", "id"))
        lists.add(frozenset(entity.pk for entity in entities))
        tabs.add(tuple(visible_sections(user.access_subject(), entities[0])))

    assert len(lists) == len(users)
    assert len(tabs) >= 4  # e.g. every tab, analytics only, quality control only, no performance figures
