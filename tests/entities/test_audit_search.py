"""The audit log's search: a word in who acted or what about, a person's email address, an IP address."""

import pytest
from django.urls import reverse

from entities.admin import entries_searched
from entities.audit import audit_record, current_ip
from entities.models import AuditLogEntry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def entries(owner_a, operator_staff):
    person = UserFactory(company=owner_a, email="nora@owner-a.example", first_name="Nora", last_name="Neu")
    token = current_ip.set("203.0.113.9")
    try:
        audit_record(actor=operator_staff, action="user.changed", target=person, subject_user=person)
    finally:
        current_ip.reset(token)
    audit_record(actor=None, action="user.changed", target=owner_a)
    return person


def found(term: str) -> list[str]:
    return sorted(entries_searched(AuditLogEntry.objects.all(), term).values_list("target_label", flat=True))


def test_a_word_of_what_an_entry_is_about_finds_it(entries):
    assert found("neu") == ["Nora Neu"]


def test_the_email_address_of_the_person_an_entry_is_about_finds_it(entries):
    assert found("NORA@owner-a.example") == ["Nora Neu"]


def test_an_ip_address_finds_the_entries_made_from_it(entries):
    assert found("203.0.113.9") == ["Nora Neu"]


def test_who_acted_finds_their_entries(entries, operator_staff):
    assert found(operator_staff.email) == ["Nora Neu"]


def test_the_admin_search_uses_it(admin_client, entries):
    page = admin_client.get(reverse("admin:entities_auditlogentry_changelist"), {"q": "203.0.113.9"})

    assert [entry.target_label for entry in page.context["cl"].result_list] == ["Nora Neu"]
