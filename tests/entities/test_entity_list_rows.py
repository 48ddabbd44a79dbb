"""The entity list's rows: every cell with its column's label (a phone's stacked cards), every link, the Easy badge."""

import re

import pytest
from django.template import Context, Template
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from entities.access import EntityRow, NamedRef
from entities.models import Level, ProjectForm
from tests.factories import BusinessEntityFactory, CompanyFactory, UserFactory, grant_company_role

LIST_URL = "/c/alpine/entities/"


def row(pk=7, *, name="Klinik Nord", address="Bahnhofstrasse 5", project_form=ProjectForm.STANDARD, role="Manager"):
    owner, provider, customer = NamedRef(11, "Owner A"), NamedRef(12, "Provider B"), NamedRef(13, "Customer C")
    entity = EntityRow(
        pk=pk,
        instance_id=1,
        name=name,
        address=address,
        project_form=project_form,
        owner_id=owner.pk,
        service_provider_id=provider.pk,
        customer_id=customer.pk,
        is_operator_entity=False,
        owner=owner,
        service_provider=provider,
        customer=customer,
    )
    return entity, NamedRef(3, role), Level.OWNER


def rendered(rows) -> str:
    """The rows as the list template renders them, without the line breaks between cells and rows."""
    html = Template("{% load entity_list %}{% entity_rows rows list_url %}").render(
        Context({"rows": rows, "list_url": LIST_URL})
    )
    # Only around <tr> and <td>: the space before the Easy badge is part of the cell.
    return re.sub(r">\s+<(?=/?t[rd][\s>])", "><", html.strip())


def expected_row(pk=7, *, easy="", labels=("Name", "Owner", "Service provider", "Customer", "Your role")) -> str:
    name, owner, provider, customer, role = labels
    return (
        f'<tr><td data-label="{name}"><a href="{LIST_URL}{pk}/"><strong>Klinik Nord</strong></a><br>'
        f'<span class="muted small">Bahnhofstrasse 5</span>{easy}</td>'
        f'<td data-label="{owner}"><a class="quiet" href="?owner=11">Owner A</a></td>'
        f'<td data-label="{provider}"><a class="quiet" href="?service_provider=12">Provider B</a></td>'
        f'<td data-label="{customer}"><a class="quiet" href="?customer=13">Customer C</a></td>'
        f'<td data-label="{role}"><span class="badge brand">Manager</span></td></tr>'
    )


def test_a_row_has_every_cell_labelled_and_links_to_the_entity_and_to_each_company_filter():
    assert rendered([row()]) == expected_row()


def test_rows_come_in_the_page_order_and_only_easy_entities_carry_the_badge():
    html = rendered([row(7, project_form=ProjectForm.EASY), row(8)])

    assert html == expected_row(7, easy=' <span class="badge">Easy</span>') + expected_row(8)


def test_labels_and_badge_are_in_the_readers_language():
    with translation.override("de"):
        html = rendered([row(project_form=ProjectForm.EASY)])

    german = ("Name", "Eigentümer", "Dienstleister", "Kunde", "Ihre Rolle")
    assert html == expected_row(easy=f' <span class="badge">{translation.gettext("Easy")}</span>', labels=german)
    assert 'data-label="Eigentümer"' in html


def test_every_text_of_a_row_is_escaped():
    entity, role, level = row(name='<script>alert("x")</script>', address="O'Brien & Söhne", role="<i>Chef</i>")
    entity.owner = NamedRef(entity.owner_id, "<b>Owner</b> & Co")

    html = rendered([(entity, role, level)])

    assert "<script>" not in html and "<b>" not in html and "<i>" not in html
    assert "<strong>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</strong>" in html
    assert '<span class="muted small">O&#x27;Brien &amp; Söhne</span>' in html
    assert ">&lt;b&gt;Owner&lt;/b&gt; &amp; Co</a>" in html
    assert '<span class="badge brand">&lt;i&gt;Chef&lt;/i&gt;</span>' in html


@override_settings(USE_THOUSAND_SEPARATOR=True)
def test_ids_in_links_are_never_localized():
    entity, role, level = row(12345)
    entity.owner_id, entity.owner = 23456, NamedRef(23456, entity.owner.name)

    with translation.override("de"):
        html = rendered([(entity, role, level)])

    assert f'href="{LIST_URL}12345/"' in html and 'href="?owner=23456"' in html


@pytest.mark.django_db
def test_the_list_page_links_each_row_to_its_entity_and_its_companies_to_the_list_filtered_by_them(
    client, login, instance
):
    owner, provider, customer = (CompanyFactory(instance=instance, name=name) for name in ("Own", "Prov", "Cust"))
    entity = BusinessEntityFactory(
        instance=instance,
        name="Klinik Nord",
        owner=owner,
        service_provider=provider,
        customer=customer,
        project_form=ProjectForm.EASY,
    )
    BusinessEntityFactory(instance=instance, name="Schulhaus", owner=owner)
    user = UserFactory(company=owner)
    grant_company_role(user, Level.OWNER, owner, "manager")
    login(user)
    list_url = reverse("entities:entity-list", args=[instance.slug])

    html = client.get(list_url).content.decode()

    detail = reverse("entities:entity-detail", kwargs={"instance_slug": instance.slug, "pk": entity.pk})
    assert f'<a href="{detail}"><strong>Klinik Nord</strong></a>' in html
    assert '<span class="badge">Easy</span>' in html
    for column, company in (("owner", owner), ("service_provider", provider), ("customer", customer)):
        assert f'<a class="quiet" href="?{column}={company.pk}">{company.name}</a>' in html
        filtered = client.get(f"{list_url}?{column}={company.pk}").context["rows"]
        names = [row_entity.name for row_entity, _role, _level in filtered]
        assert names == (["Klinik Nord", "Schulhaus"] if column == "owner" else ["Klinik Nord"]), column
