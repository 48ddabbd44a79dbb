"""Operator staff set the second-factor policy of any cockpit in the admin, not only their own."""

import pytest
from django.urls import reverse

from accounts.models import SecondFactorPolicy
from entities.models import AuditLogEntry

pytestmark = pytest.mark.django_db


def test_admin_sets_the_policy_of_another_cockpit_through_the_service(admin_client, operator_admin, other_instance):
    response = admin_client.post(
        reverse("admin:accounts_secondfactorpolicy_add"),
        {"instance": other_instance.pk, "required_for": "everyone", "sms_counts": "", "grace_days": "7"},
    )

    assert response.status_code == 302
    assert SecondFactorPolicy.objects.get(instance=other_instance).required_for == "everyone"
    entry = AuditLogEntry.objects.get(action="second_factor.policy_changed")
    assert (entry.actor_id, entry.instance_id) == (operator_admin.pk, other_instance.pk)
