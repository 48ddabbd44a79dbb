"""Mobile numbers as people type them, stored in E.164 (phonenumbers, default region from settings); numbers stored
before that the library cannot read."""

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from accounts.models import SMSDevice, User
from accounts.services import user_create, user_update
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("079 123 45 67", "+41791234567"),
        ("0791234567", "+41791234567"),
        ("+41 79 123 45 67", "+41791234567"),
        ("0041 79 123 45 67", "+41791234567"),
        ("+41 (0)79 123-45.67", "+41791234567"),
        ("+49 151 23456789", "+4915123456789"),
    ],
)
def test_a_number_as_typed_is_stored_in_e164(customer_company, typed, stored):
    user = user_create(actor=None, email="kim@example.com", company=customer_company, mobile_phone=typed)

    assert User.objects.get(pk=user.pk).mobile_phone == stored


@pytest.mark.parametrize("typed", ["079 12", "12", "not a phone", "+41 79 123 45 67 89"])
def test_a_number_that_is_none_is_refused_with_an_example(user, typed):
    with pytest.raises(ValidationError, match="Enter a mobile number, e.g. 079 123 45 67"):
        user_update(actor=None, user=user, mobile_phone=typed)
    assert User.objects.get(pk=user.pk).mobile_phone == ""


def test_national_numbers_are_read_in_the_configured_region(customer_company, settings):
    settings.PHONE_DEFAULT_REGION = "DE"

    user = user_create(actor=None, email="kim@example.com", company=customer_company, mobile_phone="0151 23456789")

    assert user.mobile_phone == "+4915123456789"


def test_the_user_page_accepts_a_swiss_number_as_typed(client, login, projectmanager_a, employee_a, owner_a, role):
    from django.urls import reverse

    login(projectmanager_a)
    response = client.post(
        reverse("users:user-edit", kwargs={"instance_slug": owner_a.instance.slug, "pk": employee_a.pk}),
        {
            "email": employee_a.email,
            "first_name": "Erika",
            "last_name": employee_a.last_name,
            "company": owner_a.pk,
            "language": "en",
            "mobile_phone": "079 123 45 67",
            "company-TOTAL_FORMS": "1",
            "company-INITIAL_FORMS": "1",
            "company-0-level": "owner",
            "company-0-company": owner_a.pk,
            "company-0-role": role("manager").pk,
            "entity-TOTAL_FORMS": "0",
            "entity-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    assert User.objects.get(pk=employee_a.pk).mobile_phone == "+41791234567"


def test_stored_numbers_the_library_cannot_read_are_cleared_unless_sms_uses_them(customer_company):
    unreadable, with_sms, fine = (UserFactory(company=customer_company) for _ in range(3))
    User.objects.filter(pk__in=[unreadable.pk, with_sms.pk]).update(mobile_phone="+1234567")
    User.objects.filter(pk=fine.pk).update(mobile_phone="+41791234567")
    SMSDevice.objects.create(user=with_sms, name="SMS", confirmed=True)

    importlib.import_module("accounts.migrations.0008_mobile_phones_readable").readable_numbers(apps, None)

    phones = dict(User.objects.values_list("pk", "mobile_phone"))
    assert (phones[unreadable.pk], phones[with_sms.pk], phones[fine.pk]) == ("", "+1234567", "+41791234567")
