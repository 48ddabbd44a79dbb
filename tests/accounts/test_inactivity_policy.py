"""A cockpit's inactivity policy: off by default, set by operator staff on the cockpit's admin page (an inline that
users adds to it), saved through the audited service."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import InactivityNotice, InactivityPolicy
from entities.models import AuditLogEntry
from tests.factories import InactivityPolicyFactory, UserFactory, cockpit_page_form
from users.inactivity import inactivity_policy_set

pytestmark = pytest.mark.django_db


def cockpit_page(instance) -> str:
    return reverse("admin:entities_instance_change", args=[instance.pk])


def save_cockpit_page(client, instance, **fields):
    return client.post(cockpit_page(instance), cockpit_page_form(instance, **fields), follow=True)


def policy_set(actor, instance, **fields) -> InactivityPolicy:
    values = {"enabled": True, "days": 90, "external_days": None, "shared_days": None, "include_operator_staff": False}
    return inactivity_policy_set(actor=actor, instance=instance, **(values | fields))


def test_a_cockpit_s_page_shows_its_inactivity_policy_off_with_90_days(admin_client, instance):
    page = admin_client.get(cockpit_page(instance)).content.decode()

    assert "Inactivity policy" in page
    assert 'name="inactivity_policy-0-enabled"' in page and 'name="inactivity_policy-0-enabled" checked' not in page
    assert 'name="inactivity_policy-0-days" value="90"' in page


def test_the_cockpit_page_switches_it_on_through_the_audited_service(admin_client, operator_admin, instance):
    response = save_cockpit_page(
        admin_client,
        instance,
        **{
            "inactivity_policy-0-enabled": "on",
            "inactivity_policy-0-days": "60",
            "inactivity_policy-0-shared_days": "30",
        },
    )

    assert response.status_code == 200
    policy = InactivityPolicy.objects.get(instance=instance)
    assert (policy.enabled, policy.days, policy.external_days, policy.shared_days) == (True, 60, None, 30)
    entry = AuditLogEntry.objects.get(action="inactivity.policy_changed")
    assert (entry.actor_id, entry.instance_id) == (operator_admin.pk, instance.pk)
    assert entry.changes["enabled"] == [False, True] and entry.changes["days"] == [90, 60]


def test_the_cockpit_page_left_alone_writes_no_policy(admin_client, instance):
    save_cockpit_page(admin_client, instance, name="Alpine Services")

    assert not InactivityPolicy.objects.exists()
    assert not AuditLogEntry.objects.filter(action="inactivity.policy_changed").exists()


def test_a_stored_policy_is_changed_on_the_cockpit_page(admin_client, instance):
    InactivityPolicyFactory(instance=instance, days=90)

    save_cockpit_page(admin_client, instance, **{"inactivity_policy-0-external_days": "30"})

    assert InactivityPolicy.objects.get(instance=instance).external_days == 30
    (entry,) = AuditLogEntry.objects.filter(action="inactivity.policy_changed")
    assert entry.changes == {"external_days": [None, 30]}


def test_fewer_than_14_days_are_refused_on_the_form_and_nothing_is_saved(admin_client, instance):
    response = admin_client.post(
        cockpit_page(instance),
        cockpit_page_form(
            instance, name="Renamed", **{"inactivity_policy-0-enabled": "on", "inactivity_policy-0-days": "7"}
        ),
    )

    assert response.status_code == 200
    assert "Ensure this value is greater than or equal to 14." in response.content.decode()
    assert not InactivityPolicy.objects.exists()
    assert instance.__class__.objects.get(pk=instance.pk).name == "Alpine Facility Services"


def test_a_new_cockpit_gets_its_policy_on_its_add_page(admin_client):
    data = {
        "name": "Bern Cockpit",
        "slug": "bern",
        "is_active": "on",
        "sharing_settings-TOTAL_FORMS": "0",
        "sharing_settings-INITIAL_FORMS": "0",
        "inactivity_policy-TOTAL_FORMS": "1",
        "inactivity_policy-INITIAL_FORMS": "0",
        "inactivity_policy-0-enabled": "on",
        "inactivity_policy-0-days": "120",
    }

    response = admin_client.post(reverse("admin:entities_instance_add"), data)

    assert response.status_code == 302
    policy = InactivityPolicy.objects.get(instance__slug="bern")
    assert policy.enabled and policy.days == 120


def test_only_operator_staff_set_the_policy(instance, companies_manager):
    with pytest.raises(PermissionDenied):
        policy_set(companies_manager, instance)

    assert not InactivityPolicy.objects.exists()


def test_the_service_refuses_a_limit_under_14_days(operator_admin, instance):
    with pytest.raises(ValidationError, match="greater than or equal to 14"):
        policy_set(operator_admin, instance, external_days=10)


def test_switching_it_on_again_starts_every_warning_afresh(operator_admin, instance, user):
    policy_set(operator_admin, instance)
    InactivityNotice.objects.create(
        instance=instance, user=user, idle_since=timezone.localdate() - timedelta(days=90), sent_at=timezone.now()
    )
    policy_set(operator_admin, instance, enabled=False)
    assert InactivityNotice.objects.exists()

    policy_set(operator_admin, instance)

    assert not InactivityNotice.objects.exists()


@pytest.fixture
def companies_manager(customer_company):
    return UserFactory(company=customer_company, email="pm@kantonsspital.example")
