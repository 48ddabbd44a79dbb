"""Numbered pagination of every list: which page numbers to link, and the links."""

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

register = template.Library()

WINDOW = 2


@register.filter
def page_numbers(page) -> list[int | None]:
    """The first and last page, and the pages around the current one; None where numbers are left out."""
    last, current = page.num_pages if hasattr(page, "num_pages") else page.paginator.num_pages, page.number
    wanted = {1, last, *range(current - WINDOW, current + WINDOW + 1)}
    numbers: list[int | None] = []
    for number in sorted(n for n in wanted if 1 <= n <= last):
        if numbers and numbers[-1] is not None and number - numbers[-1] > 1:
            numbers.append(None)
        numbers.append(number)
    return numbers


def _asked(page, name: str):
    """A page's answer, whether it is a method (Django's Page) or a property (entities.access.EntityPage)."""
    value = getattr(page, name)
    return value() if callable(value) else value


@register.simple_tag(takes_context=True)
def pagination(context, page, num_pages: int) -> SafeString:
    """The numbered pages of a list, each link keeping the page's other GET parameters (`query` in the context).

    Written here rather than by the template engine: every list shows it, and its links and
    translations cost the engine more than the entity list's 50 rows.
    """
    query = escape(context.get("query") or "")
    link = f"?{query}&amp;page=" if query else "?page="
    parts = []
    if _asked(page, "has_previous"):
        parts.append(f'<a class="button" href="{link}{int(_asked(page, "previous_page_number"))}" rel="prev">')
        parts.append(f"{escape(gettext('Previous'))}</a>")
    for number in page_numbers(page):
        if number is None:
            parts.append('<span class="muted" aria-hidden="true">…</span>')
        elif number == page.number:
            parts.append(f'<span class="button current" aria-current="page">{int(number)}</span>')
        else:
            label = escape(gettext("Page %(number)s") % {"number": number})
            parts.append(f'<a class="button" href="{link}{int(number)}" aria-label="{label}">{int(number)}</a>')
    if _asked(page, "has_next"):
        parts.append(f'<a class="button" href="{link}{int(_asked(page, "next_page_number"))}" rel="next">')
        parts.append(f"{escape(gettext('Next'))}</a>")
    where = escape(gettext("Page %(number)s of %(total)s") % {"number": page.number, "total": num_pages})
    return mark_safe(  # noqa: S308 - every text is escaped, every number an int
        f'<nav class="pagination" aria-label="{escape(gettext("Pages"))}">\n  <span>{where}</span>\n'
        f'  <span class="page-links">{"".join(parts)}</span>\n</nav>'
    )
