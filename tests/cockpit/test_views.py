"""The cockpit gate: who reaches /c/<slug>/ pages, and the layout they see there."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from tests.factories import InstanceFactory, UserFactory
from tests.support.urls import cockpit_url_names

pytestmark = pytest.mark.django_db


def without_csrf_token(content: bytes) -> bytes:
    """The page with its log-out form's token blanked: Django masks the token anew in every response."""
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b'name="csrfmiddlewaretoken" value=""', content)


def cockpit_urls(slug: str) -> list[str]:
    urls = []
    for name in cockpit_url_names():
        route_kwargs = {"instance_slug": slug}
        try:
            urls.append(reverse(name, kwargs=route_kwargs))
        except Exception:  # noqa: BLE001, S112 - names that need more than the slug are covered by their own tests
            continue
    return urls


def test_every_cockpit_page_sends_anonymous_users_to_login(client, instance):
    urls = cockpit_urls(instance.slug)
    assert urls, "no cockpit URL found"

    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login")), url


def test_every_cockpit_page_of_another_instance_answers_404(client, login, user, other_instance):
    login(user)

    for url in cockpit_urls(other_instance.slug):
        assert client.get(url).status_code == 404, url


def test_an_unknown_cockpit_answers_the_same_404_as_a_foreign_one(client, login, user, other_instance):
    login(user)

    unknown = client.get(reverse("cockpit:dashboard", kwargs={"instance_slug": "no-such-cockpit"}))
    foreign = client.get(reverse("cockpit:dashboard", kwargs={"instance_slug": other_instance.slug}))

    assert unknown.status_code == foreign.status_code == 404
    assert without_csrf_token(unknown.content) == without_csrf_token(foreign.content)


def test_an_inactive_cockpit_answers_404_to_its_own_users(client, login, user):
    user.company.instance.is_active = False
    user.company.instance.save()
    login(user)

    response = client.get(reverse("cockpit:dashboard", kwargs={"instance_slug": user.company.instance.slug}))

    assert response.status_code == 404


def test_dashboard_shows_the_users_cockpit_with_header_and_sidebar(client, login, user, instance):
    from entities.models import Level
    from tests.factories import grant_company_role

    grant_company_role(user, Level.CUSTOMER, user.company, "customer")
    login(user)

    response = client.get(reverse("cockpit:dashboard", kwargs={"instance_slug": instance.slug}))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Alpine Facility Services" in html
    for item in ("Business entities", "Log out"):
        assert item in html
    assert "User Management" not in html  # offered to user managers only
    assert "Cockpit Shares" not in html  # offered to user managers of shareable cockpits only
    assert 'data-testid="cockpit-switcher"' not in html  # one cockpit: nothing to switch


def test_sidebar_offers_user_management_to_user_managers(client, login, user, instance):
    from entities.models import Level
    from tests.factories import grant_company_role

    grant_company_role(user, Level.OWNER, user.company, "projectmanager")
    login(user)

    response = client.get(reverse("cockpit:dashboard", kwargs={"instance_slug": instance.slug}))

    assert reverse("users:user-list", kwargs={"instance_slug": instance.slug}) in response.content.decode()


def test_home_redirects_a_user_to_their_own_cockpit(client, login, user, instance):
    InstanceFactory(slug="aaa-first-alphabetically")
    login(user)

    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"] == reverse("cockpit:dashboard", kwargs={"instance_slug": instance.slug})


def test_login_with_email_in_any_case_leads_to_the_dashboard(client, customer_company, instance):
    UserFactory(company=customer_company, email="karin@example.com")

    response = client.post(
        reverse("accounts:login"), {"username": "Karin@Example.com", "password": "correct-horse-battery"}, follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("cockpit:dashboard", kwargs={"instance_slug": instance.slug})
    assert response.status_code == 200


def test_login_with_a_wrong_password_shows_an_error_and_no_session(client, user):
    response = client.post(reverse("accounts:login"), {"username": user.email, "password": "wrong"})

    assert response.status_code == 200
    assert "Please enter a correct email address and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_ends_the_session(client, login, user, instance):
    login(user)

    client.post(reverse("accounts:logout"))

    response = client.get(reverse("cockpit:dashboard", kwargs={"instance_slug": instance.slug}))
    assert response.status_code == 302


def test_pages_follow_the_users_language(client, login, user, instance):
    user.language = "de"
    user.save()
    login(user)

    response = client.get(reverse("cockpit:dashboard", kwargs={"instance_slug": instance.slug}))

    assert response["Content-Language"] == "de"
    assert "Abmelden" in response.content.decode()


def test_dashboard_counts_only_the_entities_open_to_the_user(client, login, user, instance):
    from entities.models import Level
    from tests.factories import BusinessEntityFactory, grant_company_role

    BusinessEntityFactory.create_batch(3, instance=instance)
    BusinessEntityFactory.create_batch(2, instance=instance, customer=user.company)
    grant_company_role(user, Level.CUSTOMER, user.company, "customer")
    login(user)

    response = client.get(reverse("cockpit:dashboard", kwargs={"instance_slug": instance.slug}))

    assert response.context["entity_count"] == 2


def test_the_user_menu_links_operator_staff_to_the_admin(client, login, operator_admin, instance):
    login(operator_admin)

    page = client.get(reverse("cockpit:dashboard", kwargs={"instance_slug": instance.slug})).content.decode()

    assert f'href="{reverse("admin:index")}" data-testid="admin-link"' in page


def test_the_user_menu_offers_no_admin_to_other_users(client, login, user, instance):
    login(user)

    page = client.get(reverse("cockpit:dashboard", kwargs={"instance_slug": instance.slug})).content.decode()

    assert 'data-testid="admin-link"' not in page


def test_every_page_names_the_cockpit_favicon(client):
    page = client.get(reverse("accounts:login")).content.decode()

    assert re.search(r'<link rel="icon" href="[^"]*favicon\.svg"', page)
    assert finders.find("favicon.svg")


def test_a_signed_in_users_404_keeps_the_header_and_log_out(client, login, user, instance):
    login(user)

    response = client.get(f"/c/{instance.slug}/entities/999999/")

    page = response.content.decode()
    assert response.status_code == 404
    assert 'class="topbar"' in page
    assert reverse("accounts:logout") in page
    assert 'id="main"' in page
