"""Numbered pagination for both lists (business entities, users): which page numbers to link."""

from django import template

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
