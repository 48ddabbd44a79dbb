"""`python -m tools.bench_audit_export [--entries N]`: set Django up with the product's settings, then write N audit
entries and export them as CSV and JSON Lines, printing time, queries and peak memory."""

import os
import sys

import django


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cockpit.settings")
    django.setup()

    from tools.bench_audit_export.command import Command  # the models it imports need the app registry

    Command().run_from_argv(["python -m", "tools.bench_audit_export", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
