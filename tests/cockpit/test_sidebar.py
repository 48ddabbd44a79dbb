"""The sidebar offers each page exactly to those it opens for: the same permission functions decide both."""

import pytest
from django.urls import reverse

from entities.models import Level
from tests.factories import BusinessEntityFactory, CompanyFactory, UserFactory, grant_company_role, grant_entity_role

pytestmark = pytest.mark.django_db


def sidebar_links(client, instance) -> set[str]:
    html = client.get(reverse("cockpit:dashboard", kwargs={"instance_slug": instance.slug})).content.decode()
    sidebar = html[html.index('id="sidebar"') : html.index("</nav>", html.index('id="sidebar"'))]
    return {
        name
        for name, url in (
            ("entities", reverse("entities:entity-list", kwargs={"instance_slug": instance.slug})),
            ("tablets", reverse("tablets:tablet-list", kwargs={"instance_slug": instance.slug})),
            ("plans", reverse("plans:plan-list", kwargs={"instance_slug": instance.slug})),
        )
        if f'href="{url}"' in sidebar
    }


@pytest.fixture
def partner(instance):
    return CompanyFactory(instance=instance, name="TabletPartner AG")


@pytest.fixture
def building(instance):
    return BusinessEntityFactory(instance=instance)


def test_a_customer_gets_business_entities_and_neither_tablets_nor_plans(client, login, user, instance):
    grant_company_role(user, Level.CUSTOMER, user.company, "customer")
    login(user)

    assert sidebar_links(client, instance) == {"entities"}


def test_a_tablet_provider_gets_tablets_only(client, login, partner, building, instance):
    provider = UserFactory(company=partner)
    grant_entity_role(provider, building, "tablet-provider")
    login(provider)

    assert sidebar_links(client, instance) == {"tablets"}


def test_an_inventory_manager_gets_tablets_only(client, login, operator_company, building, instance):
    manager = UserFactory(company=operator_company)
    grant_entity_role(manager, building, "inventory-manager")
    login(manager)

    assert sidebar_links(client, instance) == {"tablets"}


def test_a_cad_plan_provider_gets_cad_plans_only(client, login, partner, building, instance):
    provider = UserFactory(company=partner)
    grant_entity_role(provider, building, "cad-plan-provider")
    login(provider)

    assert sidebar_links(client, instance) == {"plans"}


def test_the_operator_admin_gets_every_page(client, login, operator_admin, instance):
    login(operator_admin)

    assert sidebar_links(client, instance) == {"entities", "tablets", "plans"}


def test_a_cad_plan_provider_who_is_also_a_customer_finds_no_special_entity_in_the_list(
    client, login, partner, building, instance
):
    provider = UserFactory(company=partner)
    grant_company_role(provider, Level.CUSTOMER, partner, "customer")
    grant_entity_role(provider, building, "cad-plan-provider")
    login(provider)

    response = client.get(
        reverse("entities:entity-list", kwargs={"instance_slug": instance.slug}), {"q": building.address}
    )

    assert response.status_code == 200
    assert building.name not in response.content.decode()
    assert building.owner.name not in response.content.decode()


def test_a_special_role_alone_opens_no_entity_list(client, login, partner, building, instance):
    provider = UserFactory(company=partner)
    grant_entity_role(provider, building, "tablet-provider")
    login(provider)

    response = client.get(reverse("entities:entity-list", kwargs={"instance_slug": instance.slug}))

    assert response.status_code == 403
    assert building.name not in response.content.decode()


def test_a_special_role_alone_opens_no_entity_page(client, login, partner, building, instance):
    provider = UserFactory(company=partner)
    grant_entity_role(provider, building, "cad-plan-provider")
    login(provider)

    response = client.get(reverse("entities:entity-detail", kwargs={"instance_slug": instance.slug, "pk": building.pk}))

    assert response.status_code == 404
    assert building.address not in response.content.decode()
