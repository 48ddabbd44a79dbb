"""User Management's list tells each user's second factor truthfully, and filters by it."""

import re

import pytest
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import SMSDevice
from accounts.second_factor import backup_codes_generate
from entities.models import Level
from tests.factories import CompanyFactory, UserFactory, grant_company_role
from users.permissions import require_manager
from users.selectors import managed_users

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_a(instance):
    return CompanyFactory(instance=instance, name="Owner A")


@pytest.fixture
def pm(owner_a):
    """Projectmanager of owner A: lists the users of A."""
    manager = UserFactory(company=owner_a, email="pm@owner-a.example")
    grant_company_role(manager, Level.OWNER, owner_a, "projectmanager")
    return manager


def member(company, email, **fields):
    return UserFactory(company=company, email=email, **fields)


def with_totp(user, *, confirmed=True):
    TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=confirmed)
    return user


def with_sms(user, *, confirmed=True):
    SMSDevice.objects.create(user=user, name="SMS", confirmed=confirmed)
    return user


def with_backup_codes(user, *, codes=3, confirmed=True):
    device = StaticDevice.objects.create(user=user, name="Backup codes", confirmed=confirmed)
    StaticToken.objects.bulk_create([StaticToken(device=device, token=f"code{n:04d}") for n in range(codes)])
    return user


@pytest.fixture
def people(owner_a):
    """One user of A for every status, and the devices that must not count."""
    return {
        "plain": member(owner_a, "plain@owner-a.example"),
        "flagged": member(owner_a, "flagged@owner-a.example", otp_required=True),
        "app": with_totp(member(owner_a, "app@owner-a.example", otp_required=True)),
        "sms": with_sms(member(owner_a, "sms@owner-a.example", otp_required=True, mobile_phone="+41791234567")),
        "app_and_sms": with_sms(with_totp(member(owner_a, "both@owner-a.example", mobile_phone="+41791234568"))),
        "backup_only": with_backup_codes(member(owner_a, "backup@owner-a.example", otp_required=True)),
        "sms_by_choice": with_sms(member(owner_a, "chose-sms@owner-a.example", mobile_phone="+41791234569")),
        "unconfirmed_app": with_totp(member(owner_a, "half@owner-a.example", otp_required=True), confirmed=False),
        "unconfirmed_sms_by_choice": with_sms(member(owner_a, "half-sms@owner-a.example"), confirmed=False),
        "used_up_codes": with_backup_codes(member(owner_a, "used-up@owner-a.example", otp_required=True), codes=0),
        "used_up_codes_by_choice": with_backup_codes(member(owner_a, "used-up-2@owner-a.example"), codes=0),
    }


EXPECTED = {
    "plain": ("not_required", "not required"),
    "flagged": ("not_set_up", "required, not set up"),
    "app": ("totp", "authenticator app"),
    "sms": ("sms", "SMS"),
    "app_and_sms": ("totp", "authenticator app"),
    "backup_only": ("backup_only", "backup codes only"),
    "sms_by_choice": ("sms", "SMS"),
    "unconfirmed_app": ("not_set_up", "required, not set up"),
    "unconfirmed_sms_by_choice": ("not_required", "not required"),
    "used_up_codes": ("not_set_up", "required, not set up"),
    "used_up_codes_by_choice": ("not_required", "not required"),
}


def users_url(instance) -> str:
    return reverse("users:user-list", kwargs={"instance_slug": instance.slug})


def second_factor_cells(html: str) -> dict[str, tuple[str, str]]:
    """Each row's email → (status code, the 2FA cell's text), as the page shows them."""
    cells = {}
    for row in re.findall(r"<tr>(.*?)</tr>", html, flags=re.S):
        email = re.search(r'<span class="muted small">([^<]+)</span>', row)
        cell = re.search(r'<td [^>]*data-second-factor="([a-z_]+)">(.*?)</td>', row, flags=re.S)
        if email and cell:
            cells[email.group(1)] = (cell.group(1), re.sub(r"<[^>]+>", "", cell.group(2)).strip())
    return cells


def listed(response) -> set[str]:
    return {user.email for user in response.context["page"].object_list}


# --- the column ------------------------------------------------------------------------------


def test_user_list_shows_each_users_second_factor_status(client, login, pm, people, instance):
    # given
    login(pm)

    # when
    response = client.get(users_url(instance))

    # then
    cells = second_factor_cells(response.content.decode())
    assert {key: cells[user.email] for key, user in people.items()} == EXPECTED


def test_user_list_counts_staff_as_required(client, login, operator_admin, operator_company, instance):
    # given: operator staff without any device, and one with an authenticator app
    staff = member(operator_company, "sven@soobr.example", is_staff=True)
    staff_with_app = with_totp(member(operator_company, "sina@soobr.example", is_staff=True))
    login(operator_admin)

    # when
    cells = second_factor_cells(client.get(users_url(instance)).content.decode())

    # then
    assert cells[staff.email] == ("not_set_up", "required, not set up")
    assert cells[staff_with_app.email] == ("totp", "authenticator app")


def test_user_list_counts_backup_codes_only_while_some_are_left(client, login, pm, owner_a, instance):
    # given: backup codes made through the service
    user = member(owner_a, "codes@owner-a.example", otp_required=True)
    codes = backup_codes_generate(actor=None, user=user)
    login(pm)
    assert second_factor_cells(client.get(users_url(instance)).content.decode())[user.email][0] == "backup_only"

    # when: every code is used
    StaticToken.objects.filter(device__user=user, token__in=codes).delete()

    # then
    assert second_factor_cells(client.get(users_url(instance)).content.decode())[user.email][0] == "not_set_up"


