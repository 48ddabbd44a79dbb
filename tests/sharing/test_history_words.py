"""A share's history reads in words in the reader's language: its levels, older entries' too, on the share's page and
on the admin's entry page."""

import pytest
from django.urls import reverse

from accounts.models import User
from entities.models import AuditLogEntry
from sharing.modules import ShareLevel

pytestmark = pytest.mark.django_db


def share_page(client, share) -> str:
    url = reverse("sharing:share-edit", kwargs={"instance_slug": share.instance.slug, "pk": share.pk})
    return client.get(url).content.decode()


def history_part(page: str) -> str:
    return page.split('data-testid="history"', 1)[1].split("</ol>", 1)[0]


def test_a_shares_levels_are_recorded_as_codes(guest, shared_with):
    shared_with(guest, inventory=ShareLevel.READ, customer_care=ShareLevel.WRITE)

    entry = AuditLogEntry.objects.get(action="share.created")

    assert (entry.changes["inventory"], entry.changes["customer_care"]) == ([None, 1], [None, 2])


def test_a_german_company_admin_reads_the_shares_levels_in_german(client, login, admin, guest, shared_with):
    share = shared_with(guest, inventory=ShareLevel.READ, customer_care=ShareLevel.WRITE)
    User.objects.filter(pk=admin.pk).update(language="de")
    login(admin)

    history = history_part(share_page(client, share))

    assert "Cockpit geteilt durch pm@zurich.example, betreffend" in history
    assert '<th scope="row">Inventar</th><td>—</td><td>Lesen</td>' in history
    assert '<th scope="row">Kundenbetreuung</th><td>—</td><td>Schreiben</td>' in history
    assert ">Read<" not in history and ">Write<" not in history


def test_an_older_entry_with_the_levels_in_english_reads_in_german(client, login, admin, guest, shared_with):
    # given: an entry written before levels were stored as codes
    share = shared_with(guest, inventory=ShareLevel.READ)
    AuditLogEntry.objects.filter(action="share.created").update(
        changes={"inventory": [None, "Read"], "customer_care": [None, "No access"]}
    )
    User.objects.filter(pk=admin.pk).update(language="de")
    login(admin)

    history = history_part(share_page(client, share))

    assert '<th scope="row">Inventar</th><td>—</td><td>Lesen</td>' in history
    assert '<th scope="row">Kundenbetreuung</th><td>—</td><td>Kein Zugriff</td>' in history


@pytest.mark.parametrize(
    ("language", "words", "read"), [("en", "Cockpit shared by", "Read"), ("de", "Cockpit geteilt durch", "Lesen")]
)
def test_the_admins_entry_page_names_a_share_in_words(
    client, login, operator_admin, guest, shared_with, language, words, read
):
    shared_with(guest, inventory=ShareLevel.READ)
    User.objects.filter(pk=operator_admin.pk).update(language=language)
    login(operator_admin)
    entry = AuditLogEntry.objects.get(action="share.created")

    page = client.get(reverse("admin:entities_auditlogentry_change", args=[entry.pk])).content.decode()

    main = page.split('data-testid="audit-entry"', 1)[1].split("<details", 1)[0]
    assert f"<h2>{words} pm@zurich.example" in page
    assert f"<td>—</td><td>{read}</td>" in main
    assert "share.created" not in main and "['" not in page and "[null" not in page


def test_the_admin_names_an_allow_list_change_in_words(client, login, operator_admin, shareable):
    login(operator_admin)
    entry = AuditLogEntry.objects.get(action="sharing.settings_changed")

    page = client.get(reverse("admin:entities_auditlogentry_change", args=[entry.pk])).content.decode()

    assert "<h2>Sharing settings changed by olivia@soobr.example, concerning Alpine Facility Services, on " in page
    assert '<th scope="row">Allow-list</th><td>—</td><td>Rhein Clean GmbH</td>' in page
    assert "[] →" not in page and "['" not in page
