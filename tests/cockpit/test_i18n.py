"""German and English: the user's language picks the catalogue, and the German catalogue is complete."""

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db

GERMAN_PO = Path(settings.BASE_DIR) / "locale" / "de" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")


@dataclass
class Entry:
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str = ""
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0


def read_po(path: Path) -> list[Entry]:
    """A tiny .po reader: msgctxt, msgid, msgid_plural, msgstr / msgstr[n] and flags; skips obsolete (#~) entries."""
    entries: list[Entry] = []
    entry = Entry()
    target: tuple[str, int] | None = None

    def finish():
        nonlocal entry, target
        if entry.line:
            entries.append(entry)
        entry, target = Entry(), None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
        elif line.startswith("#,"):
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            assert target is not None, f"{path.name}:{number}: continuation without a keyword"
            keyword, index = target
            text = ast.literal_eval(line)
            if keyword == "msgstr":
                entry.msgstr[index] += text
            else:
                setattr(entry, keyword, (getattr(entry, keyword) or "") + text)
        else:
            keyword, _, literal = line.partition(" ")
            text = ast.literal_eval(literal)
            if keyword in ("msgctxt", "msgid", "msgid_plural"):
                if keyword == "msgid":
                    entry.line = number
                setattr(entry, keyword, text)
                target = (keyword, 0)
            elif match := re.fullmatch(r"msgstr(?:\[(\d+)\])?", keyword):
                index = int(match.group(1) or 0)
                entry.msgstr[index] = text
                target = ("msgstr", index)
            else:
                raise AssertionError(f"{path.name}:{number}: unexpected line {raw!r}")
    finish()
    return entries


@pytest.fixture(scope="module")
def german_entries() -> list[Entry]:
    entries = read_po(GERMAN_PO)
    assert entries[0].msgid == "", "the catalogue starts with its header"
    return entries


@pytest.fixture
def user(user):
    """A customer: their role opens the business entity pages, so the sidebar names them."""
    from entities.models import Level
    from tests.factories import grant_company_role

    grant_company_role(user, Level.CUSTOMER, user.company, "customer")
    return user


def dashboard_url() -> str:
    return reverse("cockpit:dashboard", kwargs={"instance_slug": "alpine"})


def test_a_german_user_sees_the_cockpit_in_german(client, login, user, instance):
    user.language = "de"
    user.save()
    login(user)

    response = client.get(dashboard_url())

    page = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Language"] == "de"
    assert '<html lang="de">' in page
    for word in ("Wirtschaftseinheiten", "Übersicht", "Mein Konto", "Abmelden", "Ihr Konto"):
        assert word in page
    assert "Business entities" not in page
    assert "Log out" not in page


def test_an_english_user_sees_the_cockpit_in_english(client, login, user, instance):
    assert user.language == "en"
    login(user)

    response = client.get(dashboard_url())

    page = response.content.decode()
    assert response["Content-Language"] == "en"
    for word in ("Business entities", "Overview", "Log out", "Your account"):
        assert word in page
    assert "Wirtschaftseinheiten" not in page
    assert "Abmelden" not in page


def test_the_users_language_wins_over_the_browsers(client, login, user, instance):
    user.language = "de"
    user.save()
    login(user)

    response = client.get(dashboard_url(), HTTP_ACCEPT_LANGUAGE="en")

    assert "Wirtschaftseinheiten" in response.content.decode()


def test_the_login_page_follows_a_german_browser(client):
    response = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="de")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Anmelden" in page
    assert "Passwort vergessen?" in page
    assert "Log in" not in page


def test_the_login_page_stays_english_for_an_english_browser(client):
    response = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en")

    assert "Log in" in response.content.decode()


@pytest.mark.parametrize(
    "msgid",
    [
        "Business entities",  # templates/base.html, accounts/admin.py
        "User Management",  # templates/base.html, accounts templates
        "Temporary password",  # welcome email
        "Please correct the errors below; nothing was saved.",  # accounts/views.py, entities/views.py
        "Read only",  # entity section page
        "Your role does not allow managing users.",  # accounts/permissions.py
        "Only the customer grant matches.",  # entities/access.py
        "Performance figures",  # entities/models/roles.py sections
        "Cleaners may swap tours",  # entities/sections.py forms
        "Cockpit sharing",  # sharing/apps.py
        "Page not found",  # templates/404.html
    ],
)
def test_important_strings_of_every_app_have_a_german_translation(msgid):
    with translation.override("de"):
        german = translation.gettext(msgid)

    assert german
    assert german != msgid


def test_plural_forms_are_translated():
    with translation.override("de"):
        one = translation.ngettext("%(counter)s business entity", "%(counter)s business entities", 1)
        many = translation.ngettext("%(counter)s business entity", "%(counter)s business entities", 3)

    assert one % {"counter": 1} == "1 Wirtschaftseinheit"
    assert many % {"counter": 3} == "3 Wirtschaftseinheiten"


