"""What a page tells after an action reads in the reader's language, whichever language the server started in.

Issue 24: the delivery words were translated once at import, so a German manager read "The welcome email
is on its way…" in English. Each case here acts as a German-speaking person and reads the message back.
"""

import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation

from accounts.emails import METHOD_NAMES
from accounts.second_factor import totp_device_create
from entities.models import Level
from sharing.models import SharingSettings
from sharing.modules import ShareLevel
from sharing.services import share_invite, sharing_settings_save
from tests.factories import CompanyFactory, UserFactory, grant_company_role
from users.services import user_invite

pytestmark = pytest.mark.django_db


def longest_words(text: str) -> str:
    """The longest stretch of a message between its placeholders: what any rendering of it shows."""
    return max((part.strip() for part in re.split(r"%\(\w+\)[sd]", text)), key=len)


def german(english: str) -> str:
    with translation.override("de"):
        text = translation.gettext(english)
    assert text != english, f"no German for {english!r}"
    return longest_words(text)


def flashes(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def assert_reads_in_german(response, english: str) -> None:
    shown = " | ".join(flashes(response))
    assert german(english) in shown
    assert longest_words(english) not in shown


@pytest.fixture(autouse=True)
def server_speaks_english(settings):
    """The process's own language is English: only the reader's may make a message German."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def owner(instance):
    return CompanyFactory(instance=instance, name="Zürich Immobilien AG")


@pytest.fixture
def manager(owner):
    """A German-speaking company admin: Projectmanager of the owner company."""
    user = UserFactory(company=owner, email="petra@zuerich.example", language="de")
    grant_company_role(user, Level.OWNER, owner, "projectmanager")
    return user


@pytest.fixture
def staff(operator_company):
    return UserFactory(company=operator_company, email="stefan@soobr.example", is_staff=True, language="de")


@pytest.fixture
def invited(manager, owner, instance, django_capture_on_commit_callbacks):
    """A person the manager invited, who has not signed in yet."""
    with django_capture_on_commit_callbacks(execute=True):
        user, _delivery = user_invite(
            actor=manager,
            instance=instance,
            company_grants=[],
            entity_grants=[],
            email="nora@zuerich.example",
            first_name="Nora",
            last_name="Neu",
            company=owner,
        )
    return user


def users_url(instance, name, **kwargs):
    return reverse(f"users:{name}", kwargs={"instance_slug": instance.slug, **kwargs})


def post(client, url, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(url, follow=True)


def test_the_welcome_email_on_its_way_reads_in_german(
    client, login, manager, invited, instance, django_capture_on_commit_callbacks
):
    login(manager)

    response = post(
        client, users_url(instance, "user-resend-welcome", pk=invited.pk), django_capture_on_commit_callbacks
    )

    assert_reads_in_german(response, "The welcome email is on its way to %(email)s.")


def test_removing_a_person_reads_in_german(
    client, login, manager, invited, instance, django_capture_on_commit_callbacks
):
    login(manager)

    response = post(client, users_url(instance, "user-remove", pk=invited.pk), django_capture_on_commit_callbacks)

    assert_reads_in_german(response, "%(user)s has been removed and can no longer log in.")


def test_operator_staffs_second_factor_reset_reads_in_german(
    client, login, staff, invited, instance, django_capture_on_commit_callbacks
):
    login(staff)

    response = post(
        client, users_url(instance, "user-second-factor-reset", pk=invited.pk), django_capture_on_commit_callbacks
    )

    assert_reads_in_german(response, "%(user)s's devices are removed; they set up a new one at the next login.")


@pytest.fixture
def share(manager, owner, instance, other_instance, operator_admin, django_capture_on_commit_callbacks):
    partner = CompanyFactory(instance=other_instance, name="Rhein Clean GmbH")
    sharing_settings_save(
        actor=operator_admin,
        settings=SharingSettings(instance=instance),
        is_shareable=True,
        allowed_companies=[partner],
    )
    guest = UserFactory(company=partner, email="gina@rhein.example", language="en")
    with django_capture_on_commit_callbacks(execute=True):
        share, _delivery = share_invite(
            actor=manager,
            instance=instance,
            cockpit=other_instance,
            email=guest.email,
            inventory=ShareLevel.READ,
            customer_care=ShareLevel.NONE,
            scopes=[(Level.OWNER, owner.pk)],
        )
    return share


def shares_url(instance, name, **kwargs):
    return reverse(f"sharing:{name}", kwargs={"instance_slug": instance.slug, **kwargs})


def test_the_invitation_on_its_way_reads_in_german(
    client, login, manager, share, instance, django_capture_on_commit_callbacks
):
    login(manager)

    response = post(client, shares_url(instance, "share-resend", pk=share.pk), django_capture_on_commit_callbacks)

    assert_reads_in_german(response, "The invitation is on its way to %(email)s.")


def test_removing_a_share_reads_in_german(client, login, manager, share, instance, django_capture_on_commit_callbacks):
    login(manager)

    response = post(client, shares_url(instance, "share-remove", pk=share.pk), django_capture_on_commit_callbacks)

    assert_reads_in_german(response, "%(user)s no longer has access to this cockpit.")


def test_the_admins_welcome_email_action_reads_in_german(
    client, login, staff, invited, django_capture_on_commit_callbacks
):
    staff.is_superuser = True
    staff.save()
    login(staff)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:accounts_user_changelist"),
            {"action": "send_welcome_email", "_selected_action": [invited.pk]},
            follow=True,
        )

    shown = " | ".join(flashes(response))
    assert shown and "welcome email" not in shown.lower()
    assert "Willkommens-E-Mail" in shown


def test_a_method_handed_over_by_staff_working_in_english_is_named_in_german_in_the_persons_email(
    staff, invited, mailoutbox, django_capture_on_commit_callbacks
):
    invited.language = "de"
    invited.save()
    mailoutbox.clear()

    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        totp_device_create(actor=staff, user=invited, confirmed=True)

    (email,) = mailoutbox
    with translation.override("de"):
        german_name = str(METHOD_NAMES["totp"])
    assert german_name != "Authenticator app" and german_name in email.body
    assert "Authenticator app" not in email.body
