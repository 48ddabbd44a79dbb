"""The one way every page reads its query string.

Whatever a query string holds, a page reads it through these helpers: text without the
NUL character PostgreSQL refuses and within a length, ids of ASCII digits only and within
a BIGINT (Python's int() takes "²" and refuses 10,000 digits; neither may reach a query).
`cleaned_query` does the first for every parameter of every request (cockpit.middleware.QueryStringMiddleware);
the pages read ids and searches with `query_id` and `query_text`.
"""

import re

from django.http import QueryDict

# What any one value of a query string may be: longer values are cut here.
QUERY_VALUE_MAX = 1000
# A search term: what a person types.
SEARCH_MAX = 100
# An id: ASCII digits, as many as the widest integer column (BIGINT) may hold.
ID = re.compile(r"[0-9]{1,18}")


def query_text(value: str | None, limit: int = SEARCH_MAX) -> str:
    """Text from a query string: without NUL characters, without surrounding space, at most `limit` characters."""
    return (value or "").replace("\x00", "").strip()[:limit]


def query_id(value: str | None) -> int | None:
    """An id from a query string: ASCII digits that fit a BIGINT, else None."""
    return int(value) if value and ID.fullmatch(value) else None


def cleaned_query(query: QueryDict) -> QueryDict:
    """A query string with every value read as text (query_text, at most QUERY_VALUE_MAX characters)."""
    cleaned = QueryDict(mutable=True)
    for key, values in query.lists():
        cleaned.setlist(query_text(key, QUERY_VALUE_MAX), [query_text(value, QUERY_VALUE_MAX) for value in values])
    cleaned._mutable = False
    return cleaned


def page_number(value: str | None) -> int:
    """A page number from the query string; anything but plain digits (or 0) means page 1."""
    return max(1, int(value)) if value and re.fullmatch(r"[0-9]{1,6}", value) else 1
