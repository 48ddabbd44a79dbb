"""Two managers editing one user: the second save is told the user changed meanwhile and sees the current values."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from accounts.models import User
from entities.models import Level, Role
from entities.services import company_grant_create
from tests.factories import CompanyFactory, UserFactory, grant_company_role
from tests.support.forms import edit_url, versioned_edit_form
from users.selectors import user_edit_version
from users.services import CompanyGrantRequest, user_edit

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(instance):
    return CompanyFactory(instance=instance, name="Owner A")


@pytest.fixture
def managers(owner):
    pair = []
    for name in ("petra", "paul"):
        manager = UserFactory(company=owner, email=f"{name}@owner-a.example", language="en")
        grant_company_role(manager, Level.OWNER, owner, "projectmanager")
        pair.append(manager)
    return pair


@pytest.fixture
def employee(owner):
    user = UserFactory(company=owner, email="eva@owner-a.example", first_name="Eva", last_name="Alt")
    grant_company_role(user, Level.OWNER, owner, "customer")
    return user


def customer_grant(owner) -> list[CompanyGrantRequest]:
    return [CompanyGrantRequest(Level.OWNER, owner, Role.objects.get(code="customer"))]


def save_last_name(manager, employee, owner, last_name: str, seen_version: str | None):
    return user_edit(
        actor=manager,
        instance=owner.instance,
        user=User.objects.get(pk=employee.pk),
        company_grants=customer_grant(owner),
        entity_grants=[],
        seen_version=seen_version,
        last_name=last_name,
    )


def test_a_save_on_an_older_version_is_refused_and_keeps_the_other_managers_change(managers, employee, owner):
    petra, paul = managers
    seen = user_edit_version(employee.pk)
    save_last_name(paul, employee, owner, "Paulsen", seen)

    with pytest.raises(ValidationError) as refused:
        save_last_name(petra, employee, owner, "Petersen", seen)

    assert refused.value.code == "changed_meanwhile"
    assert User.objects.get(pk=employee.pk).last_name == "Paulsen"


def test_a_save_on_the_current_version_goes_through(managers, employee, owner):
    petra, _paul = managers

    save_last_name(petra, employee, owner, "Petersen", user_edit_version(employee.pk))

    assert User.objects.get(pk=employee.pk).last_name == "Petersen"


def test_a_role_given_meanwhile_on_another_page_changes_the_version(managers, employee, owner):
    seen = user_edit_version(employee.pk)

    company_grant_create(
        actor=None, user=employee, level=Level.SERVICE_PROVIDER, company=owner, role=Role.objects.get(code="manager")
    )

    assert user_edit_version(employee.pk) != seen


def test_the_second_manager_is_told_and_sees_the_first_managers_values(managers, employee, owner, client, login):
    petra, paul = managers
    login(petra)
    petras_form = versioned_edit_form(client.get(edit_url(owner, employee)), owner, "Petersen")
    pauls_browser = Client()
    pauls_browser.force_login(paul)
    pauls_form = versioned_edit_form(pauls_browser.get(edit_url(owner, employee)), owner, "Paulsen")
    assert pauls_browser.post(edit_url(owner, employee), pauls_form).status_code == 302

    response = client.post(edit_url(owner, employee), petras_form)

    html = response.content.decode()
    assert response.status_code == 409
    assert "Someone else changed this user while you were editing" in html
    assert 'value="Paulsen"' in html and "Petersen" not in html
    assert User.objects.get(pk=employee.pk).last_name == "Paulsen"
