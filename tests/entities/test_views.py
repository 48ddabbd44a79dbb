"""Business entity pages: every URL for anonymous users, other cockpits, invisible entities, view and edit roles."""

import pytest
from django.urls import reverse

from entities.models import ChatMessage, Level, QualityFeedback, SectionSettings
from entities.services import business_entity_create, grant_delete
from tests.factories import BusinessEntityFactory, CompanyFactory, UserFactory, grant_company_role, grant_entity_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def companies(instance):
    return {name: CompanyFactory(instance=instance, name=name) for name in ("Owner A", "Provider B", "Customer C")}


@pytest.fixture
def building(instance, companies):
    return BusinessEntityFactory(
        instance=instance,
        name="Klinik Nord",
        owner=companies["Owner A"],
        service_provider=companies["Provider B"],
        customer=companies["Customer C"],
    )


def user_with(company_role: str, companies, level=Level.OWNER, company="Owner A", **fields):
    user = UserFactory(company=companies[company], **fields)
    grant_company_role(user, level, companies[company], company_role)
    return user


def url(name, entity, section=None):
    kwargs = {"instance_slug": entity.instance.slug, "pk": entity.pk}
    if section:
        kwargs["section"] = section
    return reverse(f"entities:{name}", kwargs=kwargs)


def entity_urls(entity):
    return [
        url("entity-detail", entity),
        url("entity-section", entity, "master_data"),
    ]


def test_entity_pages_send_anonymous_users_to_login(client, building):
    for address in [reverse("entities:entity-list", args=[building.instance.slug]), *entity_urls(building)]:
        response = client.get(address)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], address
    response = client.post(url("entity-section-edit", building, "master_data"), {"name": "Hacked"})
    assert response.status_code == 302
    building.refresh_from_db()
    assert building.name == "Klinik Nord"


def test_entity_pages_of_another_cockpit_answer_404(client, login, building, other_instance):
    outsider = UserFactory(company=CompanyFactory(instance=other_instance))
    login(outsider)

    for address in entity_urls(building):
        assert client.get(address).status_code == 404, address
    assert client.post(url("entity-section-edit", building, "master_data"), {"name": "X"}).status_code == 404


def test_invisible_entity_answers_404_at_every_url(client, login, building, instance):
    stranger = UserFactory(company=CompanyFactory(instance=instance))
    grant_company_role(stranger, Level.CUSTOMER, CompanyFactory(instance=instance), "customer")
    login(stranger)

    for address in entity_urls(building):
        assert client.get(address).status_code == 404, address
    response = client.post(url("entity-section-edit", building, "master_data"), {"name": "Hacked"})
    assert response.status_code == 404
    building.refresh_from_db()
    assert building.name == "Klinik Nord"


def test_entity_of_another_instance_under_own_cockpit_slug_answers_404(client, login, companies, other_instance):
    manager = user_with("manager", companies)
    foreign = BusinessEntityFactory(instance=other_instance)
    login(manager)

    address = reverse("entities:entity-detail", kwargs={"instance_slug": "alpine", "pk": foreign.pk})
    assert client.get(address).status_code == 404


