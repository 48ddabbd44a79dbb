"""The user list as CSV: the rows the list would show, with their grants, written as they are read."""

import csv
from collections.abc import Callable, Iterable, Iterator
from itertools import islice

from django.utils import formats, timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.csvtext import LineWriter, spreadsheet_cell
from entities.access import request_scope
from users.models import ReviewState
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


def review_csv(review, rows, *, language: str) -> Iterator[str]:
    """An access review's rows as CSV: who, what they held, who gave it and when, the answer and, once the review is
    finished, the outcome; in the reader's `language`, set here because the lines are made while the response
    streams, after the request has ended."""
    with translation.override(language):
        writer = csv.writer(LineWriter(), quoting=csv.QUOTE_ALL)
        yield "\ufeff" + writer.writerow(
            [
                _("Person"),
                _("Email"),
                _("Company"),
                _("Last sign-in"),
                _("Role"),
                _("Level"),
                _("Where"),
                _("Given by"),
                _("Given"),
                _("Reviewer"),
                _("Decision"),
                _("Reason"),
                _("Decided by"),
                _("Decided"),
                _("Outcome"),
            ]
        )
        finished = review.state != ReviewState.OPEN
        for row in rows.iterator(chunk_size=BATCH):
            person = row.person
            yield writer.writerow(
                [
                    spreadsheet_cell(str(value))
                    for value in (
                        person.get_full_name(),
                        person.email,
                        person.company.name,
                        _moment(person.last_login),
                        row.role.label if row.role else "",
                        row.level_label,
                        row.place,
                        row.given_by or "",
                        _moment(row.given_at),
                        row.reviewer or "",
                        row.get_decision_display(),
                        row.reason,
                        row.decided_by or "",
                        _moment(row.decided_at),
                        row.get_outcome_display() if finished else "",
                    )
                ]
            )


def _moment(value) -> str:
    return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT") if value else ""
