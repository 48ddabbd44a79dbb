"""CSV text: which separator the text people bring uses (a pasted list, a spreadsheet saved as CSV), and cells
written so that a spreadsheet opening our files runs nothing."""

DELIMITERS = (",", ";", "\t")


def first_line_delimiter(text: str) -> str:
    """The separator the first line uses most: comma, semicolon (German Excel) or tab; a comma when none.

    csv.Sniffer would guess from the whole sample and is quadratic on crafted lines.
    """
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {delimiter: first.count(delimiter) for delimiter in DELIMITERS}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


# A cell a spreadsheet would run as a formula is written as text (CSV injection), leading spaces or not.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class LineWriter:
    """csv.writer writes into this and hands the line back, so each row streams as soon as it is made."""

    def write(self, value: str) -> str:
        return value


def spreadsheet_cell(value) -> str:
    """The value as a cell a spreadsheet shows as text: one that would start a formula gets a leading quote."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.lstrip().startswith(FORMULA_START) else text
