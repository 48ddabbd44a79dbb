"""Pasted or uploaded "serial,model" lines, read into rows; the service judges them (tablets.services)."""

import csv
import io
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from core.csvtext import first_line_delimiter

MAX_LINES = 1000
MAX_UPLOAD_BYTES = 256 * 1024
HEADER_WORDS = frozenset({"serial", "serial number", "serial_number", "serialnumber", "seriennummer", "sn"})

TOO_MANY_COLUMNS = _("expected at most two columns: serial and model")
UNREADABLE = _("cannot be read as CSV (a field far too long, or a quote that is never closed)")


@dataclass(frozen=True)
class BulkLine:
    """One line of the input: its number as the person sees it, and what it says (or why it cannot be read)."""

    number: int
    serial_number: str
    model: str
    problem: str = ""


def parse_lines(text: str) -> list[BulkLine]:
    """Every non-blank line after an optional header, numbered as in the input (the header is line 1)."""
    lines: list[BulkLine] = []
    first = True
    reader = csv.reader(io.StringIO(text), delimiter=first_line_delimiter(text))
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error:
            # A field longer than the csv module reads, or a quote open to the end: named, nothing after it read.
            lines.append(BulkLine(reader.line_num, "", "", str(UNREADABLE)))
            break
        number = reader.line_num
        cells = [cell.strip() for cell in cells]
        if not any(cells):
            continue
        if first:
            first = False
            if cells[0].casefold() in HEADER_WORDS:
                continue
        if len([cell for cell in cells[2:] if cell]) > 0:
            lines.append(BulkLine(number, cells[0], cells[1] if len(cells) > 1 else "", str(TOO_MANY_COLUMNS)))
            continue
        lines.append(BulkLine(number, cells[0], cells[1] if len(cells) > 1 else ""))
    return lines
