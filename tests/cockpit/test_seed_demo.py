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
