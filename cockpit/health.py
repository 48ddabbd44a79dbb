"""/healthz for the load balancer: is this process fit to serve? No login, no data, no host check.

It answers before every other middleware, so a load balancer that asks by IP address is
neither redirected to HTTPS nor refused for its Host header, and a broken session store
cannot hide a healthy process. 200 when the database answers, the cache answers and every
migration is applied; 503 naming the part that failed otherwise (docs/operations.md).
"""

import json
import logging
from collections.abc import Callable

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse

HEALTH_PATH = "/healthz"

logger = logging.getLogger(__name__)

# Once every migration is applied it stays so for the life of the process (a deploy starts new ones).
_migrated = False


def _database() -> None:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _cache() -> None:
    cache.set("healthz", "ok", timeout=10)
    if cache.get("healthz") != "ok":
        raise RuntimeError("the cache does not keep what it is given")


def _migrations() -> None:
    global _migrated
    if _migrated:
        return
    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise RuntimeError("migrations are not applied")
    _migrated = True


CHECKS: dict[str, Callable[[], None]] = {"database": _database, "cache": _cache, "migrations": _migrations}


def health_report() -> dict[str, str]:
    """Each part's state: "ok" or "failing"; the reason goes to the log, never into the answer."""
    report = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception:  # noqa: BLE001 - any failure of a part makes the process unfit, whatever it is
            logger.exception("Health check %s failed", name)
            report[name] = "failing"
        else:
            report[name] = "ok"
        if report[name] != "ok" and name == "database":
            report["migrations"] = "unknown"  # asking them needs the database
            break
    return report


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path != HEALTH_PATH:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return HttpResponse(status=405, headers={"Allow": "GET, HEAD"})
        report = health_report()
        healthy = all(state == "ok" for state in report.values())
        return HttpResponse(
            json.dumps({"status": "ok" if healthy else "failing", **report}),
            status=200 if healthy else 503,
            content_type="application/json",
            headers={"Cache-Control": "no-store"},
        )
