"""The audit log as a file, CSV or JSON Lines, in the reader's words, written while it streams.

A million entries never sit in memory: the entries are read with a database cursor in chunks
of CHUNK, each chunk put in words at once (entities.history reads the names a chunk names in
one query per kind), and each line handed to the response as soon as it is made. The memory
is a chunk's; the queries are a chunk's few, however many entries the file holds.
"""

import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import tzinfo
from itertools import islice

from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.csvtext import LineWriter, spreadsheet_cell
from entities.access import request_scope
from entities.history import HistoryRow, history_rows

CHUNK = 1000


@dataclass(frozen=True)
class ExportFormat:
    extension: str
    content_type: str


FORMATS = {
    "csv": ExportFormat("csv", "text/csv; charset=utf-8"),
    "jsonl": ExportFormat("jsonl", "application/jsonl; charset=utf-8"),
}


@dataclass(frozen=True)
class AuditReader:
    """Who reads the file, as entities.history needs them: which entities they may name, which fields they see.

    `show_private` also gives the IP address each entry was written from. The language and zone
    are the reader's at the request: the file is written after the request has ended.
    """

    language: str
    zone: tzinfo
    visible_entities: Callable[[set[int]], set[int]] | None
    show_internal: bool = False
    show_private: bool = False


def audit_export(entries: QuerySet, *, file_format: str, reader: AuditReader) -> Iterator[str]:
    """The lines of the file: for CSV a header first, then one line per entry the reader may read."""
    write = _csv_lines if file_format == "csv" else _json_lines
    with translation.override(reader.language), timezone.override(reader.zone), request_scope():
        yield from write(_rows(entries, reader), reader)


def _rows(entries: QuerySet, reader: AuditReader) -> Iterator[HistoryRow]:
    stream = entries.select_related("instance", "subject_user").iterator(chunk_size=CHUNK)
    while chunk := list(islice(stream, CHUNK)):
        yield from history_rows(
            chunk,
            visible_entities=reader.visible_entities,
            show_internal=reader.show_internal,
            show_private=reader.show_private,
        )


def _when(row: HistoryRow, zone: tzinfo) -> str:
    return row.entry.created_at.astimezone(zone).isoformat(timespec="seconds")


def _concerning(row: HistoryRow) -> str:
    return row.entry.subject_user.email if row.entry.subject_user is not None else ""


def _cockpit(row: HistoryRow) -> str:
    return row.entry.instance.slug if row.entry.instance is not None else ""


def _csv_lines(rows: Iterator[HistoryRow], reader: AuditReader) -> Iterator[str]:
    # Every cell quoted: spreadsheets set to split on ";" (German Excel) must not split a name into a formula.
    writer = csv.writer(LineWriter(), quoting=csv.QUOTE_ALL)
    header = [_("When"), _("Who"), _("Action"), _("What"), _("Object"), _("Concerning"), _("Cockpit"), _("Change")]
    if reader.show_private:
        header.append(_("IP address"))
    yield "\ufeff" + writer.writerow(header)
    for row in rows:
        entry = row.entry
        changes = "; ".join(f"{label}: {before} → {after}" for label, before, after in row.changes)
        cells = [
            _when(row, reader.zone),
            entry.actor_label,
            row.action,
            row.about,
            entry.target_label,
            _concerning(row),
            _cockpit(row),
            changes,
        ]
        if reader.show_private:
            cells.append(entry.ip_address or "")
        yield writer.writerow([spreadsheet_cell(cell) for cell in cells])


def _json_lines(rows: Iterator[HistoryRow], reader: AuditReader) -> Iterator[str]:
    for row in rows:
        entry = row.entry
        line = {
            "id": entry.pk,
            "when": _when(row, reader.zone),
            "who": entry.actor_label,
            "action": row.action,
            "action_code": entry.action,
            "what": row.about,
            "object": {"type": entry.target_type, "id": entry.target_id, "label": entry.target_label},
            "concerning": _concerning(row),
            "cockpit": _cockpit(row),
            "changes": [{"field": label, "before": before, "after": after} for label, before, after in row.changes],
            "batch": entry.params.get("batch", ""),
        }
        if reader.show_private:
            line["ip_address"] = entry.ip_address
        yield json.dumps(line, ensure_ascii=False) + "\n"
