"""A first sign-in that can be left and resumed: the emailed password works until the person has chosen their own."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from entities.models import Level
from tests.factories import PASSWORD, CompanyFactory, UserFactory, grant_company_role
from tests.support.sign_in import totp_code
from users.services import user_invite

pytestmark = pytest.mark.django_db

OWN_PASSWORD = "Ein-eigenes-Passwort-2026"


def emailed_password(message) -> str:
    return re.search(r"(?:Temporary password|Temporäres Passwort): (\S+)", message.body).group(1)


@pytest.fixture
def newcomer(instance, mailoutbox, django_capture_on_commit_callbacks):
    """Invited by a project manager, who asked for a second factor; returns (user, emailed password)."""
    owner = CompanyFactory(instance=instance, name="Owner A")
    manager = UserFactory(company=owner, email="pm@owner-a.example")
    grant_company_role(manager, Level.OWNER, owner, "projectmanager")
    with django_capture_on_commit_callbacks(execute=True):
        user, _message = user_invite(
            actor=manager,
            instance=instance,
            company_grants=[],
            entity_grants=[],
            email="nora@owner-a.example",
            first_name="Nora",
            company=owner,
            otp_required=True,
        )
    return user, emailed_password(mailoutbox[-1])


def sign_in(client, user, password):
    return client.post(reverse("accounts:login"), {"username": user.email, "password": password})


def test_a_first_sign_in_left_at_the_set_up_resumes_with_the_emailed_password(client, newcomer):
    user, password = newcomer
    sign_in(client, user, password)
    assert client.get(reverse("accounts:second-factor-setup")).status_code == 200
    client.post(reverse("accounts:logout"))  # no phone at hand: they leave

    again = sign_in(client, user, password)

    assert again.status_code == 302
    assert client.get(again["Location"], follow=True).request["PATH_INFO"] == reverse("accounts:second-factor-setup")


def test_a_resumed_first_sign_in_ends_with_backup_codes_and_the_persons_own_password(client, newcomer):
    user, password = newcomer
    sign_in(client, user, password)
    client.get(reverse("accounts:second-factor-setup"))
    client.post(reverse("accounts:logout"))
    sign_in(client, user, password)
    client.get(reverse("accounts:second-factor-setup"))
    device = TOTPDevice.objects.get(user=user, confirmed=False)

    codes_page = client.post(reverse("accounts:second-factor-setup"), {"code": totp_code(device)})
    forced = client.get(reverse("cockpit:dashboard", kwargs={"instance_slug": user.company.instance.slug}))
    client.post(reverse("accounts:password-change"), {"new_password1": OWN_PASSWORD, "new_password2": OWN_PASSWORD})

    assert len(re.findall(r"<li><code>", codes_page.content.decode())) == 10
    assert forced["Location"] == reverse("accounts:password-change")
    user.refresh_from_db()
    assert not user.must_change_password and user.check_password(OWN_PASSWORD)


# --- what counts as a sign-in -----------------------------------------------------------------


@pytest.fixture
def enrolled(customer_company):
    """Signs in with an authenticator app, which the policy asks of them; has signed in before."""
    user = UserFactory(company=customer_company, email="kim@example.com", otp_required=True)
    TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    User.objects.filter(pk=user.pk).update(last_login=timezone.now() - timedelta(days=3))
    user.refresh_from_db()
    return user


def test_a_password_step_left_at_the_second_factor_is_no_sign_in(client, enrolled):
    before = enrolled.last_login

    sign_in(client, enrolled, PASSWORD)
    client.get(reverse("accounts:second-factor"))

    enrolled.refresh_from_db()
    assert enrolled.last_login == before


def test_the_sign_in_counts_once_the_second_factor_is_given(client, enrolled):
    before = enrolled.last_login
    sign_in(client, enrolled, PASSWORD)
    device = TOTPDevice.objects.get(user=enrolled)
    client.post(reverse("accounts:second-factor"), {"method": "totp", "code": totp_code(device)})

    client.get(reverse("accounts:my-account"))

    enrolled.refresh_from_db()
    assert enrolled.last_login > before


def test_a_new_person_who_left_their_first_sign_in_halfway_is_welcomed_not_welcomed_back(client, newcomer):
    user, password = newcomer
    sign_in(client, user, password)
    client.post(reverse("accounts:logout"))
    sign_in(client, user, password)
    client.get(reverse("accounts:second-factor-setup"))
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    client.post(reverse("accounts:second-factor-setup"), {"code": totp_code(device)})
    client.post(reverse("accounts:password-change"), {"new_password1": OWN_PASSWORD, "new_password2": OWN_PASSWORD})

    page = client.get(reverse("cockpit:dashboard", kwargs={"instance_slug": user.company.instance.slug}))

    greeting = re.search(r'data-testid="greeting">([^<]+)<', page.content.decode()).group(1)
    assert greeting.startswith(("Welcome, Nora", "Willkommen, Nora"))
    user.refresh_from_db()
    assert user.last_login is not None
