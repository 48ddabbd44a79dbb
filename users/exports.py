"""The user list as CSV: the rows the list would show, with their grants, written as they are read."""

import csv
from collections.abc import Callable, Iterable, Iterator
from itertools import islice

from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.csvtext import LineWriter, spreadsheet_cell
from entities.access import request_scope
from users.permissions import Reach

BATCH = 500


def _ends(grant) -> str:
    """The role's end as the list shows it, so a spreadsheet of the list tells which access is temporary."""
    if grant.ends_on is None:
        return ""
    return " (" + _("ends %(day)s") % {"day": date_format(grant.ends_on, "SHORT_DATE_FORMAT")} + ")"


def _grants(member) -> str:
    grants = [
        f"{g.get_level_display()} · {g.company.name}: {g.role.label}{_ends(g)}" for g in member.company_grants.all()
    ]
    grants += [f"{g.entity_label}: {g.role.label}{_ends(g)}" for g in member.listed_entity_grants]
    if member.sees_all_entities and member.all_entities_role:
        grants.append(f"{_('All entities')}: {member.all_entities_role.label}")
    return "; ".join(spreadsheet_cell(grant) for grant in grants)


def users_csv(reach: Reach, users, *, describe: Callable[[Reach, list], None], language: str) -> Iterator[str]:
    """The header, then one line per user, read in batches of BATCH (a constant number of queries per batch).

    The lines are made while the response streams, after the request has ended, so
    the reader's `language` and a scope for the access answers (each role's rights
    read once, not once per row) are set here for the whole file.
    """
    with translation.override(language), request_scope():
        yield from _lines(reach, users, describe)


def _lines(reach: Reach, users, describe: Callable[[Reach, list], None]) -> Iterator[str]:
    # Every cell quoted: spreadsheets set to split on ";" (German Excel) must not split a name into a formula.
    writer = csv.writer(LineWriter(), quoting=csv.QUOTE_ALL)
    yield "\ufeff" + writer.writerow(
        [
            _("Name"),
            _("Email address"),
            _("Company"),
            _("External"),
            _("State"),
            _("Roles"),
            _("Two-factor authentication"),
            _("Chat"),
            _("Last login"),
        ]
    )
    rows: Iterable = users.iterator(chunk_size=BATCH)
    while batch := list(islice(rows, BATCH)):
        describe(reach, batch)
        for member in batch:
            yield writer.writerow(
                [
                    spreadsheet_cell(member.get_full_name()),
                    spreadsheet_cell(member.email),
                    spreadsheet_cell(member.company.name),
                    _("No") if member.is_employee else _("Yes"),
                    member.state_label,
                    _grants(member),
                    member.second_factor.label,
                    _("on") if member.chat_enabled else _("off"),
                    member.last_login.isoformat(timespec="minutes") if member.last_login else "",
                ]
            )
