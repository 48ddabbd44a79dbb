"""Reading a CSV file of people with their roles at company levels into a plan: who is created, who gets which roles
added, who stays as they are, and every line's error by its number. Nothing is written here (users.services
people_import does that, after the manager has seen the plan).

Two layouts are read: the template (docs/user-management.md, `users:user-import-template`) and the user list's
export, in English or German, so an export re-imports. The csv module reads it; the bytes are decoded as UTF-8
(with or without a byte order mark) or else Windows-1252, what spreadsheets write.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Language, User
from core.csvtext import first_line_delimiter
from entities.models import COMPANY_LEVELS, Company, CompanyGrant, Role
from entities.models.grants import GRANT_END_NOT_AHEAD
from users.permissions import Reach, email_error, user_can_manage_user

MAX_BYTES = 2 * 1024 * 1024
MAX_PEOPLE = 1000
# A cell a spreadsheet would run; the export writes such text with a leading apostrophe, which is dropped again.
FORMULA_START = ("=", "+", "-", "@")

NOT_A_CSV = _("This is not a CSV file of text; save the sheet as CSV (UTF-8) and upload that.")
TOO_BIG = _("The file is larger than 2 MB; split it.")
TOO_MANY = _("The file has more than %(most)s people; split it.")
NO_EMAIL_COLUMN = _("The file has no column “email”; start from the template.")
EMPTY = _("The file has no lines of people.")


@dataclass(frozen=True)
class PlannedRole:
    level: str
    company: Company
    role: Role
    # The line's "Ends on": the role's first day without access (None: no end).
    ends_on: date | None = None


@dataclass
class PlannedPerson:
    """One person of the file, by their first line: what happens to them, or why nothing can."""

    line: int
    email: str
    first_name: str = ""
    last_name: str = ""
    company: Company | None = None
    language: str = Language.GERMAN
    mobile_phone: str = ""
    # The roles the file gives: for an existing person only those they do not hold yet (an import never takes
    # a role away nor replaces one).
    roles: list[PlannedRole] = field(default_factory=list)
    existing: User | None = None
    # For an existing person: whether the manager may change them (else only lines that change nothing pass).
    manageable: bool = True
    errors: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.errors:
            return "error"
        if self.existing is None:
            return "create"
        # An existing person's `roles` are only those they lack: one they hold is passed over when read.
        return "change" if self.roles else "unchanged"


@dataclass
class ImportPlan:
    people: list[PlannedPerson]
    problems: list[str] = field(default_factory=list)

    @property
    def saves_nothing(self) -> bool:
        return bool(self.problems) or any(person.errors for person in self.people)

    def counts(self) -> dict[str, int]:
        counted = dict.fromkeys(("create", "change", "unchanged", "error"), 0)
        for person in self.people:
            counted[person.status] += 1
        return counted


def decode(raw: bytes) -> str:
    """The file's text: UTF-8 (a byte order mark dropped), else Windows-1252; ValidationError for a binary file."""
    if b"\x00" in raw[:4096]:
        raise ValidationError(NOT_A_CSV, code="binary")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError:
            raise ValidationError(NOT_A_CSV, code="binary") from None
    controls = sum(1 for char in text[:4096] if ord(char) < 32 and char not in "\r\n\t")
    if controls > 8:
        raise ValidationError(NOT_A_CSV, code="binary")
    return text


def _header_names() -> dict[str, str]:
    """Every header a column may have, lowered, to its key: the template's keys and the export's words in both
    languages."""
    words = {
        "email": ["Email address", "Email", "E-mail"],
        "name": ["Name"],
        "company": ["Company"],
        "roles": ["Roles"],
        "language": ["Language"],
        "mobile_phone": ["Mobile phone"],
        "first_name": ["First name"],
        "last_name": ["Last name"],
        "ends_on": ["Ends on"],
    }
    names = {key: key for key in words}
    for language in ("en", "de"):
        with translation.override(language):
            for key, labels in words.items():
                names.update({gettext(label).lower(): key for label in labels})
    return {name.lower(): key for name, key in names.items()}


def _cell(value: str | None) -> tuple[str, bool]:
    """The cell's text and whether it is a formula (refused); the export's apostrophe before one is dropped."""
    text = (value or "").strip()
    if text.startswith("'") and text[1:].lstrip().startswith(FORMULA_START):
        return text[1:], False
    return text, text.startswith(FORMULA_START) and not _looks_like_phone(text)


def _looks_like_phone(text: str) -> bool:
    return text.startswith("+") and text[1:].replace(" ", "").isdigit()


