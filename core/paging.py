"""Paging a list that may hold millions of rows without counting them all."""

from typing import cast

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property


class CappedCountPaginator(Paginator):
    """Counts at most COUNT_CAP rows (a COUNT over a LIMITed subquery): a changelist of millions of rows pages
    without reading them all. Beyond the cap the last page is the cap's; a search narrows it. The admin site
    (accounts.admin_site) gives it to every changelist; a person's roles on single entities page with it too."""

    COUNT_CAP = 10_000

    @cached_property
    def count(self) -> int:
        rows = cast(QuerySet, self.object_list)  # a changelist pages a QuerySet
        # Unordered: the count needs no sort of the rows it stops at.
        return rows.order_by()[: self.COUNT_CAP].count()

    @property
    def capped(self) -> bool:
        """Whether there are at least COUNT_CAP rows: the count says "at least", not how many."""
        return self.count >= self.COUNT_CAP
