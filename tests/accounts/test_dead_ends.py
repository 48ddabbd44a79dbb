"""Dead ends of User Management found by trying it as an admin would (issue 11, point 3): each pinned here."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import User
from entities.models import CompanyGrant, Level
from tests.factories import CompanyFactory, UserFactory, admin_user_change_form, grant_company_role, state_of
from users.services import CompanyGrantRequest, user_deactivate, user_edit, user_invite, welcome_email_resend

pytestmark = pytest.mark.django_db


@pytest.fixture
def invited_a(owner_a):
    """A user of A who has not logged in yet (on the temporary password), with a role in A's reach."""
    invited = UserFactory(company=owner_a, email="invited@owner-a.example", must_change_password=True)
    grant_company_role(invited, Level.OWNER, owner_a, "customer")
    return invited


def temporary_password(message) -> str:
    return re.search(r"(?:Temporary password|Temporäres Passwort): (\S+)", message.body).group(1)


def users_url(instance, name, **kwargs):
    return reverse(f"users:{name}", kwargs={"instance_slug": instance.slug, **kwargs})


def edit_form(user, company, role, **overrides):
    data = {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "company": company.pk,
        "language": "en",
        "mobile_phone": "",
        "company-TOTAL_FORMS": "1",
        "company-INITIAL_FORMS": "1",
        "company-0-level": Level.OWNER,
        "company-0-company": company.pk,
        "company-0-role": role.pk if role else "",
        "entity-TOTAL_FORMS": "0",
        "entity-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


# --- a removed user gets no welcome email -------------------------------------------------------


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


# --- a mistyped address corrected before the first login ----------------------------------------


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
        edit_form(invited_a, owner_a, role("customer"), email="fixed@owner-a.example"),
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


# --- a user made in the admin with password sign-in disabled ------------------------------------


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


def test_the_admin_welcome_action_reaches_a_user_without_a_usable_password(
    admin_client, customer_company, mailoutbox, django_capture_on_commit_callbacks
):
    user = UserFactory(company=customer_company, email="no-password@example.com")
    User.objects.filter(pk=user.pk).update(password="!unusable")

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:accounts_user_changelist"),
            {"action": "send_welcome_email", "_selected_action": [user.pk]},
            follow=True,
        )

    assert "Welcome email queued for no-password@example.com." in response.content.decode()
    assert [message.to for message in mailoutbox] == [["no-password@example.com"]]


# --- superuser only for operator staff ----------------------------------------------------------


def test_a_customer_cannot_be_made_a_superuser(customer_company):
    user = UserFactory(company=customer_company)
    user.is_superuser = True

    with pytest.raises(ValidationError, match="Only operator \\(soobr\\) staff may be superusers"):
        user.save()
    assert User.objects.get(pk=user.pk).is_superuser is False


def test_an_operator_employee_without_staff_status_cannot_be_a_superuser(operator_company):
    with pytest.raises(ValidationError, match="Only operator \\(soobr\\) staff may be superusers"):
        UserFactory(company=operator_company, is_superuser=True)


def test_the_admin_refuses_superuser_status_for_a_customer(admin_client, user):
    response = admin_client.post(
        reverse("admin:accounts_user_change", args=[user.pk]), admin_user_change_form(user, is_superuser="on")
    )

    assert response.status_code == 200
    assert "Only operator (soobr) staff may be superusers." in response.content.decode()
    assert User.objects.get(pk=user.pk).is_superuser is False


# --- a tampered grant formset --------------------------------------------------------------------


