"""The audit export at 100,000 entries: time, queries and peak memory of the CSV and JSON Lines files.

The entries are written into a cockpit of their own (grant entries naming a company, an entity
and a role, as a bulk action writes them) and removed afterwards. Each format is exported
twice through entities.audit_export, as the admin's and User Management's downloads stream it:
once timed, once under tracemalloc for the peak of Python's allocations while the file
streams (tracemalloc slows the run, so its time is not the one reported). The process's peak
resident set (ru_maxrss) is printed too; it includes Django and the database driver, and only
grows, so it is read after the timed runs, before the traced ones.
"""

import gc
import resource
import sys
import time
import tracemalloc
from datetime import UTC

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from entities.audit_export import CHUNK, AuditReader, audit_export
from entities.models import AuditLogEntry, BusinessEntity, Company, Instance, Role

WRITE_BATCH = 5000


def peak_rss_mb() -> float:
    """The process's peak resident set so far, in MB (Linux gives KB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


class Command(BaseCommand):
    help = "Write N audit entries into a cockpit of their own, export them as CSV and JSON Lines, print the figures."

    def add_arguments(self, parser):
        parser.add_argument("--entries", type=int, default=100_000, help="audit entries to write and export")

    def handle(self, *args, entries: int, **options):
        instance = Instance.objects.create(slug="bench-audit-export", name="Audit export bench")
        try:
            self.write_entries(instance, entries)
            reader = AuditReader(language="en", zone=UTC, visible_entities=lambda ids: ids, show_internal=True)
            rows = [self.timed(instance, file_format, reader) for file_format in ("csv", "jsonl")]
            rss = peak_rss_mb()
            peaks = [self.traced_peak_mb(instance, file_format, reader) for file_format in ("csv", "jsonl")]
        finally:
            AuditLogEntry.objects.filter(instance=instance).delete()
            BusinessEntity.objects.filter(instance=instance).delete()
            Company.objects.filter(instance=instance).delete()
            instance.delete()
        self.stdout.write(
            f"{'format':<6} | {'entries':>8} | {'seconds':>7} | {'entries/s':>9} | {'MB':>6} | {'queries':>7}"
            f" | {'traced peak MB':>14} | {'peak RSS MB':>11}"
        )
        for (file_format, count, seconds, size, queries), peak in zip(rows, peaks, strict=True):
            self.stdout.write(
                f"{file_format:<6} | {count:>8} | {seconds:>7.2f} | {count / seconds:>9.0f} | {size / 1e6:>6.1f}"
                f" | {queries:>7} | {peak:>14.1f} | {rss:>11.0f}"
            )
        self.stdout.write(f"(chunks of {CHUNK} entries; peak RSS of the whole process after both timed exports)")

    def write_entries(self, instance: Instance, count: int) -> None:
        owner = Company.objects.create(instance=instance, name="Bench Owner AG")
        entity = BusinessEntity.objects.create(
            instance=instance, name="Bench Tower", owner=owner, service_provider=owner, customer=owner
        )
        role = Role.objects.order_by("pk").values_list("code", flat=True).first() or "customer"
        with transaction.atomic():
            for start in range(0, count, WRITE_BATCH):
                AuditLogEntry.objects.bulk_create(
                    [
                        AuditLogEntry(
                            actor_label="bench@soobr.example",
                            action="grant.created",
                            target_type="entities.CompanyGrant",
                            target_id=str(number),
                            target_label=f"person-{number}@bench.example · Owner · Bench Owner AG",
                            instance=instance,
                            changes={"role": [None, role]},
                            params={"company": owner.pk, "level": "owner"} if number % 2 else {"entity": entity.pk},
                            ip_address="192.0.2.1",
                        )
                        for number in range(start, min(start + WRITE_BATCH, count))
                    ]
                )

    def export(self, instance: Instance, file_format: str, reader: AuditReader) -> tuple[int, int]:
        """Every line of the file made and dropped, as a streaming response does: (lines, bytes)."""
        entries = AuditLogEntry.objects.filter(instance=instance).order_by("-created_at", "-id")
        lines = size = 0
        for line in audit_export(entries, file_format=file_format, reader=reader):
            lines += 1
            size += len(line.encode())
        return lines, size

    def timed(self, instance, file_format: str, reader) -> tuple[str, int, float, int, int]:
        gc.collect()
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            lines, size = self.export(instance, file_format, reader)
            seconds = time.perf_counter() - started
        entries = lines - 1 if file_format == "csv" else lines  # the CSV's header
        return file_format, entries, seconds, size, len(queries)

    def traced_peak_mb(self, instance, file_format: str, reader) -> float:
        gc.collect()
        tracemalloc.start()
        try:
            self.export(instance, file_format, reader)
            return tracemalloc.get_traced_memory()[1] / (1024 * 1024)
        finally:
            tracemalloc.stop()
