"""Every page of every demo persona fits a phone: a crawler, not a list of pages, decides what is checked.

The demo world `manage.py seed_demo` makes is seeded once; the crawler signs in as each of its people (answering
their second factor where they have one) and opens every page they can reach by links, one per route
(tests/support/crawl.py). It browses at a phone's width, so every page it opens is checked for sideways scroll
there; a page whose content shows what no earlier page of its route showed (another language, other controls or
columns) is checked in full: at 360 and 1440 px for sideways scroll and axe-core violations. One test, so the world
is seeded once.
"""

import os
import re
import time
from io import StringIO
from urllib.parse import urlparse

import pytest
from django.core.management import call_command

from accounts.second_factor import Method
from cockpit.management.commands.seed_demo import DEMO_PASSWORD, SECOND_FACTORS, USERS
from outbox.sms import FakeGateway
from tests.support.browser import (
    PHONE_WIDTH,
    SECOND_STEP_PATH,
    enter_authenticator_code,
    enter_password,
    horizontal_overflow,
    page_problems,
)
from tests.support.crawl import Crawl, Visit, page_shape

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
]

# CRAWL_PERSONAS=qc@technikum.demo,... crawls as those alone (while fixing their pages).
PERSONAS = [email for email in os.environ.get("CRAWL_PERSONAS", "").split(",") if email] or [row[0] for row in USERS]
# Well above the routes a persona reaches (the operator admin about 50): a page that links to ever new routes cannot
# make the crawl endless.
PAGES_PER_PERSONA = 80


@pytest.fixture
def demo_world() -> str:
    """The demo data as `make run` seeds it; returns what seed_demo printed (the backup codes among it)."""
    FakeGateway.outbox.clear()
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def sign_in(page, email: str, printed: str) -> None:
    """The password, then the second factor seed_demo gave the persona, answered as they would answer it."""
    page.context.clear_cookies()
    enter_password(page, email, DEMO_PASSWORD)
    if urlparse(page.url).path != SECOND_STEP_PATH:
        return
    method = SECOND_FACTORS[email][0]
    if method == Method.TOTP:
        enter_authenticator_code(page, email)
        return
    if method == Method.SMS:
        page.locator("button[name=send]").click()
        code = FakeGateway.outbox[-1].body.rsplit(" ", 1)[-1]
    else:
        code = re.search(r"backup codes, each works once.*\n +(\S+)", printed).group(1)
    # By the form's names, not its words: the persona may read German.
    page.locator("input[name=code]").fill(code)
    page.locator("form:has(input[name=code]) button[type=submit]").click()
    page.wait_for_load_state()


def screenshots(page, email: str) -> None:
    """Both widths of the page, named after the persona and the path (test-artifacts/screenshots/crawl-*)."""
    path = urlparse(page.url).path.strip("/").replace("/", "-") or "home"
    page_problems(page, f"crawl-{email.split('@')[0]}-{path}")


def problems_on(page, visit: Visit, checked: set[tuple]) -> list[str]:
    """Sideways scroll at the phone's width the crawl browses at; the full check when the content is new."""
    # What a click shows is checked too: the entity's "Why can I see this?" panel, say.
    page.evaluate("document.querySelectorAll('main details').forEach(details => { details.open = true; })")
    problems = [] if visit.status < 400 else [f"the link answers {visit.status}"]
    if (overflow := horizontal_overflow(page)) > 0:
        problems.append(f"at {PHONE_WIDTH} px the page scrolls sideways by {overflow} px")
    if (shape := (visit.route, page_shape(page))) not in checked:
        checked.add(shape)
        problems += page_problems(page)
    return list(dict.fromkeys(problems))


def test_every_page_a_demo_persona_reaches_fits_a_phone_and_a_laptop_without_axe_violations(
    page, live_server, demo_world, record_property
):
    started = time.monotonic()
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
    findings: list[str] = []
    opened: dict[str, int] = {}
    checked: set[tuple] = set()
    for email in PERSONAS:
        sign_in(page, email, demo_world)
        assert urlparse(page.url).path.startswith("/c/"), f"{email} is not signed in: {page.url}"
        crawl = Crawl(origin=live_server.url, limit=PAGES_PER_PERSONA)
        opened[email] = 0
        for visit in crawl.visits(page, page.url):
            opened[email] += 1
            problems = problems_on(page, visit, checked)
            if problems or os.environ.get("CRAWL_SCREENSHOTS"):
                screenshots(page, email)
            findings += [f"{email} {urlparse(visit.url).path}: {problem}" for problem in problems]
        assert not crawl.queue, f"{email}: the crawl stopped at {PAGES_PER_PERSONA} pages, {len(crawl.queue)} left"

    record_property(  # printed at the end of the run (tests/e2e/conftest.py)
        "crawl",
        f"crawl: {sum(opened.values())} pages opened for {len(opened)} demo persona(s), {len(checked)} of them checked"
        f" in full, in {time.monotonic() - started:.0f} s ("
        + ", ".join(f"{email} {count}" for email, count in opened.items())
        + ")",
    )
    assert not findings, "\n".join(findings)
