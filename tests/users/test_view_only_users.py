"""The Manager role's "users: view": User Management read-only, and every write answers 403."""

import pytest
from django.urls import reverse

from accounts.models import User
from entities.models import Capability, CompanyGrant, Level, Role, Section
from tests.factories import UserFactory, grant_company_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_a(owner_a):
    """A's Manager: the catalogue gives the role "users: view"."""
    manager = UserFactory(company=owner_a, email="manager@owner-a.example", first_name="Mia")
    grant_company_role(manager, Level.OWNER, owner_a, "manager")
    return manager


@pytest.fixture
def colleague(owner_a):
    user = UserFactory(company=owner_a, email="colleague2@owner-a.example", must_change_password=True)
    grant_company_role(user, Level.OWNER, owner_a, "customer")
    return user


def url(instance, name, **kwargs):
    return reverse(f"users:{name}", kwargs={"instance_slug": instance.slug, **kwargs})


def test_the_catalogue_gives_the_manager_role_a_view_only_users_right():
    assert Capability.objects.get(role__code="manager", section=Section.USERS).access == 1


def test_a_manager_sees_the_list_without_create(client, login, manager_a, colleague, instance):
    login(manager_a)

    response = client.get(url(instance, "user-list"))

    page = response.content.decode()
    assert response.status_code == 200
    assert colleague.email in page
    assert url(instance, "user-create") not in page
    assert url(instance, "user-resend-welcome", pk=colleague.pk) not in page
    assert 'data-testid="read-only"' in page


def test_the_sidebar_offers_user_management_to_a_manager(client, login, manager_a, instance):
    login(manager_a)

    page = client.get(reverse("cockpit:dashboard", kwargs={"instance_slug": instance.slug})).content.decode()

    assert url(instance, "user-list") in page


def test_a_manager_reads_a_user_page_with_no_form(client, login, manager_a, colleague, instance):
    login(manager_a)

    response = client.get(url(instance, "user-edit", pk=colleague.pk))

    page = response.content.decode()
    assert response.status_code == 200
    assert colleague.email in page and "Customer" in page
    assert '<form method="post"' not in page.split("<main", 1)[1].split("</main>", 1)[0]


def test_a_manager_cannot_read_a_user_outside_their_companies(client, login, manager_a, provider_pm_b, instance):
    login(manager_a)

    assert client.get(url(instance, "user-edit", pk=provider_pm_b.pk)).status_code == 404


@pytest.mark.parametrize(
    ("name", "with_pk"),
    [
        ("user-create", False),
        ("user-edit", True),
        ("user-remove", True),
        ("user-reactivate", True),
        ("user-resend-welcome", True),
        ("user-external", True),
    ],
)
def test_every_write_answers_403_to_a_manager(client, login, manager_a, colleague, instance, name, with_pk, mailoutbox):
    login(manager_a)
    password_before = User.objects.get(pk=colleague.pk).password

    response = client.post(url(instance, name, **({"pk": colleague.pk} if with_pk else {})), {"first_name": "X"})

    assert response.status_code == 403
    stored = User.objects.get(pk=colleague.pk)
    assert (stored.first_name, stored.is_active, stored.password) == ("Erika", True, password_before)
    assert CompanyGrant.objects.filter(user=colleague).count() == 1
    assert mailoutbox == []


def test_the_create_page_answers_403_to_a_manager(client, login, manager_a, instance):
    login(manager_a)

    assert client.get(url(instance, "user-create")).status_code == 403


def test_a_role_without_any_users_right_still_gets_403(client, login, owner_a, instance):
    customer = UserFactory(company=owner_a)
    grant_company_role(customer, Level.OWNER, owner_a, "customer")
    assert (
        Capability.objects.filter(role=Role.objects.get(code="customer"), section=Section.USERS, access__gt=0).count()
        == 0
    )
    login(customer)

    assert client.get(url(instance, "user-list")).status_code == 403
