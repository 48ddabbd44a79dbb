"""`python -m tools.bench_people [--iterations N]`: set Django up with the product's settings, then time the pages and
actions of people with many roles on the bench data set (tools.bench_access seeds it)."""

import os
import sys

import django


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cockpit.settings")
    django.setup()

    from tools.bench_people.command import Command  # the models it imports need the app registry

    Command().run_from_argv(["python -m", "tools.bench_people", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