def _labels() -> tuple[dict[str, str], dict[str, Role]]:
    """Levels and roles by every name they go by (code, English, German), lowered."""
    levels: dict[str, str] = {}
    for level in COMPANY_LEVELS:
        levels[level.value] = level.value
        for language in ("en", "de"):
            with translation.override(language):
                levels[str(level.label).lower()] = level.value
    roles: dict[str, Role] = {}
    for role in Role.objects.filter(is_special=False, is_share_role=False):
        for name in (role.code, role.name, role.name_de):
            if name:
                roles[name.lower()] = role
    return levels, roles


def read_people(raw: bytes, reach: Reach) -> ImportPlan:
    """The plan for a file, every line checked against the manager's reach as the services would check it."""
    if len(raw) > MAX_BYTES:
        return ImportPlan([], [str(TOO_BIG)])
    try:
        text = decode(raw)
    except ValidationError as error:
        return ImportPlan([], error.messages)
    reader = csv.reader(io.StringIO(text), delimiter=first_line_delimiter(text))
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        return ImportPlan([], [str(EMPTY)])
    names = _header_names()
    columns = {index: names[cell.strip().lower()] for index, cell in enumerate(header) if cell.strip().lower() in names}
    if "email" not in columns.values():
        return ImportPlan([], [str(NO_EMAIL_COLUMN)])
    levels, roles = _labels()
    companies = {company.name.lower(): company for company in reach.user_companies()}
    by_email: dict[str, PlannedPerson] = {}
    try:
        for number, row in enumerate(reader, start=2):
            if not any(cell.strip() for cell in row):
                continue
            if len(by_email) >= MAX_PEOPLE and _value(row, columns, "email")[0].lower() not in by_email:
                return ImportPlan([], [str(TOO_MANY % {"most": MAX_PEOPLE})])
            _read_line(number, row, columns, reach, by_email, companies, levels, roles)
    except csv.Error as error:
        problem = gettext("Line %(line)s: %(error)s") % {"line": reader.line_num, "error": error}
        return ImportPlan(list(by_email.values()), [problem])
    if not by_email:
        return ImportPlan([], [str(EMPTY)])
    return ImportPlan(list(by_email.values()))


def _value(row: list[str], columns: dict[int, str], key: str) -> tuple[str, bool]:
    index = next((i for i, name in columns.items() if name == key), None)
    return _cell(row[index]) if index is not None and index < len(row) else ("", False)


def _read_line(number, row, columns, reach: Reach, by_email, companies, levels, roles) -> None:
    values = {key: _value(row, columns, key) for key in set(columns.values())}
    formulas = [key for key, (_text, formula) in values.items() if formula]
    email = values.get("email", ("", False))[0].lower()
    person = by_email.get(email)
    if person is None:
        person = by_email[email or f"line-{number}"] = PlannedPerson(line=number, email=email)
        _read_person(person, values, reach, companies)
    if formulas:
        person.errors.append(
            gettext("Line %(line)s: a formula in %(columns)s is not taken.")
            % {"line": number, "columns": ", ".join(formulas)}
        )
    ends_on, ends_error = _ends_on(values.get("ends_on", ("", False))[0])
    if ends_error:
        person.errors.append(gettext("Line %(line)s: %(error)s") % {"line": number, "error": ends_error})
        return
    _read_roles(number, person, values.get("roles", ("", False))[0], reach, levels, roles, companies, ends_on)


def _ends_on(cell: str) -> tuple[date | None, str]:
    """The line's end date for its roles (YYYY-MM-DD, or DD.MM.YYYY as Swiss spreadsheets write it) and an error."""
    if not cell:
        return None, ""
    for layout in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            ends_on = datetime.strptime(cell, layout).date()
        except ValueError:
            continue
        if ends_on <= timezone.localdate():
            return None, str(GRANT_END_NOT_AHEAD)
        return ends_on, ""
    return None, gettext("“%(value)s” in “Ends on” is no date; write it as 2027-03-31 or 31.03.2027.") % {"value": cell}