# --- the filter ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", set(EXPECTED)),
        ("not_set_up", {"flagged", "unconfirmed_app", "used_up_codes"}),
        ("set_up", {"app", "sms", "app_and_sms", "backup_only", "sms_by_choice"}),
        ("not_required", {"plain", "unconfirmed_sms_by_choice", "used_up_codes_by_choice"}),
    ],
)
def test_user_list_filters_by_second_factor(client, login, pm, people, instance, value, expected):
    # given
    login(pm)

    # when
    response = client.get(users_url(instance), {"second_factor": value})

    # then: the manager too, who needs no second factor
    mine = {pm.email} if value in ("", "not_required") else set()
    assert listed(response) == {people[key].email for key in expected} | mine
    assert re.search(rf'<option value="{value}" selected>', response.content.decode())


def test_managed_users_filters_by_second_factor(pm, people, instance):
    # given
    reach = require_manager(pm, instance)

    # when
    not_set_up = managed_users(reach=reach, second_factor="not_set_up")
    unknown = managed_users(reach=reach, second_factor="bogus")

    # then
    assert {user.email for user in not_set_up} == {
        people[k].email for k in ("flagged", "unconfirmed_app", "used_up_codes")
    }
    assert unknown.count() == len(people) + 1  # and the manager


def test_user_list_second_factor_filter_works_with_search_company_and_role(
    client, login, pm, people, owner_a, instance
):
    # given: a Manager role on two users, one with an app, one without a device
    grant_company_role(people["app"], Level.OWNER, owner_a, "manager")
    grant_company_role(people["flagged"], Level.OWNER, owner_a, "manager")
    manager_role = people["app"].company_grants.get().role_id
    login(pm)

    # when
    by_role = client.get(users_url(instance), {"second_factor": "set_up", "role": manager_role})
    by_company = client.get(users_url(instance), {"second_factor": "not_set_up", "company": owner_a.pk})
    by_search = client.get(users_url(instance), {"second_factor": "set_up", "q": "sms"})

    # then
    assert listed(by_role) == {people["app"].email}
    assert listed(by_company) == {people[k].email for k in ("flagged", "unconfirmed_app", "used_up_codes")}
    assert listed(by_search) == {people["sms"].email, people["sms_by_choice"].email}


def test_user_list_second_factor_filter_survives_pagination(client, login, pm, owner_a, instance, monkeypatch):
    # given: five users with an app and some without, two a page
    monkeypatch.setattr("users.views.lists.PAGE_SIZE", 2)
    with_app = {with_totp(member(owner_a, f"app{n}@owner-a.example")).email for n in range(5)}
    for n in range(4):
        member(owner_a, f"none{n}@owner-a.example")
    login(pm)

    # when: the filtered first page, then every "Next" link it leads to
    response = client.get(users_url(instance), {"second_factor": "set_up"})
    seen = listed(response)
    while match := re.search(r'href="\?([^"]*)" rel="next">Next</a>', response.content.decode()):
        query = match.group(1).replace("&amp;", "&")
        assert "second_factor=set_up" in query
        response = client.get(f"{users_url(instance)}?{query}")
        seen |= listed(response)

    # then
    assert seen == with_app


@pytest.mark.parametrize(
    "params",
    [
        {"second_factor": "²"},
        {"second_factor": "bogus\x00"},
        {"second_factor": "SET_UP"},
        {"second_factor": "x" * 5000},
        {"second_factor": ["set_up", "bogus"]},
        {"second_factor": "not_set_up", "page": "x", "company": "²"},
    ],
)
def test_user_list_survives_malformed_second_factor_filter(client, login, pm, people, instance, params):
    # given
    login(pm)

    # when
    response = client.get(users_url(instance), params)

    # then: an unknown value filters nothing and the select says "All"
    assert response.status_code == 200
    if params["second_factor"] != "not_set_up":
        assert listed(response) == {user.email for user in people.values()} | {pm.email}
        assert '<option value="" selected>' in response.content.decode()


# --- no N+1 ----------------------------------------------------------------------------------


def add_mixed_users(company, count, offset):
    """Users with every kind of device, in turn."""
    makers = [
        lambda u: u,
        with_totp,
        lambda u: with_sms(u),
        with_backup_codes,
        lambda u: with_sms(with_totp(u)),
        lambda u: with_backup_codes(u, codes=0),
        lambda u: with_totp(u, confirmed=False),
    ]
    for n in range(offset, offset + count):
        user = member(company, f"mixed{n}@owner-a.example", otp_required=n % 2 == 0, mobile_phone="+41791230000")
        grant_company_role(user, Level.OWNER, company, "manager")
        makers[n % len(makers)](user)


@pytest.mark.parametrize("second_factor", ["", "set_up", "not_set_up", "not_required"])
def test_user_list_makes_as_many_queries_for_thirty_five_users_with_mixed_devices_as_for_seven(
    client, login, pm, owner_a, instance, count_queries, second_factor
):
    # given: one user of every kind (so every filter lists some), and a first request already made
    login(pm)
    add_mixed_users(owner_a, 7, 0)
    page = lambda: client.get(users_url(instance), {"second_factor": second_factor})  # noqa: E731
    page()
    few = count_queries(page)

    # when
    add_mixed_users(owner_a, 28, 7)

    # then
    assert count_queries(page) == few
