"""The admin's business entity pages: an owner of another cockpit is refused with a message, and the list makes as
many queries for many rows as for few."""

import pytest
from django.urls import reverse

from entities.models import BusinessEntity
from tests.factories import BusinessEntityFactory, CompanyFactory

pytestmark = pytest.mark.django_db


def test_admin_refuses_an_entity_whose_owner_belongs_to_another_instance(admin_client, instance, other_instance):
    foreign = CompanyFactory(instance=other_instance, name="Rheinhafen Immobilien")
    local = CompanyFactory(instance=instance)

    response = admin_client.post(
        reverse("admin:entities_businessentity_add"),
        {
            "instance": instance.pk,
            "name": "Bürohaus Seefeld",
            "address": "",
            "project_form": "standard",
            "owner": foreign.pk,
            "service_provider": local.pk,
            "customer": local.pk,
        },
    )

    assert response.status_code == 200
    assert "Rheinhafen Immobilien belongs to another cockpit" in response.content.decode()
    assert not BusinessEntity.objects.exists()


def test_admin_entity_list_makes_as_many_queries_for_many_rows_as_for_few(admin_client, instance, count_queries):
    url = reverse("admin:entities_businessentity_changelist")
    BusinessEntityFactory.create_batch(3, instance=instance)
    few = count_queries(lambda: admin_client.get(url))
    BusinessEntityFactory.create_batch(30, instance=instance)

    assert count_queries(lambda: admin_client.get(url)) == few
