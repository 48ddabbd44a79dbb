"""The audit log exported from the Django admin's audit list: CSV and JSON Lines, with the list's filters and search,
streamed in a fixed number of queries per chunk, for operator staff only, and itself audited."""

import csv
import io
import json

import pytest
from django.contrib.auth.models import Permission
from django.http import StreamingHttpResponse
from django.urls import reverse

from entities import audit_export as audit_export_module
from entities.audit import audit_records
from entities.models import AuditLogEntry, Level
from tests.factories import BusinessEntityFactory, CompanyFactory, UserFactory, grant_company_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def granted(instance):
    owner = CompanyFactory(instance=instance, name="Zurich Property AG")
    user = UserFactory(company=owner, email="kim@zurich.example")
    grant_company_role(user, Level.OWNER, owner, "customer")
    return user


@pytest.fixture
def elsewhere(other_instance):
    rhein = CompanyFactory(instance=other_instance, name="Rhein AG")
    user = UserFactory(company=rhein, email="rhea@rhein.example")
    grant_company_role(user, Level.OWNER, rhein, "customer")
    return user


def export_url(file_format: str = "csv") -> str:
    return reverse("admin:entities_auditlogentry_export", args=[file_format])


def export(client, file_format: str = "csv", **query):
    response = client.post(
        export_url(file_format) + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
    )
    assert response.status_code == 200, response.status_code
    assert isinstance(response, StreamingHttpResponse)
    return response, b"".join(response.streaming_content).decode("utf-8")


