"""The dashboard: a greeting that knows the previous login, the user's own access, and for those who see
User Management, where its users stand and what changed last."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from entities.models import Level
from tests.factories import BusinessEntityFactory, CompanyFactory, UserFactory, grant_company_role, grant_entity_role

pytestmark = pytest.mark.django_db


def dashboard(client, instance):
    return client.get(reverse("cockpit:dashboard", kwargs={"instance_slug": instance.slug}))


@pytest.fixture
def manager(customer_company):
    manager = UserFactory(company=customer_company, email="paula@example.com", first_name="Paula")
    grant_company_role(manager, Level.CUSTOMER, customer_company, "projectmanager")
    return manager


def test_a_first_login_is_welcomed_without_back_and_without_a_previous_login(client, login, user, instance):
    assert user.last_login is None
    login(user)

    page = dashboard(client, instance).content.decode()

    assert f"Welcome, {user.first_name}." in page
    assert "Welcome back" not in page
    assert 'data-testid="previous-login">—<' in page


def test_a_returning_user_is_welcomed_back_with_the_login_before_this_session(client, login, user, instance):
    user.last_login = timezone.make_aware(datetime.datetime(2026, 11, 20, 7, 45))
    user.save(update_fields=["last_login"])
    login(user)

    page = dashboard(client, instance).content.decode()

    assert f"Welcome back, {user.first_name}. You last logged in on 20 Nov 2026, 07:45." in page
    assert 'data-testid="previous-login">20.11.2026 07:45<' in page


def test_logging_in_still_moves_last_login_on(client, login, user):
    before = timezone.now()
    login(user)

    user.refresh_from_db()
    assert user.last_login >= before


def test_everyone_sees_their_own_roles_here(client, login, user, instance, customer_company):
    grant_company_role(user, Level.CUSTOMER, customer_company, "customer")
    entity = BusinessEntityFactory(instance=instance, name="Klinik Bahnhof 022")
    grant_entity_role(user, entity, "quality-feedback-users")
    login(user)

    response = dashboard(client, instance)

    own = response.content.decode().split('data-testid="own-access"')[1].split("</section>")[0]
    assert "Customer · Kantonsspital Nord: <strong>Customer</strong>" in own
    assert "Klinik Bahnhof 022</a>: <strong>Quality feedback users</strong>" in own


def test_a_user_without_roles_is_told_whom_to_ask(client, login, user, instance):
    login(user)

    assert "No roles yet. Ask a project manager of your cockpit." in dashboard(client, instance).content.decode()


def test_a_user_manager_sees_how_many_users_are_active_invited_and_expired(
    client, login, manager, customer_company, instance
):
    UserFactory(company=customer_company)
    UserFactory(company=customer_company, must_change_password=True, temporary_password_expires_at=None)
    UserFactory(
        company=customer_company,
        must_change_password=True,
        temporary_password_expires_at=timezone.now() - datetime.timedelta(days=1),
    )
    UserFactory(company=CompanyFactory(instance=instance))  # outside the manager's reach
    login(manager)

    counts = dashboard(client, instance).context["user_counts"]

    # The manager is one of the active people, as their list shows them.
    assert counts == {"active": 2, "invited": 1, "expired": 1}


def test_a_user_without_user_rights_sees_no_user_figures(client, login, user, instance, customer_company):
    grant_company_role(user, Level.CUSTOMER, customer_company, "customer")
    login(user)

    response = dashboard(client, instance)

    assert "user_counts" not in response.context
    assert 'data-testid="access-changes"' not in response.content.decode()


def test_the_latest_access_changes_name_users_in_reach_and_no_others(
    client, login, manager, customer_company, instance
):
    colleague = UserFactory(company=customer_company, first_name="Carla", last_name="Kollegin")
    grant_company_role(colleague, Level.CUSTOMER, customer_company, "customer")
    stranger_company = CompanyFactory(instance=instance, name="Other AG")
    stranger = UserFactory(company=stranger_company, first_name="Sven", last_name="Fremd")
    grant_company_role(stranger, Level.CUSTOMER, stranger_company, "customer")
    login(manager)

    response = dashboard(client, instance)

    changes = response.content.decode().split('data-testid="access-changes"')[1].split("</section>")[0]
    assert "Carla Kollegin" in changes
    assert reverse("users:user-edit", kwargs={"instance_slug": instance.slug, "pk": colleague.pk}) in changes
    assert "Sven Fremd" not in changes


def test_the_dashboard_makes_as_many_queries_for_many_roles_and_changes_as_for_few(
    client, login, manager, customer_company, instance, count_queries
):
    def add_colleague_with_role():
        colleague = UserFactory(company=customer_company)
        grant_company_role(colleague, Level.CUSTOMER, customer_company, "customer")
        grant_entity_role(
            manager, BusinessEntityFactory(instance=instance, customer=customer_company), "tablet-provider"
        )

    add_colleague_with_role()
    login(manager)
    few = count_queries(lambda: dashboard(client, instance))
    for _ in range(8):
        add_colleague_with_role()

    assert count_queries(lambda: dashboard(client, instance)) == few
