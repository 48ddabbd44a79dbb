"""The load of tools/loadtest: signed-in bench personas on the real server, one request after another.

Read by Locust (`locust -f tools/loadtest/locustfile.py --headless ...`), never by Django. The
phase (LOADTEST_PHASE) picks what the clients ask for:

- floor: a signed-in request that the middleware answers with a 404, what every page costs;
- list: the entity list, pages 1 to 3, half of them with a search;
- mix: 80 % list, 15 % entity detail, 5 % writes (a tab saved, a user changed);
- sign-in: the login page, the password step and an authenticator code, then again as the next person
  (LOADTEST_SIGN_INS), with new cookies each time.

Each client takes the next persona session from LOADTEST_SESSIONS (a JSON file the prepare step
wrote), so every persona is under load at 4 and 16 clients.
"""

import itertools
import json
import os
import random
import re
import threading
import time
from html.parser import HTMLParser

from django_otp.oath import TOTP
from locust import FastHttpUser, constant, task

with open(os.environ["LOADTEST_SESSIONS"]) as sessions_file:
    SESSIONS = json.load(sessions_file)
PHASE = os.environ.get("LOADTEST_PHASE", "mix")
_next_session = itertools.cycle(SESSIONS)
SIGN_INS = json.load(open(os.environ["LOADTEST_SIGN_INS"])) if PHASE == "sign-in" else []  # noqa: SIM115
_next_sign_in = itertools.cycle(SIGN_INS)
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_lock = threading.Lock()
ENTITY_LINK = re.compile(r'href="/c/[\w-]+/entities/(\d+)/"')


class FormFields(HTMLParser):
    """The fields of one form of a page, with the values a browser would send unchanged."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id, self.inside = form_id, False
        self.fields: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attr = dict(attrs)
        if tag == "form":
            self.inside = attr.get("id") == self.form_id
        if not self.inside:
            return
        name = attr.get("name")
        if tag == "input" and name:
            if attr.get("type") in {"checkbox", "radio"}:
                if "checked" in attr:
                    self.fields[name] = attr.get("value") or "on"
            elif attr.get("type") not in {"submit", "button"}:
                self.fields[name] = attr.get("value") or ""
        elif tag == "select" and name:
            self._select = name
            self.fields.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in attr:
            self.fields[self._select] = attr.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data


def form_fields(html: str, form_id: str) -> dict[str, str]:
    parser = FormFields(form_id)
    parser.feed(html)
    return parser.fields


# Each request on a new connection, which the kernel hands to whichever worker accepts first: kept alive, a
# client's connection stays with the worker that took it, and the figures depend on how the clients landed.
FRESH = {"Connection": "close"}


class Persona(FastHttpUser):
    wait_time = constant(0)  # a closed loop: each client asks again as soon as it has its answer

    def on_start(self):
        with _lock:
            self.session = next(_next_session)
        self.client.cookiejar.set_cookie(self._cookie())
        self.base = f"/c/{self.session['cockpit']}"
        page = self.client.get(f"{self.base}/entities/", name="list (start)")
        self.entities = [int(pk) for pk in ENTITY_LINK.findall(page.text or "")] or [self.session["entity"]]

    def _cookie(self):
        from http.cookiejar import Cookie

        return Cookie(
            0, self.session["cookie"], self.session["key"], None, False, "127.0.0.1",
            False, False, "/", True, False, None, False, None, None, {},
        )  # fmt: skip

    # --- what the clients ask for ------------------------------------------------------------

    def floor(self):
        with self.client.get(
            f"{self.base}/does-not-exist/", name="floor (404)", headers=FRESH, catch_response=True
        ) as reply:
            if reply.status_code == 404:
                reply.success()

    def entity_list(self):
        page = random.choice((1, 2, 3))  # noqa: S311 - load, not secrets
        query = {"page": page} if page > 1 else {}
        if random.random() < 0.5:  # noqa: S311
            query["q"] = random.choice(self.session["searches"])  # noqa: S311
            name = "list + search"
        else:
            name = "list"
        self.client.get(f"{self.base}/entities/", params=query, name=name, headers=FRESH)

    def entity_detail(self):
        entity = random.choice(self.entities)  # noqa: S311
        self.client.get(f"{self.base}/entities/{entity}/", name="detail", headers=FRESH)

    def write(self):
        if self.session.get("user_edit") and random.random() < 0.5:  # noqa: S311
            self.user_change()
        elif self.session.get("section_entity"):
            self.section_edit()
        else:
            self.entity_detail()

    def section_edit(self):
        url = f"{self.base}/entities/{self.session['section_entity']}/features/"
        page = self.client.get(url, name="write: tab (form)")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text or "")
        form = {"csrfmiddlewaretoken": token.group(1) if token else ""}
        for field in ("document_manager", "material_ordering", "quality_control", "order_management"):
            if random.random() < 0.5:  # noqa: S311
                form[field] = "on"
        with self.client.post(f"{url}edit/", data=form, name="write: tab saved", catch_response=True) as reply:
            if reply.status_code in (200, 302):  # followed to the tab
                reply.success()

    def user_change(self):
        url = f"{self.base}/users/{random.choice(self.session['user_edit'])}/"  # noqa: S311
        page = self.client.get(url, name="write: user (form)")
        form = form_fields(page.text or "", "user-form")
        form["first_name"] = random.choice(("Anna", "Ben", "Chiara", "David"))  # noqa: S311
        with self.client.post(url, data=form, name="write: user saved", catch_response=True) as reply:
            # 409: another client saved the same user meanwhile and this one is told so, as designed.
            if reply.status_code in (200, 302, 409):
                reply.success()

    def sign_in(self):
        with _lock:
            person = next(_next_sign_in)
        self.client.cookiejar.clear()
        page = self.client.get("/accounts/login/", name="sign-in: login page")
        token = CSRF_FIELD.search(page.text or "")
        form = {"csrfmiddlewaretoken": token.group(1) if token else "", "username": person["email"]}
        with self.client.post(
            "/accounts/login/", data=form | {"password": person["password"]}, name="sign-in: password",
            allow_redirects=False, catch_response=True,
        ) as reply:  # fmt: skip
            if reply.status_code != 302 or "second-factor" not in reply.headers.get("Location", ""):
                reply.failure(f"password step answered {reply.status_code}")
                return
            reply.success()
        page = self.client.get("/accounts/second-factor/", name="sign-in: second step page")
        token = CSRF_FIELD.search(page.text or "")
        totp = TOTP(bytes.fromhex(person["key"]))
        totp.time = time.time()
        code = {"csrfmiddlewaretoken": token.group(1) if token else "", "method": "totp", "code": f"{totp.token():06d}"}
        with self.client.post(
            "/accounts/second-factor/", data=code, name="sign-in: second step", allow_redirects=False,
            catch_response=True,
        ) as reply:  # fmt: skip
            if reply.status_code != 302 or "second-factor" in reply.headers.get("Location", ""):
                reply.failure(f"second step answered {reply.status_code}")
            else:
                reply.success()

    @task
    def next_request(self):
        if PHASE == "sign-in":
            self.sign_in()
        elif PHASE == "floor":
            self.floor()
        elif PHASE == "list":
            self.entity_list()
        else:
            roll = random.random()  # noqa: S311
            if roll < 0.80:
                self.entity_list()
            elif roll < 0.95:
                self.entity_detail()
            else:
                self.write()
