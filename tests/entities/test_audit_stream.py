"""The audit stream: each new entry of a cockpit POSTed, signed, to its endpoints, through the durable queue, retried,
and given up as a dead letter that operator staff send again. The receiver is a real HTTP server on 127.0.0.1."""

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from entities.audit import audit_record
from entities.models import AuditDelivery, AuditLogEntry, AuditStream, Level
from entities.streaming import (
    audit_stream_change,
    audit_stream_create,
    audit_stream_delete,
    deliveries_retry,
    signature,
    validate_stream_url,
)
from tests.factories import CompanyFactory, UserFactory, grant_company_role
from tests.support.queue import DATABASE_TASKS, run_worker, time_passes

TOLERANCE_SECONDS = 300


def verify(secret: str, header: str, body: bytes, *, now: float | None = None) -> bool:
    """The receiver's check, as docs/operations.md gives it: the HMAC of "<t>." + body, and t no older than 5 min."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    timestamp = int(parts["t"])
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    fresh = abs((now if now is not None else time.time()) - timestamp) <= TOLERANCE_SECONDS
    return fresh and hmac.compare_digest(expected, parts["v1"])


@dataclass
class Receiver:
    """A SIEM's collector on this machine: answers the statuses it is told, in turn, then 200; keeps what came."""

    url: str
    secret: str = ""
    statuses: list[int] = field(default_factory=list)
    received: list[dict] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.received.append(
                {
                    "headers": dict(self.headers),
                    "body": body,
                    "valid": verify(state.secret, self.headers["Cockpit-Signature"], body),
                }
            )
            self.send_response(state.statuses.pop(0) if state.statuses else 200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/audit"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def local_receivers_allowed(settings):
    settings.AUDIT_STREAM_ALLOW_LOCAL_HTTP = True
    settings.AUDIT_STREAM_MAX_ATTEMPTS = 3


@pytest.fixture
def stream(receiver, instance, operator_admin) -> AuditStream:
    endpoint = AuditStream(instance=instance, url=receiver.url)
    receiver.secret = audit_stream_create(actor=operator_admin, stream=endpoint)
    return endpoint


@pytest.fixture
def owner(instance):
    return CompanyFactory(instance=instance, name="Zurich Property AG")


def granted_deliveries():
    return AuditDelivery.objects.filter(entry__action="grant.created")


def grant_in(company) -> None:
    person = UserFactory(company=company, email=f"kim@{company.pk}.example")
    grant_company_role(person, Level.OWNER, company, "customer")


# --- the endpoint's address and secret -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://siem.example/audit",
        "ftp://siem.example/audit",
        "http://127.0.0.1.evil.example/audit",
        "https://user:pass@siem.example/audit",
        "https:///audit",
    ],
)
def test_an_endpoint_that_is_not_https_is_refused(url):
    with pytest.raises(ValidationError):
        validate_stream_url(url)


def test_plain_http_to_this_machine_is_refused_unless_the_settings_allow_it(settings):
    validate_stream_url("http://localhost:9000/audit")
    settings.AUDIT_STREAM_ALLOW_LOCAL_HTTP = False

    with pytest.raises(ValidationError, match="https://"):
        validate_stream_url("http://localhost:9000/audit")
    validate_stream_url("https://siem.example/audit")


@pytest.mark.django_db
def test_a_new_endpoint_gets_its_own_secret_and_the_audit_log_never_holds_it(instance, operator_admin):
    first = AuditStream(instance=instance, url="https://siem.example/a")
    second = AuditStream(instance=instance, url="https://siem.example/b")

    secrets = [audit_stream_create(actor=operator_admin, stream=s) for s in (first, second)]

    assert secrets[0] != secrets[1] and all(len(secret) > 40 for secret in secrets)
    entry = AuditLogEntry.objects.get(action="audit_stream.created", target_id=str(first.pk))
    assert entry.changes == {"url": [None, "https://siem.example/a"], "is_active": [None, True]}
    assert secrets[0] not in json.dumps([entry.changes, entry.params, entry.target_label])


@pytest.mark.django_db
def test_changing_and_removing_an_endpoint_are_audited(stream, operator_admin):
    old = stream.url
    stream.url = "https://siem.example/new"
    audit_stream_change(actor=operator_admin, stream=stream)
    audit_stream_delete(actor=operator_admin, stream=stream)

    changed = AuditLogEntry.objects.get(action="audit_stream.changed")
    assert changed.changes == {"url": [old, "https://siem.example/new"]}
    assert AuditLogEntry.objects.get(action="audit_stream.deleted").changes == {
        "url": ["https://siem.example/new", None]
    }
    assert not AuditStream.objects.exists()


