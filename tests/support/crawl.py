"""A bounded crawl of the cockpit as one signed-in person sees it: every link they can reach, one page per route.

The crawler starts where the person lands after signing in and follows the links of each page it opens: same
origin, GET only (an <a href>, never a form), breadth first. It leaves out what is not a page of the cockpit
(the Django admin, log-out, language switch, passkey ceremonies) and what is not a page at all (CSV exports, plan
files). Links are told apart by their route, not their address: /c/alpine/entities/7/analytics/ and
/c/alpine/entities/9/analytics/ are the same page with other data, so only the first is opened, and so are ?page=2
and ?sort=name; the section, the cockpit, the sign-in method and the names of the query's filters (not their
values) make different pages.
"""

import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urljoin, urlsplit

from django.urls import Resolver404, resolve

# Not pages of the cockpit, or not pages at all: followed, they would sign the person out, leave the product for the
# operators' admin, switch the language, start a passkey ceremony or download a file.
LEFT_OUT = re.compile(
    r"""^/(
        admin/
      | i18n/
      | accounts/logout/
      | accounts/passkeys/webauthn/
      | c/[^/]+/plans/\d+/files/
    )
    | \.csv$
    | /export
    """,
    re.VERBOSE,
)
# Route arguments and query parameters that only pick, order or page through other rows of the same page.
ROW_ARGUMENTS = {"pk", "file_pk", "token", "uidb64"}
ROW_PARAMETERS = {"page", "sort"}


@dataclass(frozen=True)
class Visit:
    """A page the crawl opened: where it landed, the answer's status and the route the page belongs to."""

    url: str
    status: int
    route: tuple


@dataclass
class Crawl:
    """The pages one person reaches from where they start, at most `limit` of them, each route opened once."""

    origin: str
    limit: int
    seen: set[tuple] = field(default_factory=set)
    queue: deque[str] = field(default_factory=deque)

    def route(self, url: str) -> tuple | None:
        """What tells this page apart from others, or None when the crawl leaves the link alone."""
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != self.origin or LEFT_OUT.search(parts.path):
            return None
        try:
            match = resolve(parts.path)
        except Resolver404:
            return (parts.path,)  # a link to nowhere is still opened once: its 404 is a finding
        arguments = tuple(sorted((k, v) for k, v in match.kwargs.items() if k not in ROW_ARGUMENTS))
        parameters = tuple(
            sorted({name for name, _ in parse_qsl(parts.query, keep_blank_values=True)} - ROW_PARAMETERS)
        )
        return (match.view_name, arguments, parameters)

    def offer(self, url: str) -> None:
        url = urljoin(self.origin, url).split("#", 1)[0]
        route = self.route(url)
        if route is not None and route not in self.seen:
            self.seen.add(route)
            self.queue.append(url)

    def visits(self, page, start: str) -> Iterator[Visit]:
        """Open each page in turn and yield it; once the caller has looked at it, queue the links it shows."""
        self.offer(start)
        opened = 0
        while self.queue and opened < self.limit:
            url = self.queue.popleft()
            response = page.goto(url)
            opened += 1
            if response is None or "text/html" not in response.headers.get("content-type", ""):
                continue
            # A redirect (to the password confirmation, say) may land on a route opened already: it counts once.
            landed = self.route(page.url) or (page.url,)
            if landed != self.route(url) and landed in self.seen:
                continue
            self.seen.add(landed)
            yield Visit(page.url, response.status, landed)
            if response.ok:
                for href in page.eval_on_selector_all("a[href]", "links => links.map(link => link.href)"):
                    self.offer(href)


# What axe-core judges on a page beyond its frame, whatever its rows say: the language, every kind of control (tag,
# classes, type) in the content and each table's columns. Two people who see the same route with the same controls
# get the same answer; the frame (header, sidebar) is judged on the first pages each person opens, and every page
# is checked for sideways scroll anyway.
SHAPE_SCRIPT = """() => {
    const kinds = new Set([document.documentElement.lang]);
    const content = document.querySelector("main") || document.body;
    for (const control of content.querySelectorAll("a, button, input, select, textarea, summary, [role]")) {
        kinds.add([control.tagName, control.getAttribute("class"), control.getAttribute("type")].join("."));
    }
    for (const table of content.querySelectorAll("table")) kinds.add("columns " + (table.rows[0]?.cells.length || 0));
    return [...kinds].sort().join(" ");
}"""


def page_shape(page) -> str:
    return page.evaluate(SHAPE_SCRIPT)
