"""The header and the sidebar, kept per process under their facts (cockpit.layout): never another request's."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template.base import Lexer, TokenType
from django.test import Client
from django.urls import reverse

from accounts.models import User
from cockpit import layout
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LAYOUT_TEMPLATES = ("includes/layout_header.html", "includes/layout_sidebar.html")


def dashboard(client, instance) -> str:
    response = client.get(reverse("cockpit:dashboard", kwargs={"instance_slug": instance.slug}))
    assert response.status_code == 200
    return response.content.decode()


def header_of(html: str) -> str:
    return html[html.index('<header class="topbar">') : html.index("</header>")]


def logout_token(html: str) -> str:
    form = re.search(r'<form method="post" action="/accounts/logout/">(.*?)</form>', html, re.DOTALL)
    assert form is not None
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.group(1))
    assert token is not None
    return token.group(1)


def signed_in(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    assert client.login(username=user.email, password=PASSWORD)
    return client


def test_the_header_names_the_person_as_they_are_on_this_request(client, login, projectmanager_a, instance):
    login(projectmanager_a)
    assert projectmanager_a.first_name in header_of(dashboard(client, instance))

    User.objects.filter(pk=projectmanager_a.pk).update(first_name="Renamed", last_name="Person")

    header = header_of(dashboard(client, instance))
    assert "Renamed Person" in header
    assert projectmanager_a.get_full_name() not in header


def test_the_header_speaks_the_language_the_person_chose_on_the_next_page(client, login, projectmanager_a, instance):
    login(projectmanager_a)
    assert "My account" in header_of(dashboard(client, instance))

    User.objects.filter(pk=projectmanager_a.pk).update(language="de")

    header = header_of(dashboard(client, instance))
    assert "Mein Konto" in header
    assert "Abmelden" in header


def test_the_log_out_form_carries_a_token_that_logs_the_person_out(projectmanager_a, instance):
    client = signed_in(projectmanager_a)
    token = logout_token(dashboard(client, instance))

    response = client.post(reverse("accounts:logout"), {"csrfmiddlewaretoken": token})

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_each_session_gets_its_own_token_even_where_the_header_is_kept(projectmanager_a, instance):
    first, second = signed_in(projectmanager_a), signed_in(projectmanager_a)
    dashboard(first, instance)
    token_of_second = logout_token(dashboard(second, instance))

    response = first.post(reverse("accounts:logout"), {"csrfmiddlewaretoken": token_of_second})

    assert response.status_code == 403
    assert "_auth_user_id" in first.session


def test_the_same_facts_render_the_layout_once(client, login, projectmanager_a, instance):
    login(projectmanager_a)
    layout._rendered.cache_clear()

    first = dashboard(client, instance)
    second = dashboard(client, instance)

    assert layout._rendered.cache_info().misses == 2  # the header and the sidebar
    assert layout._rendered.cache_info().hits == 2
    assert header_of(first).split("csrfmiddlewaretoken")[0] == header_of(second).split("csrfmiddlewaretoken")[0]


def test_another_page_of_another_section_marks_its_own_link(client, login, projectmanager_a, instance):
    login(projectmanager_a)
    entities_url = reverse("entities:entity-list", kwargs={"instance_slug": instance.slug})

    on_dashboard = dashboard(client, instance)
    on_entities = client.get(entities_url).content.decode()

    assert f'<a href="{entities_url}" aria-current="page">' in on_entities
    assert f'<a href="{entities_url}" aria-current="page">' not in on_dashboard


# Words of the template language, not values read from the context.
TEMPLATE_WORDS = {"if", "elif", "else", "endif", "for", "in", "endfor", "and", "or", "not", "url", "load", "i18n"}
TEMPLATE_WORDS |= {"translate", "comment", "endcomment", "as", "with", "is", "None", "True", "False", "length", "1"}
LOOP_VARIABLES = {"url", "name", "shared", "current"}


def read_names(template_name: str) -> set[str]:
    """Every name a layout template reads from its context: the first part of each variable, tag argument and
    loop sequence, quoted strings, filters, operators and the tags' own words left out."""
    source = Path(settings.BASE_DIR, "templates", template_name).read_text()
    names = set()
    for token in Lexer(source).tokenize():
        if token.token_type not in (TokenType.VAR, TokenType.BLOCK) or token.contents.startswith("comment"):
            continue
        contents = re.sub(r"'[^']*'|\"[^\"]*\"", "", token.contents)
        contents = re.sub(r"\|\w+(:\S+)?", "", contents)
        for word in re.findall(r"[A-Za-z_][\w.]*", contents):
            if word.split(".")[0] not in TEMPLATE_WORDS | LOOP_VARIABLES:
                names.add(word.split(".")[0])
    return names


@pytest.mark.parametrize("template_name", LAYOUT_TEMPLATES)
def test_a_layout_template_reads_nothing_but_its_facts(template_name):
    """The kept HTML is right only if the facts are all it shows: a template reading the request or the user
    directly would be kept with the first person's values."""
    assert read_names(template_name) <= {"layout", "csrf_mark"}
    assert "layout" in read_names(template_name)
