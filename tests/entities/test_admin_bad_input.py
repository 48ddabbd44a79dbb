"""Every admin page, with malformed values in its filters and its forms: a form error or 400, never a 500.

Swept over every registered model, so a model added later is covered too: text where an id
belongs, numbers beyond any column, SQL-ish strings.
"""

import pytest
from django import forms
from django.contrib import admin
from django.urls import NoReverseMatch, reverse

from tests.factories import BusinessEntityFactory

pytestmark = pytest.mark.django_db

MALFORMED = ["abc", "99999999999999999999", "' OR 1=1 --"]


@pytest.fixture
def admin_client(client, login, operator_admin, instance):
    BusinessEntityFactory(instance=instance)  # so that every entity-related page has a row to change
    login(operator_admin)
    client.raise_request_exception = False
    return client


def registered():
    for model, model_admin in admin.site._registry.items():
        info = model._meta.app_label, model._meta.model_name
        try:
            yield model, model_admin, reverse("admin:{}_{}_changelist".format(*info)), info
        except NoReverseMatch:
            continue


def changelist_queries(model):
    queries = [{name: value} for name in ("o", "p", "q", "e") for value in MALFORMED]
    for field in model._meta.concrete_fields:
        queries += [{f"{field.name}__exact": value} for value in MALFORMED[:2]]
        if field.is_relation:
            queries += [{f"{field.name}__id__exact": value} for value in MALFORMED[:2]]
    return queries


def test_every_changelist_answers_malformed_filters_and_orderings_without_a_server_error(admin_client):
    failures = []
    for model, _model_admin, changelist, _info in registered():
        for query in changelist_queries(model):
            response = admin_client.get(changelist, query)
            if response.status_code >= 500:
                failures.append((changelist, query, response.status_code))

    assert failures == []


def test_every_admin_form_answers_malformed_values_without_a_server_error(admin_client):
    failures = []
    for model, _model_admin, _changelist, info in registered():
        pages = [reverse("admin:{}_{}_add".format(*info))]
        stored = model._default_manager.first()
        if stored is not None:
            pages.append(reverse("admin:{}_{}_change".format(*info), args=[stored.pk]))
        for page in pages:
            shown = admin_client.get(page)
            if shown.status_code >= 500:
                failures.append((page, "GET", shown.status_code))
            if shown.status_code != 200 or shown.context is None or "adminform" not in shown.context:
                continue
            form = shown.context["adminform"].form
            filled = {name: form[name].value() for name in form.fields if form[name].value() not in (None, "")}
            # Free text takes any text; ids, numbers, dates and choices are where a value can be malformed.
            for name in [name for name, field in form.fields.items() if not isinstance(field, forms.CharField)]:
                for value in MALFORMED[:2]:
                    response = admin_client.post(page, {**filled, name: value})
                    if response.status_code >= 500:
                        failures.append((page, name, value, response.status_code))

    assert failures == []
