"""Importing people in the Django admin: operator staff bring a CSV file into their own cockpit with User
Management's checks, preview and single transaction (users/admin.py, UserAdmin.import_view)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import User
from entities.models import AuditLogEntry, CompanyGrant, Level
from outbox.models import OutgoingMessage

pytestmark = pytest.mark.django_db

IMPORT = "admin:accounts_user_import"
HEADER = "email,first_name,last_name,company,language,mobile_phone,roles\n"


@pytest.fixture(autouse=True)
def many_invitations(settings):
    settings.INVITATIONS_PER_HOUR = settings.INVITATIONS_PER_COMPANY_PER_DAY = 1000


def people_file(count: int, *, bad: int | None = None) -> bytes:
    lines = [
        f"person{n}@owner-a.example,Person,Number{n},{'Nowhere AG' if n == bad else 'Owner A'},en,,"
        "Owner · Owner A: Customer\n"
        for n in range(count)
    ]
    return (HEADER + "".join(lines)).encode()


def preview(client, raw: bytes):
    return client.post(
        reverse(IMPORT), {"op": "preview", "file": SimpleUploadedFile("people.csv", raw, content_type="text/csv")}
    )


def test_the_user_changelist_offers_the_import(admin_client, owner_a):
    assert reverse(IMPORT) in admin_client.get(reverse("admin:accounts_user_changelist")).content.decode()


def test_staff_preview_a_file_then_import_it_with_roles_welcome_emails_and_one_batch(
    admin_client, owner_a, django_capture_on_commit_callbacks
):
    checked = preview(admin_client, people_file(3))
    with django_capture_on_commit_callbacks(execute=True):
        done = admin_client.post(reverse(IMPORT), {"op": "confirm"})

    assert checked.status_code == 200 and "3 to create" in checked.content.decode()
    assert done.status_code == 302 and done["Location"] == reverse("admin:accounts_user_changelist")
    people = User.objects.filter(email__startswith="person")
    assert people.count() == 3
    assert CompanyGrant.objects.filter(user__in=people, level=Level.OWNER, company=owner_a).count() == 3
    assert OutgoingMessage.objects.filter(recipient__in=people).count() == 3
    batches = {entry.params.get("batch") for entry in AuditLogEntry.objects.filter(subject_user__in=people)}
    assert len(batches) == 1 and None not in batches


def test_a_bad_line_is_named_and_nothing_can_be_imported(admin_client, owner_a):
    checked = preview(admin_client, people_file(3, bad=1))
    confirmed = admin_client.post(reverse(IMPORT), {"op": "confirm"})

    content = checked.content.decode()
    assert checked.status_code == 400 and "Line 3:" in content and 'value="confirm"' not in content
    assert confirmed.status_code == 400
    assert not User.objects.filter(email__startswith="person").exists()


def test_a_binary_file_gets_a_message_on_the_form(admin_client, owner_a):
    checked = preview(admin_client, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20)

    assert checked.status_code == 400 and "errorlist" in checked.content.decode()


def test_confirming_without_a_checked_file_saves_nothing(admin_client, owner_a):
    response = admin_client.post(reverse(IMPORT), {"op": "confirm"})

    assert response.status_code == 302 and response["Location"] == reverse(IMPORT)


def test_the_import_is_closed_to_people_who_are_not_operator_staff(client, login, projectmanager_a, owner_a):
    assert client.get(reverse(IMPORT)).status_code == 302  # anonymous: to the admin's login
    login(projectmanager_a)

    response = client.post(
        reverse(IMPORT),
        {"op": "preview", "file": SimpleUploadedFile("people.csv", people_file(1), content_type="text/csv")},
    )

    assert response.status_code == 302 and reverse("admin:login") in response["Location"]
    assert not User.objects.filter(email__startswith="person").exists()