# --- delivery, signature and payload -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_new_entry_reaches_the_endpoint_signed_once_the_change_commits(
    stream, receiver, owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        grant_in(owner)

    (post,) = [post for post in receiver.received if json.loads(post["body"])["action"] == "grant.created"]
    assert post["valid"]
    assert post["headers"]["Content-Type"] == "application/json"
    payload = json.loads(post["body"])
    entry = AuditLogEntry.objects.get(pk=payload["id"])
    assert payload["action_label"] == "Role granted"
    assert payload["cockpit"] == {"id": owner.instance_id, "slug": owner.instance.slug}
    assert payload["target"] == {"type": entry.target_type, "id": entry.target_id, "label": entry.target_label}
    assert payload["changes"] == {"role": [None, "customer"]} and payload["created_at"].endswith("Z")
    delivery = AuditDelivery.objects.get(entry=entry)
    assert (delivery.state, delivery.attempts) == ("delivered", 1)
    assert post["headers"]["Cockpit-Delivery"] == str(delivery.pk)


def test_a_signature_holds_only_for_its_body_secret_and_moment():
    body = b'{"id":1}'
    header = signature("whsec_x", 1_700_000_000, body)

    assert header.startswith("t=1700000000,v1=")
    assert verify("whsec_x", header, body, now=1_700_000_100)
    assert not verify("whsec_x", header, b'{"id":2}', now=1_700_000_100)
    assert not verify("whsec_y", header, body, now=1_700_000_100)
    assert not verify("whsec_x", header, body, now=1_700_000_000 + TOLERANCE_SECONDS + 1)  # a replay, later


