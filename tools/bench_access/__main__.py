"""`python -m tools.bench_access [options]`: set Django up with the product's settings, then run the bench."""

import os
import sys

import django
from django.core.management.base import CommandParser, handle_default_options


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    # --settings and --pythonpath must act before django.setup(), as manage.py lets them.
    early = CommandParser(add_help=False, allow_abbrev=False)
    early.add_argument("--settings")
    early.add_argument("--pythonpath")
    options, _ = early.parse_known_args(args)
    handle_default_options(options)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cockpit.settings")
    django.setup()

    from tools.bench_access.command import Command  # the models it imports need the app registry

    Command().run_from_argv(["python -m", "tools.bench_access", *args])


if __name__ == "__main__":
    main()