def test_the_german_catalogue_has_a_proper_header(german_entries):
    header = german_entries[0].msgstr[0]

    assert "Language: de\n" in header
    assert "Content-Type: text/plain; charset=UTF-8\n" in header
    assert "Plural-Forms: nplurals=2; plural=(n != 1);\n" in header
    assert "fuzzy" not in german_entries[0].flags


def test_the_german_catalogue_has_no_untranslated_or_fuzzy_entry(german_entries):
    problems = []
    for entry in german_entries[1:]:
        forms = [0, 1] if entry.msgid_plural else [0]
        if "fuzzy" in entry.flags:
            problems.append(f"line {entry.line}: fuzzy: {entry.msgid!r}")
        if any(not entry.msgstr.get(form) for form in forms):
            problems.append(f"line {entry.line}: untranslated: {entry.msgid!r}")

    assert not problems, "\n".join(problems)


def test_german_translations_keep_every_placeholder(german_entries):
    problems = []
    for entry in german_entries[1:]:
        for form, text in entry.msgstr.items():
            source = entry.msgid_plural if entry.msgid_plural and form > 0 else entry.msgid
            if sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(source)):
                problems.append(f"line {entry.line}: {entry.msgid!r} -> {text!r}")

    assert not problems, "\n".join(problems)


def test_german_translations_use_swiss_spelling(german_entries):
    with_sharp_s = [entry.msgid for entry in german_entries[1:] if any("ß" in text for text in entry.msgstr.values())]

    assert not with_sharp_s


def test_the_compiled_catalogue_matches_the_po_file(german_entries):
    """The .mo is committed; this fails when someone edited django.po and forgot compilemessages."""
    stale = []
    with translation.override("de"):
        for entry in german_entries[1:]:
            if entry.msgid_plural:
                if entry.msgctxt is None:
                    got = [translation.ngettext(entry.msgid, entry.msgid_plural, n) for n in (1, 2)]
                else:
                    got = [translation.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n) for n in (1, 2)]
                expected = [entry.msgstr[0], entry.msgstr[1]]
            elif entry.msgctxt is None:
                got, expected = translation.gettext(entry.msgid), entry.msgstr[0]
            else:
                got, expected = translation.pgettext(entry.msgctxt, entry.msgid), entry.msgstr[0]
            if got != expected:
                stale.append(entry.msgid)

    assert not stale, f"run compilemessages -l de; out of date: {stale}"


def test_the_welcome_email_speaks_the_recipients_language(user, instance, mailoutbox):
    from users.emails import send_welcome_email

    user.language = "de"
    user.save()

    send_welcome_email(user=user, temporary_password="Xy7-temporary")

    (message,) = mailoutbox
    assert message.subject == "Ihr Zugang zum Cockpit Alpine Facility Services"
    assert "Temporäres Passwort: Xy7-temporary" in message.body
    assert "Temporary password" not in message.body
    html, _ = message.alternatives[0]
    assert "Alpine Facility Services öffnen" in html


def test_a_users_language_ends_with_their_request(client, login, user, instance):
    user.language = "de"
    user.save()
    login(user)

    client.get(reverse("cockpit:dashboard", kwargs={"instance_slug": instance.slug}))

    assert translation.get_language() != "de"


def test_english_dates_are_unambiguous_with_24_hour_time():
    import datetime

    from django.utils import formats, translation

    moment = datetime.datetime(2026, 12, 1, 18, 5)
    with translation.override("en"):
        assert formats.date_format(moment, "SHORT_DATETIME_FORMAT") == "01.12.2026 18:05"
        assert formats.date_format(moment, "DATETIME_FORMAT") == "1 Dec 2026, 18:05"
        assert formats.date_format(moment.date(), "DATE_FORMAT") == "1 Dec 2026"


def test_german_dates_keep_their_own_format():
    import datetime

    from django.utils import formats, translation

    with translation.override("de"):
        assert formats.date_format(datetime.datetime(2026, 12, 1, 18, 5), "SHORT_DATETIME_FORMAT") == "01.12.2026 18:05"


def test_the_login_page_offers_both_languages_and_switches_to_german(client):
    login_url = reverse("accounts:login")
    page = client.get(login_url).content.decode()
    assert 'name="language" value="de" lang="de"' in page
    assert ">Deutsch</button>" in page

    response = client.post(reverse("set_language"), {"language": "de", "next": login_url}, follow=True)

    assert response.redirect_chain[-1][0] == login_url
    assert "<h1>Anmelden</h1>" in response.content.decode()


def test_the_language_switch_never_sends_the_user_to_another_site(client):
    response = client.post(reverse("set_language"), {"language": "de", "next": "https://evil.example/"})

    assert response["Location"] == "/"
