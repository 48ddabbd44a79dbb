"""CSV text that people bring (a pasted list, a spreadsheet saved as CSV): which separator it uses."""

DELIMITERS = (",", ";", "\t")


def first_line_delimiter(text: str) -> str:
    """The separator the first line uses most: comma, semicolon (German Excel) or tab; a comma when none.

    csv.Sniffer would guess from the whole sample and is quadratic on crafted lines.
    """
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {delimiter: first.count(delimiter) for delimiter in DELIMITERS}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","
