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


NOW = timezone.make_aware(datetime.datetime(2027, 3, 1, 9, 0))


def role_until(user, company, days, *, level=Level.CUSTOMER, role="customer"):
    from entities.models import Role
    from entities.services import company_grant_create

    return company_grant_create(
        actor=None,
        user=user,
        level=level,
        company=company,
        role=Role.objects.get(code=role),
        ends_on=NOW.date() + datetime.timedelta(days=days),
    )


def attention_of(response) -> str:
    return response.content.decode().split('data-testid="attention"')[1].split("</section>")[0]


def test_a_user_manager_sees_the_roles_in_reach_that_end_within_14_days_soonest_first(
    client, login, manager, customer_company, instance, monkeypatch
):
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    soon = UserFactory(company=customer_company, first_name="Sina", last_name="Bald")
    role_until(soon, customer_company, 14)
    sooner = UserFactory(company=customer_company, first_name="Timo", last_name="Morgen")
    role_until(sooner, customer_company, 1)
    later = UserFactory(company=customer_company, first_name="Lena", last_name="Später")
    role_until(later, customer_company, 15)
    elsewhere = CompanyFactory(instance=instance, name="Other AG")
    stranger = UserFactory(company=elsewhere, first_name="Sven", last_name="Fremd")
    role_until(stranger, elsewhere, 2)
    login(manager)

    attention = attention_of(dashboard(client, instance))

    assert "Roles ending within 14 days" in attention
    assert attention.index("Timo Morgen") < attention.index("Sina Bald")
    assert "ends 02.03.2027" in attention and "ends 15.03.2027" in attention
    assert reverse("users:user-edit", kwargs={"instance_slug": instance.slug, "pk": soon.pk}) in attention
    assert "Lena Später" not in attention
    assert "Sven Fremd" not in attention


def test_a_role_whose_end_has_come_is_no_longer_listed_as_ending(
    client, login, manager, customer_company, instance, monkeypatch
):
    monkeypatch.setattr(timezone, "now", lambda: NOW - datetime.timedelta(days=1))
    person = UserFactory(company=customer_company, first_name="Ende", last_name="Heute")
    role_until(person, customer_company, 0)
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    login(manager)

    attention = attention_of(dashboard(client, instance))

    assert "Ende Heute" not in attention
    assert 'data-testid="grants-ending-none"' in attention


def test_an_external_persons_ending_role_links_to_their_external_page_and_names_the_entity(
    client, login, manager, customer_company, instance, monkeypatch
):
    from entities.models import Role
    from entities.services import entity_grant_create

    monkeypatch.setattr(timezone, "now", lambda: NOW)
    outsider = UserFactory(company=CompanyFactory(instance=instance), first_name="Ext", last_name="Erna")
    entity = BusinessEntityFactory(instance=instance, customer=customer_company, name="Haus Linde")
    entity_grant_create(
        actor=None,
        user=outsider,
        entity=entity,
        role=Role.objects.get(code="customer"),
        ends_on=NOW.date() + datetime.timedelta(days=5),
    )
    login(manager)

    attention = attention_of(dashboard(client, instance))

    assert "Ext Erna" in attention and "Haus Linde" in attention
    assert reverse("users:user-external", kwargs={"instance_slug": instance.slug, "pk": outsider.pk}) in attention


def test_a_user_who_only_views_users_has_nothing_to_attend_to(client, login, user, instance, customer_company):
    grant_company_role(user, Level.CUSTOMER, customer_company, "customer")
    login(user)

    response = dashboard(client, instance)

    assert "grants_ending" not in response.context
    assert 'data-testid="attention"' not in response.content.decode()


