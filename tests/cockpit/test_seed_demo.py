import base64
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.second_factor import confirmed_devices, second_factor_required
from accounts.sms import FakeGateway
from cockpit.management.commands.seed_demo import DEMO_PASSWORD, SECOND_FACTORS
from entities.models import BusinessEntity, Company, Instance

pytestmark = pytest.mark.django_db

# What a newcomer added to their authenticator app: it must not change from run to run or release to release.
DEMO_ADMIN_KEY = "F3RNRD2DELTLMZJ5MSKOTX5PUIHMUJJI"


@pytest.fixture(autouse=True)
def sms_outbox():
    FakeGateway.outbox.clear()
    yield FakeGateway.outbox
    FakeGateway.outbox.clear()


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def printed_totp_key(output: str) -> str:
    return re.search(r"^ +key  ([A-Z2-7]+)$", output, re.MULTILINE).group(1)


def printed_backup_codes(output: str) -> list[str]:
    return re.search(r"backup codes, each works once.*\n +(.+)$", output, re.MULTILINE).group(1).split()


def password_step(client, email: str):
    """The login page as a person fills it in; returns the page it ends on."""
    return client.post("/accounts/login/", {"username": email, "password": DEMO_PASSWORD}, follow=True)


def second_step(client, method: str, code: str):
    return client.post(f"/accounts/second-factor/?method={method}", {"method": method, "code": code}, follow=True)


def lands_on_dashboard(response, slug: str = "alpine") -> bool:
    return response.status_code == 200 and response.request["PATH_INFO"] == f"/c/{slug}/"


def test_seed_demo_creates_two_cockpits_with_companies_entities_and_users():
    seed()

    assert Instance.objects.count() == 2
    assert Company.objects.filter(is_operator=True).exists()
    assert Company.objects.filter(is_operator=False).count() >= 12
    assert BusinessEntity.objects.count() >= 300
    assert User.objects.filter(is_staff=True, company__is_operator=True).exists()


def test_seed_demo_is_idempotent():
    seed()
    counts = (Instance.objects.count(), Company.objects.count(), BusinessEntity.objects.count(), User.objects.count())

    seed()

    assert (
        Instance.objects.count(),
        Company.objects.count(),
        BusinessEntity.objects.count(),
        User.objects.count(),
    ) == counts


def test_seed_demo_prints_logins_that_work(client):
    # given
    output = seed()
    assert DEMO_PASSWORD in output
    assert "the other demo users sign in with the password alone" in output

    for user in User.objects.select_related("company__instance"):
        assert user.email in output
        # when
        response = password_step(client, user.email)
        # then
        if user.email in SECOND_FACTORS:
            assert response.request["PATH_INFO"] == "/accounts/second-factor/", user.email
        else:
            assert lands_on_dashboard(response, user.company.instance.slug), user.email
        client.logout()


def test_seed_demo_gives_every_user_under_the_policy_a_working_method():
    seed()

    under_policy = {user.email for user in User.objects.all() if second_factor_required(user)}

    assert under_policy == set(SECOND_FACTORS)
    for email, (method, _) in SECOND_FACTORS.items():
        assert list(confirmed_devices(User.objects.get(email=email))) == [method], email


def test_seed_demo_admin_signs_in_with_the_printed_authenticator_key(client):
    # given
    output = seed()
    key = printed_totp_key(output)
    assert f"otpauth://totp/Cockpit%3Aadmin%40soobr.demo?secret={key}&" in output
    password_step(client, "admin@soobr.demo")

    # when: the authenticator app computes the code from the key it was given
    response = second_step(client, "totp", f"{TOTP(base64.b32decode(key)).token():06d}")

    # then
    assert lands_on_dashboard(response)
    assert client.get("/admin/").status_code == 200


def test_seed_demo_admin_key_is_the_same_on_every_run():
    first = printed_totp_key(seed())
    # Someone replaced the demo admin's key (e.g. enrolled anew): the next run brings the demo key back.
    TOTPDevice.objects.filter(user__email="admin@soobr.demo").update(key="00" * 20)

    second = printed_totp_key(seed())

    assert first == second == DEMO_ADMIN_KEY
    assert TOTPDevice.objects.filter(user__email="admin@soobr.demo").count() == 1


def test_seed_demo_sms_user_signs_in_with_the_code_sent(client, sms_outbox):
    # given
    output = seed()
    assert re.search(r"pm@zurich-property\.demo +SMS: press \"Send code\"; the SMS code", output)
    password_step(client, "pm@zurich-property.demo")

    # when
    client.post("/accounts/second-factor/?method=sms", {"method": "sms", "send": "1"})
    (message,) = sms_outbox
    code = re.search(r"\b(\d{6})\b", message.body).group(1)
    response = second_step(client, "sms", code)

    # then
    assert message.phone == "+447700900123"
    assert lands_on_dashboard(response)


def test_seed_demo_backup_code_user_signs_in_with_a_printed_code_and_each_run_prints_new_ones(client):
    # given
    earlier = printed_backup_codes(seed())
    codes = printed_backup_codes(seed())
    assert len(codes) == 10 and not set(codes) & set(earlier)
    password_step(client, "manager@helvetia.demo")

    # when
    response = second_step(client, "backup", codes[3])

    # then
    assert lands_on_dashboard(response)


def test_seed_demo_emails_about_the_new_sign_in_methods_only_on_the_first_run(
    django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        seed()
    with django_capture_on_commit_callbacks(execute=True):
        seed()

    assert sorted(message.to[0] for message in mailoutbox) == sorted(SECOND_FACTORS)