def test_view_only_role_sees_data_read_only(client, login, companies, building):
    login(user_with("manager", companies))

    response = client.get(url("entity-section", building, "master_data"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Read only" in html and "Klinik Nord" in html
    assert '<form method="post" action="' + url("entity-section-edit", building, "master_data") not in html


def test_view_only_role_post_to_edit_answers_403_and_changes_nothing(client, login, companies, building):
    login(user_with("manager", companies))

    response = client.post(url("entity-section-edit", building, "features"), {"document_manager": "on"})

    assert response.status_code == 403
    assert not SectionSettings.objects.exists()


def test_edit_role_saves_a_settings_section(client, login, companies, building):
    login(user_with("projectmanager", companies))

    response = client.post(
        url("entity-section-edit", building, "route_planning"),
        {"tours_per_day": "3", "max_tour_minutes": "240", "start_location": "Haupteingang"},
    )

    assert response.status_code == 302
    assert SectionSettings.objects.get(entity=building, section="route_planning").data == {
        "tours_per_day": 3,
        "max_tour_minutes": 240,
        "start_location": "Haupteingang",
    }
    page = client.get(url("entity-section", building, "route_planning")).content.decode()
    assert "Haupteingang" in page


def test_edit_role_saves_master_data(client, login, companies, building):
    login(user_with("projectmanager", companies))

    client.post(url("entity-section-edit", building, "master_data"), {"name": "Klinik Süd", "address": "Weg 1"})

    building.refresh_from_db()
    assert (building.name, building.address) == ("Klinik Süd", "Weg 1")


def test_invalid_section_input_is_refused_with_a_message_and_saves_nothing(client, login, companies, building):
    login(user_with("projectmanager", companies))

    response = client.post(url("entity-section-edit", building, "route_planning"), {"tours_per_day": "99"})

    assert response.status_code == 400
    assert "Ensure this value is less than or equal to 20." in response.content.decode()
    assert not SectionSettings.objects.exists()


def test_provider_project_manager_edits_route_planning_but_only_views_cleaning_categories(
    client, login, companies, building
):
    login(user_with("provider-project-manager", companies, level=Level.SERVICE_PROVIDER, company="Provider B"))

    saved = client.post(
        url("entity-section-edit", building, "route_planning"), {"tours_per_day": "2", "max_tour_minutes": "120"}
    )
    refused = client.post(url("entity-section-edit", building, "cleaning_categories"), {"window_cleaning": "on"})

    assert saved.status_code == 302
    assert refused.status_code == 403
    assert not SectionSettings.objects.filter(section="cleaning_categories").exists()


def test_section_the_role_cannot_view_answers_404(client, login, companies, building):
    login(user_with("owner-project-manager", companies))

    assert client.get(url("entity-section", building, "performance_figures")).status_code == 404
    assert client.get(url("entity-section", building, "cleaning_process")).status_code == 200


def test_detail_opens_the_first_tab_the_role_may_see(client, login, companies, building):
    login(user_with("customer-analytics-only", companies, level=Level.CUSTOMER, company="Customer C"))

    response = client.get(url("entity-detail", building))

    assert response["Location"] == url("entity-section", building, "analytics")


def test_detail_opens_the_first_tab_the_role_may_edit_before_tabs_it_only_views(client, login, companies, building):
    # Quality feedback users view master data, the first tab, and edit quality control.
    reviewer = UserFactory(company=companies["Customer C"])
    grant_entity_role(reviewer, building, "quality-feedback-users")
    login(reviewer)

    response = client.get(url("entity-detail", building))

    assert response["Location"] == url("entity-section", building, "quality_control")


def test_detail_of_a_view_only_role_opens_the_first_tab_in_tab_order(client, login, companies, building):
    login(user_with("manager", companies))

    response = client.get(url("entity-detail", building))

    assert response["Location"] == url("entity-section", building, "master_data")


def test_detail_for_a_role_without_a_tab_returns_to_the_list_with_a_message(
    client, login, instance, companies, building
):
    from entities.models import Access, Capability

    inventory = UserFactory(company=companies["Provider B"])
    # The customer role opens the entity pages; on the building, a role whose every tab an operator closed decides.
    grant_company_role(inventory, Level.CUSTOMER, building.customer, "customer")
    grant_entity_role(inventory, building, "customer-analytics-only")
    Capability.objects.filter(role__code="customer-analytics-only").update(access=Access.NONE)
    login(inventory)

    response = client.get(url("entity-detail", building), follow=True)

    assert response.redirect_chain == [(list_url(instance), 302)]
    assert "Your role gives no tab on this business entity." in response.content.decode()


def test_quality_feedback_user_adds_feedback(client, login, instance, building):
    user = UserFactory(company=CompanyFactory(instance=instance))
    grant_entity_role(user, building, "quality-feedback-users")
    login(user)

    client.post(url("entity-section-edit", building, "quality_control"), {"score": "4", "comment": "Sauber"})

    feedback = QualityFeedback.objects.get()
    assert (feedback.entity, feedback.score, feedback.created_by) == (building, 4, user)


def test_chat_shows_only_with_chat_switched_on_and_a_role_that_allows_it(client, login, companies, building):
    silent = user_with("projectmanager", companies)
    login(silent)
    assert client.get(url("entity-section", building, "chat")).status_code == 404

    chatty = user_with(
        "projectmanager", companies, level=Level.SERVICE_PROVIDER, company="Provider B", chat_enabled=True
    )
    login(chatty)
    client.post(url("entity-section-edit", building, "chat"), {"body": "Eingang bitte am Freitag"})
    assert ChatMessage.objects.get().author == chatty
    assert "Eingang bitte am Freitag" in client.get(url("entity-section", building, "chat")).content.decode()

    no_chat_role = user_with("manager", companies, level=Level.CUSTOMER, company="Customer C", chat_enabled=True)
    login(no_chat_role)
    assert client.get(url("entity-section", building, "master_data")).status_code == 200
    assert client.get(url("entity-section", building, "chat")).status_code == 404


def test_revoked_grant_closes_the_entity_on_the_next_request(client, login, companies, building):
    manager = UserFactory(company=companies["Owner A"])
    grant = grant_company_role(manager, Level.OWNER, companies["Owner A"], "manager")
    login(manager)
    assert client.get(url("entity-section", building, "master_data")).status_code == 200

    grant_delete(actor=None, grant=grant)

    assert client.get(url("entity-section", building, "master_data")).status_code == 404


def list_url(instance, **params):
    from urllib.parse import urlencode

    return reverse("entities:entity-list", args=[instance.slug]) + ("?" + urlencode(params) if params else "")


def test_list_shows_visible_entities_with_the_deciding_role_and_total(client, login, instance, companies, building):
    BusinessEntityFactory(instance=instance, name="Invisible")
    login(user_with("manager", companies))

    response = client.get(list_url(instance))

    html = response.content.decode()
    assert "Klinik Nord" in html and "Invisible" not in html
    assert "Manager" in html
    assert "1 business entity" in html


def test_list_searches_name_and_address_and_filters_by_company(client, login, instance, companies, building):
    other_provider = CompanyFactory(instance=instance, name="Provider D")
    BusinessEntityFactory(
        instance=instance,
        name="Schulhaus",
        address="Bahnhofstrasse 5",
        owner=companies["Owner A"],
        service_provider=other_provider,
        customer=companies["Customer C"],
    )
    login(user_with("manager", companies))

    by_address = client.get(list_url(instance, q="bahnhof")).context["rows"]
    by_provider = client.get(list_url(instance, service_provider=companies["Provider B"].pk)).context["rows"]

    assert [entity.name for entity, _, _ in by_address] == ["Schulhaus"]
    assert [entity.name for entity, _, _ in by_provider] == ["Klinik Nord"]


def test_list_ignores_a_malformed_filter_with_a_message(client, login, instance, companies, building):
    login(user_with("manager", companies))

    response = client.get(list_url(instance, owner="not-a-number"))

    assert response.status_code == 200
    assert "A filter was not understood" in response.content.decode()


def test_list_pages_fifty_rows(client, login, instance, companies):
    BusinessEntityFactory.create_batch(
        55,
        instance=instance,
        owner=companies["Owner A"],
        service_provider=companies["Provider B"],
        customer=companies["Customer C"],
    )
    login(user_with("manager", companies))

    first = client.get(list_url(instance))
    second = client.get(list_url(instance, page=2))

    assert len(first.context["rows"]) == 50 and len(second.context["rows"]) == 5
    assert "55 business entities" in first.content.decode()


def test_list_links_the_next_and_previous_pages_keeping_the_filters(client, login, instance, companies):
    BusinessEntityFactory.create_batch(
        55,
        instance=instance,
        name="Haus",
        owner=companies["Owner A"],
        service_provider=companies["Provider B"],
        customer=companies["Customer C"],
    )
    login(user_with("manager", companies))

    first = client.get(list_url(instance, q="haus")).content.decode()
    second = client.get(list_url(instance, q="haus", page=2)).content.decode()

    assert "Page 1 of 2" in first and 'href="?q=haus&amp;page=2"' in first
    assert "Page 2 of 2" in second and 'href="?q=haus&amp;page=1"' in second


def test_the_entity_list_says_when_a_page_is_past_its_end(client, login, projectmanager_a, owner_a, instance):
    for _ in range(3):
        BusinessEntityFactory(instance=instance, owner=owner_a)
    login(projectmanager_a)

    response = client.get(reverse("entities:entity-list", kwargs={"instance_slug": instance.slug}), {"page": "7"})

    assert response.context["page"].number == 1
    assert "There is no such page; this is the last one, page 1." in response.content.decode()


def test_the_entity_list_shows_numbered_pages(client, login, projectmanager_a, owner_a, instance, monkeypatch):
    monkeypatch.setattr("entities.selectors.LIST_PAGE_SIZE", 2)
    for _ in range(9):
        BusinessEntityFactory(instance=instance, owner=owner_a)
    login(projectmanager_a)

    page = client.get(reverse("entities:entity-list", kwargs={"instance_slug": instance.slug}), {"page": "3"})

    text = page.content.decode()
    assert "9 business entities" in text
    assert 'aria-current="page">3</span>' in text
    assert all(f'href="?page={number}"' in text for number in (1, 2, 4, 5))


def test_list_makes_as_many_queries_for_fifty_rows_as_for_five(client, login, instance, companies, count_queries):
    login(user_with("manager", companies))
    make = dict(owner=companies["Owner A"], service_provider=companies["Provider B"], customer=companies["Customer C"])
    BusinessEntityFactory.create_batch(5, instance=instance, **make)
    five = count_queries(lambda: client.get(list_url(instance)))
    BusinessEntityFactory.create_batch(45, instance=instance, **make)

    assert count_queries(lambda: client.get(list_url(instance))) == five


def test_list_with_a_filter_makes_as_many_queries_however_many_entities_and_companies_its_filters_offer(
    client, login, instance, companies, building, count_queries
):
    login(user_with("customer", companies, level=Level.CUSTOMER, company="Customer C"))
    address = list_url(instance, owner=companies["Owner A"].pk)

    def entities_of_new_owners_and_providers(count):
        for n in range(count):
            # Through the service, as the admin creates them: the cockpit's access version moves on.
            business_entity_create(
                actor=None,
                instance=instance,
                name=f"Halle {n}",
                owner=CompanyFactory(instance=instance),
                service_provider=CompanyFactory(instance=instance),
                customer=companies["Customer C"],
            )

    entities_of_new_owners_and_providers(2)
    client.get(address)  # the session is cached from here on
    few = count_queries(lambda: client.get(address))
    entities_of_new_owners_and_providers(40)

    assert count_queries(lambda: client.get(address)) == few
    response = client.get(address)  # the filters from the cache, as the next request reads them
    assert len(response.context["form"].offered["owner"]) == 1 + 42  # Owner A, the new ones


def test_list_escapes_names_and_addresses(client, login, instance, companies):
    companies["Owner A"].name = "<b>Owner</b> & Co"
    companies["Owner A"].save()
    BusinessEntityFactory(
        instance=instance,
        name="<script>alert(1)</script>",
        address='"Quote" street',
        owner=companies["Owner A"],
        service_provider=companies["Provider B"],
        customer=companies["Customer C"],
    )
    login(user_with("manager", companies))

    html = client.get(list_url(instance)).content.decode()

    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>Owner</b>" not in html and "&lt;b&gt;Owner&lt;/b&gt; &amp; Co" in html
    assert "&quot;Quote&quot; street" in html


def test_section_page_makes_as_many_queries_with_many_entries_as_with_few(
    client, login, instance, companies, building, count_queries
):
    login(user_with("projectmanager", companies, chat_enabled=True))
    for section in ("quality_control", "chat", "master_data"):
        address = url("entity-section", building, section)
        few = count_queries(lambda address=address: client.get(address))
        for n in range(15):
            QualityFeedback.objects.create(
                entity=building, score=4, created_by=UserFactory(company=companies["Owner A"])
            )
            ChatMessage.objects.create(entity=building, body=f"m{n}", author=UserFactory(company=companies["Owner A"]))
        assert count_queries(lambda address=address: client.get(address)) == few, section


def test_list_filter_does_not_reveal_names_of_companies_the_user_does_not_see(client, login, instance, companies):
    secret = CompanyFactory(instance=instance, name="Secret Holding AG")
    login(user_with("manager", companies))

    response = client.get(list_url(instance, owner=secret.pk))

    assert response.status_code == 200
    assert "Secret Holding AG" not in response.content.decode()


@pytest.mark.parametrize("params", [{"page": "²"}, {"page": "9" * 40}, {"q": "a\x00b"}, {"owner": "²"}])
def test_list_survives_malformed_parameters(client, login, instance, companies, building, params):
    login(user_with("manager", companies))

    assert client.get(list_url(instance, **params)).status_code == 200


def test_company_filters_mark_the_chosen_company_and_escape_every_name(client, login, instance, companies, building):
    user = user_with("projectmanager", companies)
    companies["Owner A"].name = 'Owner <b>"A"</b> & Co'
    companies["Owner A"].save()
    login(user)

    page = client.get(list_url(instance), {"owner": companies["Owner A"].pk}).content.decode()

    assert (
        f'<option value="{companies["Owner A"].pk}" selected>Owner &lt;b&gt;&quot;A&quot;&lt;/b&gt; &amp; Co</option>'
        in page
    )
    assert "<b>" not in page.split('name="owner"')[1].split("</select>")[0]


def test_a_chosen_company_on_no_visible_entity_is_selected_without_its_name(
    client, login, instance, companies, building
):
    unseen = CompanyFactory(instance=instance, name="Unseen Customer AG")
    login(user_with("projectmanager", companies))

    page = client.get(list_url(instance), {"customer": unseen.pk}).content.decode()
    customers = page.split('name="customer"')[1].split("</select>")[0]

    assert f'<option value="{unseen.pk}" selected>Chosen company</option>' in customers
    assert "Unseen Customer AG" not in page


def test_the_entity_page_shows_its_three_companies_and_project_form(client, login, instance):
    from entities.models import Level, ProjectForm
    from tests.factories import BusinessEntityFactory, CompanyFactory, UserFactory, grant_company_role

    owner, provider, customer = (
        CompanyFactory(instance=instance, name=n) for n in ("Eigner AG", "Putz GmbH", "Kunde SA")
    )
    entity = BusinessEntityFactory(
        instance=instance, owner=owner, service_provider=provider, customer=customer, project_form=ProjectForm.EASY
    )
    reader = UserFactory(company=customer)
    grant_company_role(reader, Level.CUSTOMER, customer, "customer")
    login(reader)

    page = client.get(f"/c/{instance.slug}/entities/{entity.pk}/", follow=True).content.decode()

    facts = page.split('data-testid="entity-facts"', 1)[1].split("</dl>", 1)[0]
    for text in ("Eigner AG", "Putz GmbH", "Kunde SA", entity.get_project_form_display()):
        assert text in facts
