"""The person's services (accounts/services.py): user_create, user_update and user_save store valid rows only and record
who changed what; show all business entities and the Django admin only for the operator's people; superusers only
among operator staff; a changed password recorded."""

import pytest
from django.core.exceptions import ValidationError

from accounts.models import User
from accounts.services import password_changed, user_create, user_save, user_update
from entities.models import AuditLogEntry, Company, Level
from entities.services import company_grant_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_user_create_stores_email_lower_case_and_phone_in_e164(customer_company):
    user = user_create(
        actor=None, email="Karin.Kunde@Example.COM", company=customer_company, mobile_phone="+41 79 123 45 67"
    )

    assert user.email == "karin.kunde@example.com"
    assert user.mobile_phone == "+41791234567"


@pytest.mark.parametrize("phone", ["079 12", "+41 79 abc", "+999 1234567", "+4"])
def test_user_create_refuses_a_malformed_phone_number(customer_company, phone):
    with pytest.raises(ValidationError, match=r"Enter a mobile number, e\.g\. 079 123 45 67"):
        user_create(actor=None, email="karin@example.com", company=customer_company, mobile_phone=phone)
    assert not User.objects.exists()


def test_user_create_refuses_an_email_that_differs_only_in_case(customer_company):
    user_create(actor=None, email="karin@example.com", company=customer_company)

    with pytest.raises(ValidationError, match="already exists") as excinfo:
        user_create(actor=None, email="KARIN@example.com", company=customer_company)
    assert "email" in excinfo.value.message_dict
    assert User.objects.count() == 1


def test_user_create_refuses_show_all_entities_for_a_customer(customer_company, role):
    with pytest.raises(ValidationError, match="Only operator \\(soobr\\) employees may see all business entities"):
        user_create(
            actor=None,
            email="karin@example.com",
            company=customer_company,
            sees_all_entities=True,
            all_entities_role=role("manager"),
        )
    assert not User.objects.exists()


def test_user_update_refuses_show_all_entities_for_a_customer_and_keeps_the_row(user, role):
    with pytest.raises(ValidationError, match="Only operator"):
        user_update(actor=None, user=user, sees_all_entities=True, all_entities_role=role("manager"))

    user.refresh_from_db()
    assert user.sees_all_entities is False
    assert user.all_entities_role is None


def test_user_save_refuses_show_all_entities_for_a_customer_even_without_validation(user, role):
    # A script that skips full_clean() must not hand a customer every entity either.
    user.sees_all_entities = True
    user.all_entities_role = role("manager")

    with pytest.raises(ValidationError, match="Only operator"):
        user.save()
    assert User.objects.filter(sees_all_entities=True).count() == 0


def test_create_user_manager_path_refuses_show_all_entities_for_a_customer(customer_company, role):
    with pytest.raises(ValidationError, match="Only operator"):
        User.objects.create_user(
            "karin@example.com",
            "pw",
            company=customer_company,
            sees_all_entities=True,
            all_entities_role=role("manager"),
        )
    assert not User.objects.exists()


def test_user_update_lets_an_operator_project_manager_see_all_entities_with_a_role(operator_company, role):
    user = user_create(actor=None, email="pm@soobr.example", company=operator_company)
    company_grant_create(
        actor=None, user=user, level=Level.OWNER, company=operator_company, role=role("projectmanager")
    )

    user = user_update(actor=None, user=user, sees_all_entities=True, all_entities_role=role("manager"))

    assert user.sees_all_entities and user.all_entities_role.code == "manager"


@pytest.mark.parametrize(
    "held", ["nothing", "a role that is no project manager's", "a project manager's role elsewhere"]
)
def test_show_all_is_refused_for_an_operator_employee_who_is_no_project_manager_of_the_operator(
    operator_company, instance, role, held
):
    # Seed 003: "This function may ONLY be used for soobr project managers."
    user = user_create(actor=None, email="emil@soobr.example", company=operator_company)
    if held == "a role that is no project manager's":
        company_grant_create(actor=None, user=user, level=Level.OWNER, company=operator_company, role=role("manager"))
    elif held == "a project manager's role elsewhere":
        customer = Company.objects.create(instance=instance, name="Kantonsspital Nord")
        company_grant_create(actor=None, user=user, level=Level.OWNER, company=customer, role=role("projectmanager"))

    with pytest.raises(ValidationError, match="Only the operator's project managers may see all business entities"):
        user_update(actor=None, user=user, sees_all_entities=True, all_entities_role=role("manager"))
    user.refresh_from_db()
    assert not user.sees_all_entities


def test_user_create_requires_a_role_with_show_all_entities(operator_company):
    with pytest.raises(ValidationError, match="Choose the role"):
        user_create(actor=None, email="pm@soobr.example", company=operator_company, sees_all_entities=True)


def test_user_update_refuses_django_admin_access_for_a_customer(user):
    with pytest.raises(ValidationError, match="Only operator \\(soobr\\) employees may use the Django admin"):
        user_update(actor=None, user=user, is_staff=True)

    user.refresh_from_db()
    assert user.is_staff is False


def test_user_update_keeps_the_row_when_the_change_is_invalid(user):
    with pytest.raises(ValidationError):
        user_update(actor=None, user=user, mobile_phone="not a phone", first_name="Changed")

    user.refresh_from_db()
    assert user.first_name == "Erika"


def test_create_superuser_needs_an_operator_company(operator_company, customer_company):
    admin = User.objects.create_superuser("root@soobr.example", "pw-long-enough", company=operator_company.pk)
    assert admin.is_staff and admin.is_superuser

    with pytest.raises(ValidationError, match="Django admin"):
        User.objects.create_superuser("root@customer.example", "pw-long-enough", company=customer_company)


