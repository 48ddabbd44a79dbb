"""No secret in any log line: everything logged during a welcome, a first sign-in with an SMS code, a password
reset and a Cockpit Share, read back, holds none of the passwords, codes and tokens those flows made."""

import logging
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import SMSDevice, User
from cockpit.logs import redact
from entities.models import Level
from sharing.models import SharingSettings
from sharing.services import sharing_settings_save
from tests.factories import CompanyFactory, UserFactory, grant_company_role

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "Mein-eigenes-Pw-2026"


@pytest.fixture
def everything_logged(caplog):
    """Every record of every logger, at every level, as the handlers would write it."""
    caplog.set_level(logging.DEBUG)
    return caplog


@pytest.fixture
def world(role_catalogue, instance, other_instance, operator_admin):
    owner = CompanyFactory(instance=instance, name="Zurich Property AG")
    manager = UserFactory(company=owner, email="pm@zurich.example")
    grant_company_role(manager, Level.OWNER, owner, "projectmanager")
    partner = CompanyFactory(instance=other_instance, name="Rhein Clean GmbH")
    guest = UserFactory(company=partner, email="rita@rhein.example")
    sharing_settings_save(
        actor=operator_admin,
        settings=SharingSettings(instance=instance),
        is_shareable=True,
        allowed_companies=[partner],
    )
    return {"owner": owner, "manager": manager, "guest": guest, "instance": instance, "other": other_instance}


def link(path_start: str) -> str:
    body = mail.outbox[-1].body
    return re.search(rf"https?://[^/\s]+({re.escape(path_start)}\S+)", body).group(1)


def test_no_flow_writes_a_password_a_code_or_a_token_into_the_log(client, world, everything_logged, settings, capsys):
    # The SMS gateway of `make run`: the code goes to the console for the developer, never into the log.
    settings.SMS_GATEWAY = "outbox.sms.ConsoleGateway"
    secrets: list[str] = []
    instance, owner, manager = world["instance"], world["owner"], world["manager"]

    # A manager invites a colleague who must use a second factor; the welcome email carries a temporary password.
    client.force_login(manager)
    client.post(
        reverse("users:user-create", args=[instance.slug]),
        {
            "email": "neu@zurich.example",
            "first_name": "Nora",
            "last_name": "Neu",
            "company": owner.pk,
            "language": "en",
            "mobile_phone": "+41 79 555 12 12",
            "otp_required": "on",
            "company-TOTAL_FORMS": "0",
            "company-INITIAL_FORMS": "0",
            "entity-TOTAL_FORMS": "0",
            "entity-INITIAL_FORMS": "0",
        },
    )
    temporary = re.search(r"Temporary password: (\S+)", mail.outbox[-1].body).group(1)
    secrets.append(temporary)

    # She signs in, chooses her password, sets up SMS with the code it sends, and is in.
    newcomer = Client()
    newcomer.post(reverse("accounts:login"), {"username": "neu@zurich.example", "password": temporary})
    newcomer.get(reverse("accounts:second-factor-setup"), {"method": "sms"})
    newcomer.post(reverse("accounts:second-factor-setup"), {"method": "sms", "send": "1"})
    code = re.search(r"SMS to \+41795551212: .*?(\d{6})", capsys.readouterr().out).group(1)
    secrets.append(code)
    newcomer.post(reverse("accounts:second-factor-setup"), {"method": "sms", "code": code})
    newcomer.post(reverse("accounts:password-change"), {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    secrets.append(NEW_PASSWORD)
    assert SMSDevice.objects.get(user__email="neu@zurich.example").confirmed

    # Someone asks for a password reset of the manager, and opens the link; a wrong token too.
    stranger = Client()
    stranger.post(reverse("accounts:password-reset"), {"email": manager.email})
    reset = link("/accounts/password/reset/")
    secrets.append(reset.strip("/").split("/")[-1])  # the token (the uid before it is the user's id, no secret)
    stranger.get(reset, follow=True)
    stranger.get(reset.rsplit("/", 2)[0] + "/wrong-token/")

    # The manager shares the cockpit; the guest follows the link, another person tries it first (404).
    client.post(
        reverse("sharing:share-create", args=[instance.slug]),
        {
            "cockpit": world["other"].pk,
            "email": world["guest"].email,
            "scopes": [f"owner:{owner.pk}"],
            "inventory": 1,
            "customer_care": 0,
            "ends_on": "",
        },
    )
    invitation = link("/invitations/")
    secrets.append(invitation.strip("/").split("/")[-1])
    nosy = Client()
    nosy.force_login(UserFactory(company=world["guest"].company, email="nosy@rhein.example"))
    assert nosy.get(invitation).status_code == 404
    guest = Client()
    guest.force_login(world["guest"])
    assert guest.get(invitation).status_code == 302

    lines = [record.getMessage() for record in everything_logged.records] + [everything_logged.text]
    leaked = [(secret, line[:200]) for secret in secrets for line in lines if secret in line]
    assert lines and leaked == []
    assert User.objects.get(email="neu@zurich.example").check_password(NEW_PASSWORD)


def test_paths_with_a_token_are_logged_without_it():
    assert redact("Not Found: /invitations/AbC-123_xyz/") == "Not Found: /invitations/<token>/"
    assert redact('"GET /accounts/password/reset/MQ/c2v7-abc123/ HTTP/1.1" 302') == (
        '"GET /accounts/password/reset/<uid>/<token>/ HTTP/1.1" 302'
    )
    assert redact("/accounts/password/reset/sent/") == "/accounts/password/reset/sent/"
