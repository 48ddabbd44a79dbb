"""The welcome email: sent with a one-time password when a manager creates a user, resent, sent to a corrected
address before the first login, and again on reactivation; never to a removed user or one who chose their own
password; and how it reads (greeting, expiry with its zone, the cockpit's address)."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import RequiredFor, User
from accounts.second_factor import second_factor_policy_set
from entities.models import AuditLogEntry, CompanyGrant, Level
from tests.factories import PASSWORD, UserFactory, state_of
from tests.support.forms import create_form, user_page_form
from tests.support.urls import users_url
from users.services import CompanyGrantRequest, user_deactivate, user_edit, user_invite, welcome_email_resend

pytestmark = pytest.mark.django_db


def temporary_password(message) -> str:
    return re.search(r"(?:Temporary password|Temporäres Passwort): (\S+)", message.body).group(1)


# --- on creating a user, and the first login ---------------------------------------------------


def test_projectmanager_creates_a_user_who_gets_a_working_welcome_email(
    client, login, pm, instance, companies, django_capture_on_commit_callbacks
):
    login(pm)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            users_url(instance, "user-create"),
            create_form(companies["A"], grants=[(Level.OWNER, companies["A"], "manager")]),
        )

    created = User.objects.get(email="neu@owner-a.example")
    assert response.status_code == 302
    assert created.company == companies["A"] and created.mobile_phone == "+41795551212"
    assert CompanyGrant.objects.get(user=created).role.code == "manager"
    assert created.must_change_password
    (message,) = mail.outbox
    assert message.to == ["neu@owner-a.example"]
    assert "neu@owner-a.example" in message.body
    assert f"http://127.0.0.1:8000/c/{instance.slug}/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and temporary_password(message) in html
    assert '<html lang="de">' in html
    assert set(AuditLogEntry.objects.filter(subject_user=created).values_list("action", flat=True)) == {
        "user.created",
        "grant.created",
    }

    # The emailed password signs in, and the first thing the user does is choose their own.
    client.post(reverse("accounts:logout"))
    assert client.login(username=created.email, password=temporary_password(message))
    response = client.get(reverse("cockpit:dashboard", kwargs={"instance_slug": instance.slug}))
    assert response["Location"] == reverse("accounts:password-change")
    client.post(
        reverse("accounts:password-change"),
        {"new_password1": "Ein-eigenes-Passwort-2026", "new_password2": "Ein-eigenes-Passwort-2026"},
    )
    assert client.get(reverse("cockpit:dashboard", kwargs={"instance_slug": instance.slug})).status_code == 200
    created.refresh_from_db()
    assert not created.must_change_password


def test_the_temporary_password_works_again_until_the_person_has_chosen_their_own(
    client, pm, instance, companies, django_capture_on_commit_callbacks
):
    client.force_login(pm)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(users_url(instance, "user-create"), create_form(companies["A"]))
    password = temporary_password(mail.outbox[0])
    client.post(reverse("accounts:logout"))
    first = client.post(reverse("accounts:login"), {"username": "neu@owner-a.example", "password": password})
    client.post(reverse("accounts:logout"))

    again = client.post(reverse("accounts:login"), {"username": "neu@owner-a.example", "password": password})
    client.post(
        reverse("accounts:password-change"),
        {"new_password1": "Ein-eigenes-Passwort-2026", "new_password2": "Ein-eigenes-Passwort-2026"},
    )
    client.post(reverse("accounts:logout"))
    after_own = client.post(reverse("accounts:login"), {"username": "neu@owner-a.example", "password": password})

    assert first.status_code == 302 and again.status_code == 302
    assert after_own.status_code == 200
    assert "Please enter a correct email address and password" in after_own.content.decode()


@pytest.mark.parametrize(("offset", "works"), [(timedelta(microseconds=-1), True), (timedelta(0), False)])
def test_temporary_password_expires_exactly_at_its_deadline(client, companies, offset, works):
    user = UserFactory(company=companies["A"], email="neu@owner-a.example")
    deadline = timezone.now() + timedelta(days=3)
    User.objects.filter(pk=user.pk).update(must_change_password=True, temporary_password_expires_at=deadline)

    with mock.patch("accounts.models.timezone.now", return_value=deadline + offset):
        response = client.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD})

    assert (response.status_code == 302) is works


def test_temporary_password_lasts_three_days_by_default(
    client, pm, instance, companies, django_capture_on_commit_callbacks
):
    client.force_login(pm)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(users_url(instance, "user-create"), create_form(companies["A"]))

    created = User.objects.get(email="neu@owner-a.example")
    lifetime = created.temporary_password_expires_at - timezone.now()
    assert timedelta(days=2, hours=23) < lifetime <= timedelta(days=3)


# Real commits: the page reads how the send went, which happens when the user's creation commits.
def test_a_failing_email_service_keeps_the_user_and_tells_the_manager(
    role_catalogue, client, login, pm, instance, companies, settings
):
    settings.EMAIL_BACKEND = "tests.support.failing_email.FailingBackend"
    login(pm)

    response = client.post(users_url(instance, "user-create"), create_form(companies["A"]), follow=True)

    assert User.objects.filter(email="neu@owner-a.example").exists()
    assert "could not be sent" in response.content.decode()


# --- sent again --------------------------------------------------------------------------------


def test_resending_the_welcome_email_invalidates_the_old_password(
    client, login, pm, instance, companies, django_capture_on_commit_callbacks
):
    login(pm)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(users_url(instance, "user-create"), create_form(companies["A"]))
    created = User.objects.get(email="neu@owner-a.example")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(users_url(instance, "user-resend-welcome", pk=created.pk))

    old, new = temporary_password(mail.outbox[0]), temporary_password(mail.outbox[1])
    assert old != new
    assert not client.login(username=created.email, password=old)
    assert client.login(username=created.email, password=new)
    assert AuditLogEntry.objects.filter(subject_user=created, action="user.welcome_email_resent").exists()


def test_welcome_email_cannot_be_resent_to_a_user_with_their_own_password(client, login, pm, colleague, instance):
    login(pm)

    response = client.post(users_url(instance, "user-resend-welcome", pk=colleague.pk), follow=True)

    assert "already chosen their own password" in response.content.decode()
    assert not mail.outbox
    assert client.login(username=colleague.email, password=PASSWORD)


# --- a removed user gets no welcome email ------------------------------------------------------


def test_welcome_email_resend_refuses_a_removed_user(operator_staff, invited_a, instance, mailoutbox):
    # given: removed before they ever logged in
    user_deactivate(actor=operator_staff, instance=instance, user=invited_a)
    password_before = User.objects.get(pk=invited_a.pk).password

    # when / then
    with pytest.raises(ValidationError, match="This user has been removed"):
        welcome_email_resend(actor=operator_staff, instance=instance, user=User.objects.get(pk=invited_a.pk))
    assert User.objects.get(pk=invited_a.pk).password == password_before
    assert mailoutbox == []


def test_the_user_page_offers_no_welcome_email_for_a_removed_user(client, login, projectmanager_a, invited_a, instance):
    # given
    user_deactivate(actor=projectmanager_a, instance=instance, user=invited_a)
    login(projectmanager_a)

    # when
    page = client.get(users_url(instance, "user-edit", pk=invited_a.pk)).content.decode()

    # then
    assert (
        "Send welcome email again" not in page
        and users_url(instance, "user-resend-welcome", pk=invited_a.pk) not in page
    )


def test_the_user_page_offers_the_welcome_email_before_the_first_login(
    client, login, projectmanager_a, invited_a, instance
):
    login(projectmanager_a)

    page = client.get(users_url(instance, "user-edit", pk=invited_a.pk)).content.decode()

    assert "Send welcome email again" in page


# --- a mistyped address corrected before the first login ---------------------------------------


def test_a_new_email_before_the_first_login_voids_the_old_temporary_password(
    projectmanager_a, invited_a, owner_a, role, mailoutbox, django_capture_on_commit_callbacks, client
):
    # given: the first welcome email went to the mistyped address
    with django_capture_on_commit_callbacks(execute=True):
        welcome_email_resend(actor=projectmanager_a, instance=owner_a.instance, user=invited_a)
    (to_typo,) = mailoutbox
    old_password = temporary_password(to_typo)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        _user, delivery = user_edit(
            actor=projectmanager_a,
            instance=owner_a.instance,
            user=invited_a,
            company_grants=[CompanyGrantRequest(Level.OWNER, owner_a, role("customer"))],
            entity_grants=[],
            email="fixed@owner-a.example",
        )

    # then: a new password went to the new address; the old one logs nobody in
    assert delivery is not None and state_of(delivery) == "sent"
    to_fixed = mailoutbox[-1]
    assert to_fixed.to == ["fixed@owner-a.example"]
    assert not client.login(username="fixed@owner-a.example", password=old_password)
    assert client.login(username="fixed@owner-a.example", password=temporary_password(to_fixed))


def test_the_manager_is_told_where_the_new_welcome_email_went(
    role_catalogue, client, login, projectmanager_a, invited_a, owner_a, role, mailoutbox
):
    # A real commit: the message reads the delivery that the commit sends.
    login(projectmanager_a)

    response = client.post(
        users_url(owner_a.instance, "user-edit", pk=invited_a.pk),
        user_page_form(invited_a, owner_a, role("customer"), email="fixed@owner-a.example"),
        follow=True,
    )

    assert "The welcome email is on its way to fixed@owner-a.example." in response.content.decode()
    assert [message.to for message in mailoutbox] == [["fixed@owner-a.example"]]


def test_an_unchanged_email_sends_no_new_password(
    projectmanager_a, invited_a, owner_a, role, mailoutbox, django_capture_on_commit_callbacks
):
    password_before = invited_a.password

    with django_capture_on_commit_callbacks(execute=True):
        _user, delivery = user_edit(
            actor=projectmanager_a,
            instance=owner_a.instance,
            user=invited_a,
            company_grants=[CompanyGrantRequest(Level.OWNER, owner_a, role("customer"))],
            entity_grants=[],
            first_name="Ines",
        )

    assert delivery is None and mailoutbox == []
    assert User.objects.get(pk=invited_a.pk).password == password_before


# --- a user made in the admin with password sign-in disabled -----------------------------------


def test_a_user_without_a_usable_password_can_be_sent_a_welcome_email(
    operator_staff, owner_a, mailoutbox, django_capture_on_commit_callbacks, client
):
    # given: created in the admin with "password-based authentication" disabled
    user = UserFactory(company=owner_a, email="no-password@owner-a.example", password=None)
    User.objects.filter(pk=user.pk).update(password="!unusable")
    user = User.objects.get(pk=user.pk)
    assert not user.has_usable_password() and user.awaits_first_login

    # when
    with django_capture_on_commit_callbacks(execute=True):
        delivery = welcome_email_resend(actor=operator_staff, instance=owner_a.instance, user=user)

    # then
    assert state_of(delivery) == "sent"
    (message,) = mailoutbox
    assert client.login(username=user.email, password=temporary_password(message))


# --- reactivation ------------------------------------------------------------------------------


def test_reactivation_sends_a_new_temporary_password_and_old_sessions_stay_closed(
    client, login, pm, colleague, instance, operator_admin, django_capture_on_commit_callbacks
):
    from django.test import Client

    old_browser = Client()
    old_browser.force_login(colleague)
    login(pm)
    client.post(users_url(instance, "user-remove", pk=colleague.pk))
    login(operator_admin)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(users_url(instance, "user-reactivate", pk=colleague.pk))

    dashboard = reverse("cockpit:dashboard", kwargs={"instance_slug": instance.slug})
    assert old_browser.get(dashboard).status_code == 302
    assert not client.login(username=colleague.email, password=PASSWORD)
    assert client.login(username=colleague.email, password=temporary_password(mail.outbox[-1]))


def test_reactivating_an_active_user_sends_nothing_and_says_so(
    client, login, colleague, instance, operator_admin, django_capture_on_commit_callbacks
):
    login(operator_admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(users_url(instance, "user-reactivate", pk=colleague.pk), follow=True)

    assert mail.outbox == []
    assert "is active already; no email was sent" in response.content.decode()
    assert client.login(username=colleague.email, password=PASSWORD)


# --- the welcome email reads right -------------------------------------------------------------


def welcome_to(user, django_capture_on_commit_callbacks, mailoutbox, actor):
    with django_capture_on_commit_callbacks(execute=True):
        welcome_email_resend(actor=actor, instance=user.company.instance, user=user)
    return mailoutbox[-1]


def test_the_welcome_email_greets_without_a_name_when_none_is_known(
    projectmanager_a, owner_a, mailoutbox, django_capture_on_commit_callbacks
):
    nameless = UserFactory(
        company=owner_a, email="empty.user@owner-a.example", first_name="", must_change_password=True
    )

    message = welcome_to(nameless, django_capture_on_commit_callbacks, mailoutbox, projectmanager_a)

    assert message.body.startswith("Hello,\n") and "empty.user@owner-a.example," not in message.body
    assert "An account has been created for you" in message.body


def test_the_welcome_email_gives_the_expiry_with_its_zone(
    projectmanager_a, invited_a, mailoutbox, django_capture_on_commit_callbacks, settings
):
    from django.utils import timezone

    message = welcome_to(invited_a, django_capture_on_commit_callbacks, mailoutbox, projectmanager_a)

    expires = timezone.localtime(User.objects.get(pk=invited_a.pk).temporary_password_expires_at)
    assert f"until {expires:%-d %b %Y, %H:%M} ({expires.tzname()})," in message.body
    assert ".." not in message.body


def test_the_welcome_email_links_to_the_configured_base_url(
    projectmanager_a, invited_a, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.COCKPIT_BASE_URL = "http://127.0.0.1:8001"

    message = welcome_to(invited_a, django_capture_on_commit_callbacks, mailoutbox, projectmanager_a)

    assert f"http://127.0.0.1:8001/c/{invited_a.company.instance.slug}/" in message.body


# --- what the welcome email tells -------------------------------------------------------------


def invited_by_pm(pm, companies, django_capture_on_commit_callbacks, mailoutbox, **profile):
    with django_capture_on_commit_callbacks(execute=True):
        user_invite(
            actor=pm,
            instance=companies["A"].instance,
            company_grants=[],
            entity_grants=[],
            email="nora@owner-a.example",
            first_name="Nora",
            company=companies["A"],
            **profile,
        )
    return mailoutbox[-1]


def test_the_welcome_email_names_who_created_the_account(pm, companies, django_capture_on_commit_callbacks, mailoutbox):
    email = invited_by_pm(pm, companies, django_capture_on_commit_callbacks, mailoutbox, language="en")

    assert f"{pm.get_full_name()} ({companies['A'].name}) created it for you." in email.body
    assert f"{pm.get_full_name()} ({companies['A'].name}) created it for you." in email.alternatives[0][0]


def test_the_welcome_email_says_a_second_factor_will_be_asked_and_which_methods_there_are(
    pm, companies, django_capture_on_commit_callbacks, mailoutbox
):
    email = invited_by_pm(
        pm,
        companies,
        django_capture_on_commit_callbacks,
        mailoutbox,
        language="en",
        otp_required=True,
        mobile_phone="+41 79 555 12 12",
    )

    assert "Your account signs in with a second factor." in email.body
    assert "(Authenticator app, SMS to your mobile number)" in email.body


def test_the_welcome_email_offers_no_sms_to_someone_without_a_mobile_number_in_their_language(
    pm, companies, django_capture_on_commit_callbacks, mailoutbox
):
    email = invited_by_pm(
        pm, companies, django_capture_on_commit_callbacks, mailoutbox, language="de", otp_required=True
    )

    assert "Ihr Konto meldet sich mit einem zweiten Faktor an." in email.body
    assert "(Authenticator-App)" in email.body


def test_the_welcome_email_speaks_of_no_second_factor_where_none_is_asked(
    pm, companies, django_capture_on_commit_callbacks, mailoutbox
):
    email = invited_by_pm(pm, companies, django_capture_on_commit_callbacks, mailoutbox, language="en")

    assert "second factor" not in email.body


def test_the_welcome_email_names_the_methods_the_cockpits_policy_counts(
    pm, companies, operator_admin, django_capture_on_commit_callbacks, mailoutbox
):
    second_factor_policy_set(
        actor=operator_admin,
        instance=companies["A"].instance,
        required_for=RequiredFor.EVERYONE,
        sms_counts=False,
        grace_days=14,
    )

    email = invited_by_pm(
        pm, companies, django_capture_on_commit_callbacks, mailoutbox, language="en", mobile_phone="+41 79 555 12 12"
    )

    assert "Your account signs in with a second factor." in email.body
    assert "(Authenticator app)" in email.body
