"""The bench's command line: options, the database check, the scale, then seed → measure → report."""

import random
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper
from django.db import connection

from entities.models import Instance
from tools.bench_access.dataset import BENCH_SLUG, drop_data_set, load_personas, print_data_set, seed_data_set
from tools.bench_access.measure import Timer, measure
from tools.bench_access.report import report

DEFAULTS = {"entities": 100_000, "users": 10_000, "company_grants": 40_000, "entity_grants": 10_000, "iterations": 200}
SMALL = {"entities": 5_000, "users": 500, "company_grants": 2_000, "entity_grants": 500, "iterations": 50}


class Command(BaseCommand):
    help = "Seed (or reuse) a large access data set in instance 'bench' and measure list, detail and permission checks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--entities", type=int, help=f"business entities (default {DEFAULTS['entities']:,})")
        parser.add_argument("--users", type=int, help=f"users (default {DEFAULTS['users']:,})")
        parser.add_argument(
            "--company-grants", type=int, help=f"company-level grants (default {DEFAULTS['company_grants']:,})"
        )
        parser.add_argument(
            "--entity-grants", type=int, help=f"entity-level grants (default {DEFAULTS['entity_grants']:,})"
        )
        parser.add_argument("--iterations", type=int, help="timed iterations per measurement (default 200)")
        parser.add_argument("--warmup", type=int, default=10, help="untimed iterations first (default 10)")
        parser.add_argument("--reseed", action="store_true", help="drop the bench instance's data and seed again")
        parser.add_argument(
            "--seed-only", action="store_true", help="seed the data set if it is missing, measure nothing"
        )
        parser.add_argument(
            "--without-baselines",
            action="store_true",
            help="skip the general QuerySet and guardian baselines (they take long at a million entities)",
        )
        parser.add_argument(
            "--small",
            action="store_true",
            help="5,000 entities, 500 users, 2,500 grants, 50 iterations (explicit options still win)",
        )
        parser.add_argument("--allow-sqlite", action="store_true", help="run on SQLite too (numbers mean little)")
        parser.add_argument("--seed", type=int, default=20260, help="random seed of the data set")

    def handle(self, *args: Any, **options: Any) -> None:
        check_database(allow_sqlite=options["allow_sqlite"])
        scale = resolve_scale(options)
        timer = Timer(iterations=scale["iterations"], warmup=max(0, options["warmup"]))
        rng = random.Random(options["seed"])  # noqa: S311 - reproducible bench data, not secrets

        instance = bench_instance(self.stdout, rng, scale, reseed=options["reseed"])
        if options["seed_only"]:
            return
        personas = load_personas(instance)
        print_data_set(self.stdout, instance, personas)
        rows = measure(self.stdout, timer, instance, personas, baselines=not options["without_baselines"])
        report(self.stdout, rows, personas, timer)


def check_database(*, allow_sqlite: bool) -> None:
    vendor = connection.vendor
    if vendor != "postgresql" and not (vendor == "sqlite" and allow_sqlite):
        raise CommandError(
            f"bench_access measures PostgreSQL; this database is {vendor}. Set DATABASE_URL=postgres://... "
            "or pass --allow-sqlite for a smoke run."
        )


def resolve_scale(options: dict[str, Any]) -> dict[str, int]:
    """The data set's size and the iterations: --small or the defaults, each overridden by its own option."""
    base = SMALL if options["small"] else DEFAULTS
    scale = {key: options[key] if options.get(key) is not None else base[key] for key in DEFAULTS}
    for key, value in scale.items():
        if value < (1 if key == "iterations" else 0):
            raise CommandError(f"--{key.replace('_', '-')} must not be {value}.")
    return scale


def bench_instance(out: OutputWrapper, rng: random.Random, scale: dict[str, int], *, reseed: bool) -> Instance:
    """The bench instance: reused as it is, or (with --reseed, or when there is none) seeded at `scale`."""
    instance = Instance.objects.filter(slug=BENCH_SLUG).first()
    if instance is not None and reseed:
        drop_data_set(out, instance)
        instance = None
    if instance is None:
        return seed_data_set(out, rng, scale)
    out.write(f"Reusing the bench data set in instance '{BENCH_SLUG}' (pass --reseed to rebuild it at another scale).")
    return instance
