"""User Management's audit export: the history of the manager's people, one person's or all, CSV or JSON Lines,
within the manager's reach and nobody else's."""

import csv
import io
import json
from datetime import timedelta

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone

from entities.models import AuditLogEntry, Level
from tests.factories import CompanyFactory, UserFactory, grant_company_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def colleague_b(provider_b):
    """A user of B: outside the reach of A's Projectmanager."""
    person = UserFactory(company=provider_b, email="bea@provider-b.example")
    grant_company_role(person, Level.SERVICE_PROVIDER, provider_b, "customer")
    return person


def export_url(instance) -> str:
    return reverse("users:audit-export", kwargs={"instance_slug": instance.slug})


def export(client, instance, file_format="jsonl", **data):
    response = client.post(export_url(instance), {"file_format": file_format, **data})
    assert response.status_code == 200, response.content
    assert isinstance(response, StreamingHttpResponse)
    return response, b"".join(response.streaming_content).decode("utf-8")


def json_rows(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def test_a_manager_exports_the_history_of_their_people_only(
    client, login, projectmanager_a, employee_a, colleague_b, instance
):
    login(projectmanager_a)

    _response, text = export(client, instance)

    concerning = {line["concerning"] for line in json_rows(text)}
    assert concerning == {"colleague@owner-a.example"}


def test_the_csv_export_reads_in_words_and_leaves_out_the_ip_address(
    client, login, projectmanager_a, employee_a, instance
):
    login(projectmanager_a)

    response, text = export(client, instance, "csv")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f'filename="audit-log-{instance.slug}.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [(row["Action"], row["What"], row["Change"]) for row in rows] == [
        ("Role granted", "Owner · Owner A", "Role: — → Manager")
    ]
    assert "IP address" not in rows[0]


def test_the_export_of_one_person_holds_only_their_entries(
    client, login, projectmanager_a, employee_a, invited_a, instance
):
    login(projectmanager_a)

    _response, text = export(client, instance, person=invited_a.pk)

    assert {line["concerning"] for line in json_rows(text)} == {"invited@owner-a.example"}


def test_a_person_outside_the_reach_exports_nothing(client, login, projectmanager_a, colleague_b, instance):
    login(projectmanager_a)

    _response, text = export(client, instance, person=colleague_b.pk)

    assert text == ""


def test_the_export_keeps_to_the_days_asked_for(client, login, projectmanager_a, employee_a, invited_a, instance):
    AuditLogEntry.objects.filter(subject_user=invited_a).update(created_at=timezone.now() - timedelta(days=10))
    login(projectmanager_a)
    today = timezone.localdate()

    _response, recent = export(client, instance, since=str(today - timedelta(days=1)))
    _response, older = export(client, instance, until=str(today - timedelta(days=5)))

    assert {line["concerning"] for line in json_rows(recent)} == {"colleague@owner-a.example"}
    assert {line["concerning"] for line in json_rows(older)} == {"invited@owner-a.example"}


def test_the_export_is_recorded_in_the_cockpits_audit_log(client, login, projectmanager_a, employee_a, instance):
    login(projectmanager_a)

    export(client, instance, person=employee_a.pk)

    entry = AuditLogEntry.objects.get(action="audit.exported")
    assert (entry.actor, entry.instance) == (projectmanager_a, instance)
    assert entry.params == {"format": "jsonl", "filters": {"person": str(employee_a.pk)}}


@pytest.mark.parametrize(
    "data",
    [
        {"file_format": "xlsx"},
        {"file_format": "csv", "since": "yesterday"},
        {"file_format": "csv", "since": "2026-02-02", "until": "2026-01-01"},
        {"file_format": "csv", "person": "99999999999999999999999"},
    ],
)
def test_bad_input_answers_400_and_records_nothing(client, login, projectmanager_a, instance, data):
    login(projectmanager_a)

    response = client.post(export_url(instance), data)

    assert response.status_code == 400
    assert not AuditLogEntry.objects.filter(action="audit.exported").exists()


@pytest.mark.parametrize("who", ["anonymous", "customer", "viewer", "other cockpit"])
def test_who_may_not_export_the_audit_log(client, login, who, owner_a, manager_a, other_instance, instance):
    if who == "customer":
        customer = UserFactory(company=owner_a)
        grant_company_role(customer, Level.OWNER, owner_a, "customer")
        login(customer)
    elif who == "viewer":
        login(manager_a)  # sees users, changes nothing: no export of their history
    elif who == "other cockpit":
        outsider = UserFactory(company=CompanyFactory(instance=other_instance))
        grant_company_role(outsider, Level.OWNER, outsider.company, "projectmanager")
        login(outsider)

    response = client.post(export_url(instance), {"file_format": "csv"})

    expected = {"anonymous": 302, "customer": 403, "viewer": 403, "other cockpit": 404}[who]
    assert response.status_code == expected
    assert not AuditLogEntry.objects.filter(action="audit.exported").exists()


def test_the_export_is_a_post(client, login, projectmanager_a, instance):
    login(projectmanager_a)

    assert client.get(export_url(instance)).status_code == 405


def test_a_persons_page_offers_the_export_of_their_history(client, login, projectmanager_a, employee_a, instance):
    login(projectmanager_a)

    page = client.get(reverse("users:user-edit", kwargs={"instance_slug": instance.slug, "pk": employee_a.pk}))

    html = page.content.decode()
    assert f'action="{export_url(instance)}"' in html
    assert f'name="person" value="{employee_a.pk}"' in html


def test_the_user_list_offers_the_export_to_managers_only(client, login, projectmanager_a, manager_a, instance):
    list_url = reverse("users:user-list", kwargs={"instance_slug": instance.slug})

    login(projectmanager_a)
    assert 'data-testid="audit-export"' in client.get(list_url).content.decode()
    login(manager_a)
    assert 'data-testid="audit-export"' not in client.get(list_url).content.decode()