def test_login_lookup_ignores_email_case(customer_company):
    UserFactory(company=customer_company, email="karin@example.com")

    assert User.objects.get_by_natural_key(" KARIN@Example.com ").email == "karin@example.com"


def test_user_update_refuses_to_move_a_holder_of_operator_roles_out_of_the_operator(operator_company, customer_company):
    from entities.models import Level
    from tests.factories import CompanyFactory, grant_company_role

    sales = UserFactory(company=operator_company)
    grant_company_role(sales, Level.OWNER, CompanyFactory(instance=operator_company.instance), "sales")

    with pytest.raises(ValidationError, match="holds operator roles"):
        user_update(actor=None, user=sales, company=customer_company)
    sales.refresh_from_db()
    assert sales.company == operator_company


def test_user_create_refuses_a_special_role_for_all_business_entities(operator_company, role):
    # Special roles act only on single entities (the access rules ignore them anywhere else).
    with pytest.raises(ValidationError, match="Tablet provider is a special role"):
        user_create(
            actor=None,
            email="olivia@soobr.example",
            company=operator_company,
            sees_all_entities=True,
            all_entities_role=role("tablet-provider"),
            otp_required=True,
        )
    assert not User.objects.exists()


# --- user_save / user_create / user_update: what they store and record -------------------------


def test_user_save_records_nothing_for_an_unchanged_user(user):
    # given
    entries_before = AuditLogEntry.objects.count()

    # when
    user_save(actor=None, user=User.objects.get(pk=user.pk))

    # then
    assert AuditLogEntry.objects.count() == entries_before


def test_user_save_files_the_entry_under_the_users_cockpit(customer_company):
    # when
    created = user_create(actor=None, email="neu@example.com", company=customer_company)

    # then
    assert AuditLogEntry.objects.get(action="user.created", subject_user=created).instance == customer_company.instance


def test_user_save_records_a_superuser_flag_change(operator_company):
    # given
    staff = UserFactory(company=operator_company, is_staff=True)

    # when
    staff.is_superuser = True
    user_save(actor=None, user=staff)

    # then
    assert AuditLogEntry.objects.get(action="user.changed", subject_user=staff).changes == {
        "is_superuser": [False, True]
    }


def test_user_save_records_an_activation_flag_change(user):
    # when
    user.is_active = False
    user_save(actor=None, user=user)

    # then
    assert AuditLogEntry.objects.get(action="user.changed", subject_user=user).changes == {"is_active": [True, False]}


def test_user_create_records_the_acting_user(operator_admin, customer_company):
    # when
    created = user_create(actor=operator_admin, email="neu@example.com", company=customer_company)

    # then
    assert AuditLogEntry.objects.get(action="user.created", subject_user=created).actor == operator_admin


def test_user_create_stores_every_given_profile_field(operator_company):
    # when
    created = user_create(
        actor=None,
        email="neu@soobr.example",
        company=operator_company,
        first_name="  Nora ",
        last_name=" Neu  ",
        language="en",
        is_staff=True,
        otp_required=True,
    )

    # then
    stored = User.objects.get(pk=created.pk)
    assert (stored.first_name, stored.last_name, stored.language, stored.is_staff, stored.otp_required) == (
        "Nora",
        "Neu",
        "en",
        True,
        True,
    )


def test_user_create_leaves_names_empty_and_two_factor_and_chat_off_by_default(customer_company):
    # when
    created = user_create(actor=None, email="neu@example.com", company=customer_company)

    # then
    stored = User.objects.get(pk=created.pk)
    assert (stored.first_name, stored.last_name, stored.otp_required, stored.chat_enabled) == ("", "", False, False)


def test_user_create_sets_the_given_password(customer_company):
    # when
    created = user_create(actor=None, email="neu@example.com", company=customer_company, password="Seefeld-2026!")

    # then
    assert User.objects.get(pk=created.pk).check_password("Seefeld-2026!")


def test_user_update_refuses_a_field_outside_the_editable_ones(user):
    # when / then
    with pytest.raises(TypeError, match="user_update cannot change \\['is_superuser'\\]"):
        user_update(actor=None, user=user, is_superuser=True)
    assert User.objects.get(pk=user.pk).is_superuser is False


def test_user_update_normalizes_the_mobile_phone(user):
    # when
    user_update(actor=None, user=user, mobile_phone="+41 (79) 123-45.67")

    # then
    assert User.objects.get(pk=user.pk).mobile_phone == "+41791234567"


def test_user_update_records_the_acting_user(operator_admin, user):
    # when
    user_update(actor=operator_admin, user=user, first_name="Karina")

    # then
    assert AuditLogEntry.objects.get(action="user.changed", subject_user=user).actor == operator_admin


# --- password_changed --------------------------------------------------------------------------


def test_password_changed_records_the_user_as_actor_and_subject(invited_a):
    # when
    password_changed(user=invited_a)

    # then
    entry = AuditLogEntry.objects.get(action="user.password_changed")
    assert (entry.actor, entry.subject_user) == (invited_a, invited_a)


# --- superuser only for operator staff ---------------------------------------------------------


def test_a_customer_cannot_be_made_a_superuser(customer_company):
    user = UserFactory(company=customer_company)
    user.is_superuser = True

    with pytest.raises(ValidationError, match="Only operator \\(soobr\\) staff may be superusers"):
        user.save()
    assert User.objects.get(pk=user.pk).is_superuser is False


def test_an_operator_employee_without_staff_status_cannot_be_a_superuser(operator_company):
    with pytest.raises(ValidationError, match="Only operator \\(soobr\\) staff may be superusers"):
        UserFactory(company=operator_company, is_superuser=True)