def _read_person(person: PlannedPerson, values, reach: Reach, companies) -> None:
    line = person.line
    try:
        validate_email(person.email)
    except ValidationError:
        person.errors.append(
            gettext("Line %(line)s: “%(email)s” is no email address.") % {"line": line, "email": person.email}
        )
        return
    name = values.get("name", ("", False))[0]
    first, _space, last = name.partition(" ")
    person.first_name = values.get("first_name", (first, False))[0] or first
    person.last_name = values.get("last_name", (last, False))[0] or last
    person.mobile_phone = values.get("mobile_phone", ("", False))[0]
    language = values.get("language", ("", False))[0].lower()[:2]
    person.language = language if language in Language.values else Language.GERMAN
    # Stored lower-case (User.save), as `person.email` is: the unique index finds it.
    existing = User.objects.filter(email=person.email).select_related("company").first()
    if existing is not None:
        # The manager's own line too (an exported list names them): theirs to read, never to change.
        listed = User.objects.filter(reach.listed_people(), pk=existing.pk).exists()
        if not listed:
            # Someone the manager does not see: the line says what creating them would say, and names nobody.
            refusal = email_error(reach, person.email)
            assert refusal is not None  # the address has a holder
            person.errors.append(
                gettext("Line %(line)s: %(error)s") % {"line": line, "error": " ".join(refusal.messages)}
            )
        person.existing, person.company = existing, existing.company
        person.manageable = listed and user_can_manage_user(reach, existing)
        return
    company_name = values.get("company", ("", False))[0]
    person.company = companies.get(company_name.lower())
    if person.company is None:
        person.errors.append(
            gettext("Line %(line)s: “%(company)s” is none of the companies whose users you manage.")
            % {"line": line, "company": company_name}
        )


def _read_roles(
    number, person: PlannedPerson, cell: str, reach: Reach, levels, roles, companies, ends_on: date | None = None
) -> None:
    for item in (part.strip() for part in cell.split(";")):
        if not item:
            continue
        where, colon, role_name = item.rpartition(":")
        level_name, dot, company_name = where.partition("·")
        if not (colon and dot):
            continue  # a role on a single entity, or "All entities": not imported (their own list changes them)
        level = levels.get(level_name.strip().lower())
        company = companies.get(company_name.strip().lower()) or _company_named(reach, company_name)
        role = roles.get(role_name.strip().lower())
        if person.existing is not None and _holds(person.existing, level, company, role):
            continue  # held already: the line changes nothing there, whoever may change the person
        if not person.manageable:
            if person.existing is not None and person.existing.pk == reach.actor.pk:
                person.errors.append(
                    gettext(
                        "Line %(line)s: you cannot change your own roles; another user manager or operator staff can."
                    )
                    % {"line": number}
                )
            else:
                person.errors.append(
                    gettext("Line %(line)s: %(user)s holds roles beyond yours; operator staff change them.")
                    % {"line": number, "user": person.email}
                )
            continue
        if level is None or company is None or role is None:
            person.errors.append(
                gettext("Line %(line)s: the role “%(role)s” names no level, company and role you manage.")
                % {"line": number, "role": item}
            )
            continue
        error = reach.company_grant_error(level, company.pk, role)
        if error:
            person.errors.append(gettext("Line %(line)s: %(error)s") % {"line": number, "error": error})
            continue
        planned = PlannedRole(level, company, role, ends_on)
        if planned in person.roles:
            continue
        if any((r.level, r.company) == (level, company) for r in person.roles) or _holds_another(
            person, level, company, role
        ):
            person.errors.append(
                gettext("Line %(line)s: one role per level and company; %(user)s has another at %(company)s.")
                % {"line": number, "user": person.email, "company": company.name}
            )
            continue
        person.roles.append(planned)


def _company_named(reach: Reach, name: str) -> Company | None:
    """A company of the cockpit by name, for roles an existing person holds there (the manager's or not)."""
    return Company.objects.filter(instance=reach.instance, name__iexact=name.strip()).first()


def _holds(user: User, level: str | None, company: Company | None, role: Role | None) -> bool:
    if level is None or company is None or role is None:
        return False
    return CompanyGrant.objects.filter(user=user, level=level, company=company, role=role).exists()


def _holds_another(person: PlannedPerson, level: str, company: Company, role: Role) -> bool:
    """An existing person holding another role at that level and company: the import adds, it never replaces."""
    if person.existing is None:
        return False
    return CompanyGrant.objects.filter(user=person.existing, level=level, company=company).exclude(role=role).exists()


class PendingImport:
    """A checked file's text between its preview and the confirmation, in the session under `key`: read and
    checked again on confirm, never trusted. User Management's import and the Django admin's keep theirs apart."""

    def __init__(self, session, key: str):
        self.session, self.key = session, key

    def check(self, upload, reach: Reach) -> ImportPlan:
        """The plan of an uploaded file; its text is kept for the confirmation unless the file itself is refused."""
        raw = upload.read(MAX_BYTES + 1)
        plan = read_people(raw, reach)
        if not plan.problems:
            self.session[self.key] = decode(raw)
        return plan

    def plan(self, reach: Reach) -> ImportPlan | None:
        """The kept file's plan, read again now; None when no checked file waits."""
        text = self.session.get(self.key)
        return None if text is None else read_people(text.encode("utf-8"), reach)

    def done(self) -> None:
        self.session.pop(self.key, None)