def csv_rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def json_rows(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def test_the_csv_export_names_each_entry_in_words(admin_client, granted):
    response, text = export(admin_client)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="audit-log.csv"' in response["Content-Disposition"]
    (row,) = [row for row in csv_rows(text) if row["Action"] == "Role granted"]
    assert row["What"] == "Owner · Zurich Property AG"
    assert row["Concerning"] == "kim@zurich.example"
    assert row["Change"] == "Role: — → Customer"
    assert row["When"].startswith("20") and row["When"][-6] in "+-"  # ISO 8601 with the zone's offset


def test_the_json_lines_export_has_one_object_per_entry(admin_client, granted):
    response, text = export(admin_client, "jsonl")

    assert response["Content-Type"] == "application/jsonl; charset=utf-8"
    (line,) = [line for line in json_rows(text) if line["action_code"] == "grant.created"]
    assert line["action"] == "Role granted"
    assert line["what"] == "Owner · Zurich Property AG"
    assert line["changes"] == [{"field": "Role", "before": "—", "after": "Customer"}]
    assert line["cockpit"] == granted.company.instance.slug
    assert line["object"]["type"] == "entities.CompanyGrant"


def test_the_export_honours_the_lists_cockpit_filter(admin_client, granted, elsewhere):
    _response, text = export(admin_client, "jsonl", instance__id__exact=elsewhere.company.instance_id)

    assert {line["concerning"] for line in json_rows(text)} == {"rhea@rhein.example"}


def test_the_export_honours_the_lists_action_filter_and_search(admin_client, granted, elsewhere):
    _response, text = export(admin_client, "jsonl", action="grant.created", q="Rhein")

    lines = json_rows(text)
    assert [(line["action_code"], line["concerning"]) for line in lines] == [("grant.created", "rhea@rhein.example")]


def test_a_cell_a_spreadsheet_would_run_is_written_as_text(admin_client, instance):
    AuditLogEntry.objects.create(
        action="company.created",
        target_type="entities.Company",
        target_id="1",
        target_label="=HYPERLINK(1)",
        actor_label="@evil",
        instance=instance,
    )

    _response, text = export(admin_client)

    (row,) = [row for row in csv_rows(text) if row["Who"] == "'@evil"]
    assert row["Object"] == "'=HYPERLINK(1)"


def test_the_export_is_recorded_in_the_audit_log(admin_client, operator_admin, granted):
    export(admin_client, "jsonl", action="grant.created")

    entry = AuditLogEntry.objects.get(action="audit.exported")
    assert entry.actor == operator_admin
    assert entry.params == {"format": "jsonl", "filters": {"action": "grant.created"}}


def write_entries(instance, owner, entity, count: int) -> None:
    """`count` grant entries naming a company and an entity, as a bulk action writes them."""
    audit_records(
        [
            AuditLogEntry(
                action="grant.created",
                target_type="entities.CompanyGrant",
                target_id=str(n),
                target_label=f"grant {n}",
                instance=instance,
                changes={"role": [None, "customer"]},
                params={"company": owner.pk, "level": "owner"} if n % 2 else {"entity": entity.pk},
            )
            for n in range(count)
        ]
    )


def test_the_exports_queries_do_not_grow_with_its_entries(admin_client, instance, count_queries, monkeypatch):
    # given: chunks of 10 entries, each chunk naming companies, entities and roles
    monkeypatch.setattr(audit_export_module, "CHUNK", 10)
    owner = CompanyFactory(instance=instance, name="Owner A")
    entity = BusinessEntityFactory(instance=instance, owner=owner, name="Tower")
    write_entries(instance, owner, entity, 5)

    def read_all():
        _response, text = export(admin_client, "jsonl", action="grant.created")
        return text

    # when: 5 entries (one chunk), then 10 (one full chunk), then 40 (four chunks)
    one_chunk = count_queries(read_all)
    write_entries(instance, owner, entity, 5)
    full_chunk = count_queries(read_all)
    write_entries(instance, owner, entity, 30)
    four_chunks = count_queries(read_all)

    # then: the same for any number of entries in a chunk, and a fixed number more per chunk
    assert one_chunk == full_chunk
    per_chunk = (four_chunks - one_chunk) / 3
    assert per_chunk <= 4
    assert len(json_rows(read_all())) == 40


def test_the_export_is_a_post(admin_client):
    assert admin_client.get(export_url()).status_code == 405


def test_an_unknown_format_is_not_found(admin_client):
    assert admin_client.post(export_url("xlsx")).status_code == 404


@pytest.mark.parametrize("query", ["instance__id__exact=99999999999999999999999", "created_at__gte=not-a-date"])
def test_a_filter_its_column_refuses_answers_400(admin_client, query):
    response = admin_client.post(f"{export_url()}?{query}")

    assert response.status_code == 400
    assert not AuditLogEntry.objects.filter(action="audit.exported").exists()


def test_an_anonymous_visitor_is_sent_to_the_admin_sign_in(client, granted):
    response = client.post(export_url())

    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_cockpit_user_without_admin_access_is_sent_to_the_admin_sign_in(client, login, projectmanager_a):
    login(projectmanager_a)

    response = client.post(export_url())

    assert response.status_code == 302 and "/login/" in response["Location"]


def test_staff_without_the_right_to_view_the_audit_log_cannot_export_it(client, login, operator_staff, granted):
    login(operator_staff)

    assert client.post(export_url()).status_code == 403
    assert not AuditLogEntry.objects.filter(action="audit.exported").exists()


def test_staff_with_the_right_to_view_the_audit_log_export_every_cockpit(
    client, login, operator_staff, granted, elsewhere
):
    operator_staff.user_permissions.add(Permission.objects.get(codename="view_auditlogentry"))
    login(operator_staff)

    _response, text = export(client, "jsonl", action="grant.created")

    assert {line["concerning"] for line in json_rows(text)} == {"kim@zurich.example", "rhea@rhein.example"}


def test_the_audit_list_offers_both_exports_with_its_filters(admin_client, granted):
    page = admin_client.get(reverse("admin:entities_auditlogentry_changelist"), {"action": "grant.created"})

    html = page.content.decode()
    assert f'action="{export_url("csv")}?action=grant.created"' in html
    assert f'action="{export_url("jsonl")}?action=grant.created"' in html