@pytest.mark.django_db
def test_a_rolled_back_change_streams_nothing(stream, receiver, owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        grant_in(owner)
        raise RuntimeError("the change fails after its audit entry")

    assert receiver.received == [] and not granted_deliveries().exists()


@pytest.mark.django_db
def test_another_cockpits_entries_do_not_reach_the_endpoint(
    stream, receiver, other_instance, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        grant_in(CompanyFactory(instance=other_instance, name="Rhein AG"))

    assert receiver.received == [] and not granted_deliveries().exists()


@pytest.mark.django_db
def test_a_persons_own_entry_streams_to_their_home_cockpit(stream, receiver, owner, django_capture_on_commit_callbacks):
    person = UserFactory(company=owner)

    with django_capture_on_commit_callbacks(execute=True):
        audit_record(actor=person, action="user.password_changed", target=person, subject_user=person)

    (post,) = [post for post in receiver.received if json.loads(post["body"])["action"] == "user.password_changed"]
    assert post["valid"] and json.loads(post["body"])["cockpit"] is None


@pytest.mark.django_db
def test_a_switched_off_endpoint_receives_nothing(stream, receiver, owner, operator_admin):
    stream.is_active = False
    audit_stream_change(actor=operator_admin, stream=stream)

    grant_in(owner)

    assert not granted_deliveries().exists()


# --- retries and dead letters through the real worker ----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
class TestTheQueue:
    """With the database task backend and the real worker: real commits, as in production."""

    @pytest.fixture(autouse=True)
    def queue(self, settings, role_catalogue):
        settings.TASKS = DATABASE_TASKS

    def test_the_entry_waits_in_the_queue_until_the_worker_posts_it(self, stream, receiver, owner):
        grant_in(owner)
        assert granted_deliveries().get().state == "queued" and receiver.received == []

        run_worker()

        assert granted_deliveries().get().state == "delivered"
        assert all(post["valid"] for post in receiver.received)

    def test_a_500_from_the_endpoint_is_retried_after_a_pause(self, stream, receiver, owner):
        receiver.statuses = [500] * 10
        grant_in(owner)
        run_worker()
        delivery = granted_deliveries().get()
        assert (delivery.state, delivery.attempts) == ("queued", 1)
        assert delivery.last_error.startswith("HTTP 500") and delivery.next_attempt_at is not None

        receiver.statuses = []
        time_passes()
        run_worker()

        delivery.refresh_from_db()
        assert (delivery.state, delivery.attempts, delivery.last_error) == ("delivered", 2, "")
        assert [json.loads(p["body"])["id"] for p in receiver.received].count(delivery.entry_id) == 2

    def test_after_the_configured_tries_the_entry_is_a_dead_letter_sent_again_from_the_admin(
        self, stream, receiver, owner, client, login, operator_admin
    ):
        receiver.statuses = [500] * 100
        grant_in(owner)
        for _try in range(3):
            run_worker()
            time_passes()
        delivery = granted_deliveries().get()
        assert (delivery.state, delivery.attempts, delivery.next_attempt_at) == ("dead", 3, None)

        # the admin lists it among the dead letters, and sends it again
        login(operator_admin)
        changelist = reverse("admin:entities_auditdelivery_changelist")
        assert f"/{delivery.pk}/change/" in client.get(changelist, {"state": "dead"}).content.decode()
        assert f"/{delivery.pk}/change/" not in client.get(changelist, {"state": "delivered"}).content.decode()
        receiver.statuses = []
        client.post(changelist, {"action": "send_again", "_selected_action": [delivery.pk]})
        run_worker()

        delivery.refresh_from_db()
        assert (delivery.state, delivery.attempts) == ("delivered", 1)
        assert AuditLogEntry.objects.get(action="audit_stream.retried").params == {"deliveries": 1}


@pytest.mark.django_db
def test_sending_again_leaves_deliveries_that_are_not_dead_alone(stream, owner, operator_admin):
    grant_in(owner)
    delivered = AuditDelivery.objects.get(entry__action="grant.created")

    assert deliveries_retry(actor=operator_admin, deliveries=[delivered]) == 0


# --- the admin pages -----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_admin_shows_a_new_endpoints_secret_once(admin_client, instance):
    response = admin_client.post(
        reverse("admin:entities_auditstream_add"),
        {"instance": instance.pk, "url": "https://siem.example/audit", "is_active": "on"},
    )

    stream = AuditStream.objects.get()
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert f'<code data-testid="stream-secret">{stream.secret}</code>' in response.content.decode()
    change_page = admin_client.get(reverse("admin:entities_auditstream_change", args=[stream.pk]))
    assert change_page.status_code == 200 and stream.secret not in change_page.content.decode()


@pytest.mark.django_db
def test_the_admin_refuses_an_endpoint_that_is_not_https(admin_client, instance, settings):
    settings.AUDIT_STREAM_ALLOW_LOCAL_HTTP = False

    response = admin_client.post(
        reverse("admin:entities_auditstream_add"),
        {"instance": instance.pk, "url": "http://127.0.0.1:9000/audit", "is_active": "on"},
    )

    assert response.status_code == 200
    assert "The endpoint must be an https:// address." in response.content.decode()
    assert not AuditStream.objects.exists()


@pytest.mark.django_db
def test_the_admins_stream_pages_are_for_operator_staff_only(client, login, projectmanager_a, stream):
    login(projectmanager_a)

    for url in (reverse("admin:entities_auditstream_changelist"), reverse("admin:entities_auditdelivery_changelist")):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def dead_letters(stream, count: int) -> list[AuditDelivery]:
    entries = AuditLogEntry.objects.bulk_create(
        [
            AuditLogEntry(
                action="grant.created", target_type="entities.CompanyGrant", target_id=str(n), target_label=""
            )
            for n in range(count)
        ]
    )
    return AuditDelivery.objects.bulk_create(
        [
            AuditDelivery(stream=stream, entry=entry, state="dead", attempts=3, last_error="HTTP 500")
            for entry in entries
        ]
    )


@pytest.mark.django_db
def test_staff_who_may_only_view_deliveries_cannot_send_them_again(client, login, operator_staff, stream):
    (dead,) = dead_letters(stream, 1)
    operator_staff.user_permissions.add(Permission.objects.get(codename="view_auditdelivery"))
    login(operator_staff)

    changelist = reverse("admin:entities_auditdelivery_changelist")
    assert "send_again" not in client.get(changelist).content.decode()
    client.post(changelist, {"action": "send_again", "_selected_action": [dead.pk]})

    dead.refresh_from_db()
    assert dead.state == "dead"


@pytest.mark.django_db
def test_the_delivery_list_makes_as_many_queries_for_5_rows_as_for_50(admin_client, stream, count_queries):
    changelist = reverse("admin:entities_auditdelivery_changelist")
    dead_letters(stream, 5)
    few = count_queries(lambda: admin_client.get(changelist))
    dead_letters(stream, 45)

    assert count_queries(lambda: admin_client.get(changelist)) == few


@pytest.mark.django_db
def test_the_endpoint_list_makes_as_many_queries_for_2_rows_as_for_10(
    admin_client, operator_admin, other_instance, count_queries
):
    changelist = reverse("admin:entities_auditstream_changelist")
    for n in range(2):
        audit_stream_create(
            actor=operator_admin, stream=AuditStream(instance=other_instance, url=f"https://s{n}.example")
        )
    few = count_queries(lambda: admin_client.get(changelist))
    for n in range(8):
        audit_stream_create(
            actor=operator_admin, stream=AuditStream(instance=other_instance, url=f"https://t{n}.example")
        )

    assert count_queries(lambda: admin_client.get(changelist)) == few
