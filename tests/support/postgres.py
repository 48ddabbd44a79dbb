"""PostgreSQL for the tests that need a server of their own: its address, whether it answers, and whether the suite
itself runs on it (DATABASE_URL=postgres://...)."""

import shutil
import subprocess

# The server the tools' checks create their databases on.
POSTGRES = "postgres://postgres@127.0.0.1:5432"


def postgres_reachable() -> bool:
    pg_isready = shutil.which("pg_isready")
    if pg_isready is None:
        return False
    try:
        probe = subprocess.run([pg_isready, "-h", "127.0.0.1", "-p", "5432", "-q"], check=False, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


def suite_on_postgresql() -> bool:
    from django.conf import settings

    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
