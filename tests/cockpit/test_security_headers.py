"""Every response carries the Content-Security-Policy and the Permissions-Policy; our pages need no inline script."""

import re

import pytest
from django.urls import reverse

from entities.models import Level
from tests.factories import grant_company_role

pytestmark = pytest.mark.django_db

REQUIRED = ["script-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"]


def directives(response) -> list[str]:
    return [part.strip() for part in response["Content-Security-Policy"].split(";")]


@pytest.fixture
def signed_in(client, login, user):
    grant_company_role(user, Level.CUSTOMER, user.company, "customer")
    return login(user)


@pytest.mark.parametrize("path", ["/accounts/login/", "/accounts/password/reset/", "/healthz-not-a-page/"])
def test_pages_without_a_login_carry_both_policies(client, path):
    response = client.get(path)

    for directive in REQUIRED:
        assert directive in directives(response), (path, directive)
    assert "camera=()" in response["Permissions-Policy"]


def test_cockpit_pages_carry_both_policies_and_no_inline_script(signed_in, instance):
    for name in ("cockpit:dashboard", "entities:entity-list"):
        response = signed_in.get(reverse(name, kwargs={"instance_slug": instance.slug}))

        assert response.status_code == 200
        for directive in REQUIRED:
            assert directive in directives(response), (name, directive)
        assert "Permissions-Policy" in response
        assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", response.content.decode()) == [], name


def test_the_django_admin_carries_both_policies(client, login, operator_admin):
    login(operator_admin)

    response = client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert "script-src 'self'" in directives(response)
    assert "Permissions-Policy" in response