def test_the_ending_roles_cost_the_same_queries_for_many_as_for_one(
    client, login, manager, customer_company, instance, count_queries, monkeypatch
):
    from entities.models import Role
    from entities.services import entity_grant_create

    monkeypatch.setattr(timezone, "now", lambda: NOW)
    entity = BusinessEntityFactory(instance=instance, customer=customer_company)

    def add_ending_roles(days):
        role_until(UserFactory(company=customer_company), customer_company, days)
        entity_grant_create(
            actor=None,
            user=UserFactory(company=customer_company),
            entity=entity,
            role=Role.objects.get(code="customer"),
            ends_on=NOW.date() + datetime.timedelta(days=days),
        )

    add_ending_roles(1)
    login(manager)
    few = count_queries(lambda: dashboard(client, instance))
    for days in range(2, 13):
        add_ending_roles(days)

    # Two more: the counts behind "and N more", once the list is full.
    assert count_queries(lambda: dashboard(client, instance)) == few + 2
    assert "and 14 more roles" in attention_of(dashboard(client, instance))


def test_a_reviewer_sees_the_open_review_they_must_answer_with_its_last_day_until_they_answered(
    client, login, manager, customer_company, instance, monkeypatch
):
    from users.models import Decision, ReviewerMode, ReviewSubject, Unanswered
    from users.reviews import review_decide, review_start

    monkeypatch.setattr(timezone, "now", lambda: NOW)
    guest = UserFactory(company=CompanyFactory(instance=instance), first_name="Gast", last_name="Extern")
    grant_company_role(guest, Level.CUSTOMER, customer_company, "customer")
    review = review_start(
        actor=manager,
        instance=instance,
        company=None,
        subject=ReviewSubject.EXTERNAL,
        reviewer_mode=ReviewerMode.STARTER,
        deadline=timezone.make_aware(datetime.datetime(2027, 3, 15)),
        unanswered=Unanswered.KEEP,
    )
    login(manager)

    attention = attention_of(dashboard(client, instance))

    assert f"Access review {review.pk}</a>:\n      1 row to answer by 14.03.2027" in attention
    assert reverse("users:review-detail", kwargs={"instance_slug": instance.slug, "pk": review.pk}) in attention

    row = review.rows.get()
    review_decide(actor=manager, instance=instance, review=review, decisions={row.pk: (Decision.KEEP, "")})

    assert 'data-testid="reviews-awaiting-none"' in attention_of(dashboard(client, instance))


def test_a_user_manager_sees_who_is_switched_off_for_inactivity_within_a_week_and_on_which_day(
    client, login, manager, customer_company, instance, monkeypatch
):
    from tests.factories import InactivityPolicyFactory

    monkeypatch.setattr(timezone, "now", lambda: NOW)
    InactivityPolicyFactory(instance=instance, days=90)
    idle = UserFactory(
        company=customer_company,
        first_name="Ida",
        last_name="Ruhig",
        date_joined=NOW - datetime.timedelta(days=400),
        last_login=NOW - datetime.timedelta(days=83),  # day 83: warned today, switched off on day 90
    )
    grant_company_role(idle, Level.CUSTOMER, customer_company, "customer")
    later = UserFactory(
        company=customer_company, first_name="Lars", last_name="Später", last_login=NOW - datetime.timedelta(days=60)
    )
    grant_company_role(later, Level.CUSTOMER, customer_company, "customer")
    login(manager)

    attention = attention_of(dashboard(client, instance))

    assert "Switched off for inactivity within 7 days" in attention
    assert 'Ida Ruhig</a> <span class="badge">employee</span>\n      · on 08.03.2027' in attention
    assert "Lars Später" not in attention


def test_an_employees_role_at_a_company_outside_reach_is_not_listed_as_ending(
    client, login, manager, customer_company, instance, monkeypatch
):
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    colleague = UserFactory(company=customer_company, first_name="Cora", last_name="Kollegin")
    role_until(colleague, customer_company, 10)
    role_until(colleague, CompanyFactory(instance=instance, name="Other AG"), 3)
    login(manager)

    attention = attention_of(dashboard(client, instance))

    assert "Cora Kollegin" in attention and "Kantonsspital Nord" in attention
    assert "Other AG" not in attention
