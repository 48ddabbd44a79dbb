"""`python -m tools.bench_sign_in [--iterations N]`: set Django up with the product's settings, then time sign-ins."""

import os
import sys

import django


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cockpit.settings")
    django.setup()

    from tools.bench_sign_in.command import Command  # the models it imports need the app registry

    Command().run_from_argv(["python -m", "tools.bench_sign_in", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
