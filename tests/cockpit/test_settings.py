"""Production settings: refuse to start without secrets, pass Django's deployment checklist."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from cockpit.settings import database_from_url

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "p9$Kx2!vQ7wz-Lm4@Rt8#Yb1^Nc6&Hd3*Jf5(Gs0)Ue2+Ia9=Ok7",
    "ALLOWED_HOSTS": "cockpit.example.com",
    "COCKPIT_BASE_URL": "https://cockpit.example.com",
    "DATABASE_URL": "sqlite:///:memory:",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "TWILIO_ACCOUNT_SID": "AC00000000000000000000000000000000",
    "TWILIO_AUTH_TOKEN": "not-a-real-token",
    "TWILIO_FROM_NUMBER": "+41790000000",
    # Without Redis: counters and sessions in the database, and no list limit (it counts in the cache).
    "LIST_REQUESTS_PER_USER": "0",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    inherited = {
        "DJANGO_SETTINGS_MODULE",
        "DEBUG",
        "SECRET_KEY",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
        "DATABASE_URL",
        "EMAIL_BACKEND",
        # What the test settings set for their single process: production must be seen without it.
        "SINGLE_PROCESS",
        "SMS_GATEWAY",
        "SMS_ENABLED",
        "REDIS_URL",
        "SESSION_ENGINE",
        "LIST_REQUESTS_PER_USER",
    }
    clean_env = {key: value for key, value in os.environ.items() if key not in inherited}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean_env, "DJANGO_SETTINGS_MODULE": "cockpit.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deployment_checklist_without_warnings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != "SECRET_KEY"}

    result = manage("check", env=env)

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_production_refuses_to_start_without_an_email_backend():
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != "EMAIL_BACKEND"}

    result = manage("check", env=env)

    assert result.returncode != 0
    assert "EMAIL_BACKEND must be set when DEBUG is off" in result.stderr


def test_production_sends_emails_to_the_log_only_when_told_to():
    env = {**PRODUCTION_ENV, "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}

    result = manage("shell", "-c", "from django.conf import settings; print(settings.EMAIL_BACKEND)", env=env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "django.core.mail.backends.console.EmailBackend"


def test_database_url_for_postgres_uses_psycopg_settings():
    database = database_from_url("postgres://cockpit:s%40cret@db.internal:5433/cockpit?sslmode=require")

    assert database["ENGINE"] == "core.postgresql"
    assert (database["USER"], database["PASSWORD"], database["HOST"], database["PORT"], database["NAME"]) == (
        "cockpit",
        "s@cret",
        "db.internal",
        "5433",
        "cockpit",
    )
    assert database["OPTIONS"] == {
        "sslmode": "require",
        "connect_timeout": "5",
        "server_side_binding": True,
        "prepare_threshold": 5,
    }


def test_prepared_statements_can_be_turned_off_for_a_transaction_pooler(monkeypatch):
    monkeypatch.setenv("DATABASE_PREPARED_STATEMENTS", "0")

    options = database_from_url("postgres://cockpit@db:5432/cockpit")["OPTIONS"]

    assert "server_side_binding" not in options
    assert "prepare_threshold" not in options


def test_database_url_reads_the_prepare_threshold_as_a_number():
    options = database_from_url("postgres://cockpit@db:5432/cockpit?prepare_threshold=0")["OPTIONS"]

    assert options["prepare_threshold"] == 0


def test_a_database_that_does_not_answer_fails_a_connection_within_seconds():
    assert database_from_url("postgres://cockpit@db:5432/cockpit")["OPTIONS"]["connect_timeout"] == "5"


def test_database_url_reads_boolean_driver_options():
    database = database_from_url("postgres://cockpit@db:5432/cockpit?server_side_binding=false")

    assert database["OPTIONS"]["server_side_binding"] is False


def test_database_url_for_sqlite_points_at_the_file():
    assert database_from_url("sqlite:////srv/cockpit/db.sqlite3")["NAME"] == "/srv/cockpit/db.sqlite3"


def test_database_url_with_an_unknown_scheme_is_refused():
    with pytest.raises(ImproperlyConfigured, match="not supported"):
        database_from_url("mysql://localhost/cockpit")


def test_production_refuses_to_start_with_rate_limit_counters_in_process_memory():
    result = manage("check", env={**PRODUCTION_ENV, "RATE_LIMIT_STORE": "cache"})

    assert result.returncode != 0
    assert "Rate-limit counters would live in each process's memory" in result.stderr


def test_production_counts_rate_limits_in_the_database_without_redis():
    result = manage(
        "shell", "-c", "from django.conf import settings; print(settings.RATE_LIMIT_STORE)", env=PRODUCTION_ENV
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "database"


def setting(name: str, env: dict[str, str]) -> str:
    result = manage("shell", "-c", f"from django.conf import settings; print(settings.{name})", env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_production_keeps_sessions_in_the_database_without_redis_so_a_logout_reaches_every_worker():
    assert setting("SESSION_ENGINE", PRODUCTION_ENV) == "django.contrib.sessions.backends.db"


def test_production_with_redis_keeps_sessions_in_the_database_behind_redis():
    env = {**PRODUCTION_ENV, "REDIS_URL": "redis://127.0.0.1:6379/0"}

    assert setting("SESSION_ENGINE", env) == "accounts.session_store"


def test_production_keys_in_a_shared_redis_carry_the_cockpits_own_prefix():
    env = {**PRODUCTION_ENV, "REDIS_URL": "redis://127.0.0.1:6379/0", "CACHE_KEY_PREFIX": "cockpit-staging"}

    assert setting("CACHES['default']['KEY_PREFIX']", env) == "cockpit-staging"


def test_production_talks_to_redis_through_one_client_per_pool():
    env = {**PRODUCTION_ENV, "REDIS_URL": "redis://127.0.0.1:6379/0"}

    assert setting("CACHES['default']['BACKEND']", env) == "core.cache.PoolClientRedisCache"


@pytest.mark.parametrize("engine", ["accounts.session_store", "django.contrib.sessions.backends.cache"])
def test_production_refuses_sessions_in_process_memory(engine):
    result = manage("check", env={**PRODUCTION_ENV, "SESSION_ENGINE": engine})

    assert result.returncode != 0
    assert "would keep sessions in each process's memory" in result.stderr


def test_production_refuses_the_list_limit_in_process_memory():
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != "LIST_REQUESTS_PER_USER"}

    result = manage("check", env=env)

    assert result.returncode != 0
    assert "The list limit would count in each process's memory" in result.stderr


def test_production_counts_the_list_limit_in_redis():
    env = {**PRODUCTION_ENV, "REDIS_URL": "redis://127.0.0.1:6379/0", "LIST_REQUESTS_PER_USER": "1200"}

    assert setting("LIST_REQUESTS_PER_USER", env) == "1200"


def test_production_refuses_to_start_without_an_sms_gateway_unless_sms_is_off():
    env = {key: value for key, value in PRODUCTION_ENV.items() if not key.startswith("TWILIO_")}

    refused = manage("check", env=env)
    off = manage("check", env={**env, "SMS_ENABLED": "0"})

    assert refused.returncode != 0 and "SMS codes need a gateway" in refused.stderr
    assert off.returncode == 0, off.stderr


def test_production_refuses_the_console_sms_gateway():
    result = manage("check", env={**PRODUCTION_ENV, "SMS_GATEWAY": "outbox.sms.ConsoleGateway"})

    assert result.returncode != 0
    assert "prints codes into the server's output" in result.stderr


def test_production_cookies_carry_the_host_prefix():
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME)",
        env=PRODUCTION_ENV,
    )

    assert result.stdout.strip().splitlines()[-1] == "__Host-sessionid __Host-csrftoken"


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_a_statement_run_again_on_a_connection_is_prepared_once_and_no_longer_planned():
    statement = "SELECT count(*) FROM entities_instance WHERE id > %s"
    with connection.cursor() as cursor:
        for _ in range(6):
            cursor.execute(statement, [0])
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ["%entities_instance%"])
        (prepared,) = cursor.fetchone()

    assert prepared == 1


def test_sqlite_transactions_take_the_write_lock_when_they_begin_and_wait_for_it():
    # make run's server and queue worker write at once; a deferred transaction turning into a write fails at
    # once with "database is locked" (a welcome email was lost so), an immediate one waits.
    options = database_from_url("sqlite:////srv/cockpit/db.sqlite3")["OPTIONS"]

    assert options["transaction_mode"] == "IMMEDIATE" and options["timeout"] >= 5


def test_production_reads_each_template_from_disk_once():
    # The list page renders its rows through included templates: parsed once per process, not per request.
    script = (
        "from django.template import engines; engine = engines['django'].engine;"
        "print(engine.debug, [type(loader).__module__ for loader in engine.template_loaders])"
    )
    result = manage("shell", "-c", script, env=PRODUCTION_ENV)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == ["False", "['django.template.loaders.cached']"]