@pytest.mark.parametrize(
    "counts",
    [
        {"company-TOTAL_FORMS": "-1"},
        {"company-TOTAL_FORMS": "0", "company-INITIAL_FORMS": "0"},
        {"company-TOTAL_FORMS": "0"},
        {"company-INITIAL_FORMS": "-3"},
    ],
    ids=["negative total", "rows dropped", "total below initial", "negative initial"],
)
def test_a_tampered_grant_formset_changes_nothing(client, login, projectmanager_a, invited_a, owner_a, role, counts):
    login(projectmanager_a)
    grants_before = list(CompanyGrant.objects.filter(user=invited_a).values_list("level", "company", "role"))

    response = client.post(
        users_url(owner_a.instance, "user-edit", pk=invited_a.pk),
        edit_form(invited_a, owner_a, role("customer"), first_name="Tampered", **counts),
    )

    assert response.status_code == 400
    assert "The list of authorizations arrived incomplete or changed; nothing was saved." in response.content.decode()
    assert list(CompanyGrant.objects.filter(user=invited_a).values_list("level", "company", "role")) == grants_before
    assert User.objects.get(pk=invited_a.pk).first_name == "Erika"


def test_removing_a_grant_by_its_remove_box_still_works(client, login, projectmanager_a, invited_a, owner_a, role):
    login(projectmanager_a)

    response = client.post(
        users_url(owner_a.instance, "user-edit", pk=invited_a.pk),
        edit_form(invited_a, owner_a, role("customer"), **{"company-0-DELETE": "on"}),
    )

    assert response.status_code == 302
    assert not CompanyGrant.objects.filter(user=invited_a).exists()


# --- an address held in another cockpit ---------------------------------------------------------


@pytest.fixture
def held_elsewhere(other_instance):
    return UserFactory(company=CompanyFactory(instance=other_instance), email="taken@rhein.example")


def test_user_invite_does_not_confirm_an_address_of_another_cockpit(projectmanager_a, owner_a, held_elsewhere):
    with pytest.raises(ValidationError) as refused:
        user_invite(
            actor=projectmanager_a,
            instance=owner_a.instance,
            company_grants=[],
            entity_grants=[],
            email="Taken@rhein.example",
            company=owner_a,
        )

    (message,) = refused.value.message_dict["email"]
    assert message.startswith("This email address cannot be used for a new login here.")
    assert "exists" not in message and "rhein" not in message.lower()


def test_an_address_out_of_the_managers_reach_reads_like_one_elsewhere(projectmanager_a, owner_a, provider_b):
    # given: the holder is in this cockpit, but not in the manager's list
    UserFactory(company=provider_b, email="someone@provider-b.example")

    with pytest.raises(ValidationError, match="cannot be used for a new login here"):
        user_invite(
            actor=projectmanager_a,
            instance=owner_a.instance,
            company_grants=[],
            entity_grants=[],
            email="someone@provider-b.example",
            company=owner_a,
        )


def test_an_address_of_a_listed_user_is_named_as_taken_here(projectmanager_a, owner_a, employee_a):
    with pytest.raises(ValidationError, match="colleague@owner-a.example already has a login in this cockpit"):
        user_invite(
            actor=projectmanager_a,
            instance=owner_a.instance,
            company_grants=[],
            entity_grants=[],
            email="colleague@owner-a.example",
            company=owner_a,
        )


def test_the_create_form_answers_an_address_of_another_cockpit_on_its_field(
    client, login, projectmanager_a, owner_a, held_elsewhere
):
    login(projectmanager_a)
    data = edit_form(held_elsewhere, owner_a, None, **{"company-TOTAL_FORMS": "0", "company-INITIAL_FORMS": "0"})
    del data["company-0-role"]

    response = client.post(users_url(owner_a.instance, "user-create"), data)

    assert response.status_code == 400
    page = response.content.decode()
    assert "This email address cannot be used for a new login here." in page
    assert "already exists" not in page
    assert User.objects.filter(email="taken@rhein.example").count() == 1


# --- the welcome email reads right --------------------------------------------------------------


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
    assert f"until {expires:%-d %b %Y, %H:%M} ({expires.tzname()})." in message.body
    assert ".." not in message.body


def test_the_welcome_email_links_to_the_configured_base_url(
    projectmanager_a, invited_a, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.COCKPIT_BASE_URL = "http://127.0.0.1:8001"

    message = welcome_to(invited_a, django_capture_on_commit_callbacks, mailoutbox, projectmanager_a)

    assert f"http://127.0.0.1:8001/c/{invited_a.company.instance.slug}/" in message.body
