import pytest
from django.core.exceptions import ValidationError

from accounts.models import User
from accounts.services import user_create, user_update
from entities.models import Company, Level
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


def test_user_invite_refuses_a_manager_who_is_not_staff_placing_a_user_in_the_operator(operator_company):
    from entities.models import Level
    from tests.factories import grant_company_role
    from users.services import user_invite

    manager = UserFactory(company=operator_company, email="pm@soobr.example")
    grant_company_role(manager, Level.OWNER, operator_company, "projectmanager")

    with pytest.raises(ValidationError, match="You cannot manage users of"):
        user_invite(
            actor=manager,
            instance=operator_company.instance,
            company_grants=[],
            entity_grants=[],
            email="new@soobr.example",
            company=operator_company,
        )
    assert not User.objects.filter(email="new@soobr.example").exists()


def test_user_edit_refused_after_the_profile_change_leaves_row_and_object_as_they_were(
    operator_admin, customer_company, role
):
    from entities.models import Level
    from users.services import CompanyGrantRequest, user_edit

    user = UserFactory(company=customer_company, email="karin@example.com", first_name="Karin")

    with pytest.raises(ValidationError):
        user_edit(
            actor=operator_admin,
            instance=customer_company.instance,
            user=user,
            company_grants=[CompanyGrantRequest(Level.OWNER, customer_company, role("sales"))],  # operator-only
            entity_grants=[],
            first_name="Kathrin",
        )

    assert user.first_name == "Karin"
    user.refresh_from_db()
    assert user.first_name == "Karin" and not user.company_grants.exists()


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
