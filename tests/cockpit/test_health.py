"""/healthz tells the load balancer whether this process can serve: database, cache, migrations; no login, no data."""

import pytest
from django.db import OperationalError

from cockpit import health

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def migrations_asked_afresh(monkeypatch):
    monkeypatch.setattr(health, "_migrated", False)


def test_a_healthy_process_answers_200_without_a_login(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok", "migrations": "ok"}
    assert response["Cache-Control"] == "no-store"


def test_the_load_balancer_may_ask_by_ip_over_plain_http(client, settings):
    settings.ALLOWED_HOSTS = ["cockpit.example.com"]
    settings.SECURE_SSL_REDIRECT = True

    response = client.get("/healthz", HTTP_HOST="10.0.0.7")

    assert response.status_code == 200


def test_a_database_that_does_not_answer_gives_503(client, monkeypatch):
    def refused():
        raise OperationalError("connection refused")

    monkeypatch.setitem(health.CHECKS, "database", refused)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "failing", "database": "failing", "migrations": "unknown"}
    assert "refused" not in response.content.decode()  # the reason is logged, not told


def test_a_cache_that_does_not_answer_gives_503(client, monkeypatch):
    def down():
        raise ConnectionError("redis down")

    monkeypatch.setitem(health.CHECKS, "cache", down)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["cache"] == "failing"


def test_unapplied_migrations_give_503(client, monkeypatch):
    monkeypatch.setattr(health.MigrationExecutor, "migration_plan", lambda self, targets: [("tablets", "0003_new")])

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["migrations"] == "failing"


def test_only_get_and_head_are_answered(client):
    assert client.post("/healthz").status_code == 405
