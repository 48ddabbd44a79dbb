"""The plan pages over HTTP: who reaches them, what a CAD plan provider sees and uploads, who downloads."""

import re

import pytest
from django.urls import reverse

from plans.models import PlanFile, plan_storage
from plans.services import plan_file_upload, plans_request, plans_request_clear
from tests.factories import BusinessEntityFactory, grant_entity_role
from tests.support.plan_files import pdf

pytestmark = pytest.mark.django_db


def url(instance, name="plan-list", **kwargs):
    return reverse(f"plans:{name}", kwargs={"instance_slug": instance.slug, **kwargs})


def entity_urls(instance, entity, plan_file):
    """Every plan URL of one entity: (method, url)."""
    return [
        ("get", url(instance, "plan-entity", pk=entity.pk)),
        ("post", url(instance, "plan-upload", pk=entity.pk)),
        ("post", url(instance, "plan-request", pk=entity.pk)),
        ("post", url(instance, "plan-clear", pk=entity.pk)),
        ("get", url(instance, "plan-download", pk=entity.pk, file_pk=plan_file.pk)),
    ]


def listed(response, table: str) -> list[int]:
    """The entity ids a table of the plans list shows, in order."""
    html = response.content.decode()
    section = html.split(f'data-testid="{table}"', 1)[1].split("</table>", 1)[0]
    return [int(pk) for pk in re.findall(r'data-entity="(\d+)"', section)]


def downloaded(response) -> bytes:
    return b"".join(response.streaming_content)


# --- who reaches the pages ---------------------------------------------------------------------


def test_anonymous_users_are_sent_to_login(client, instance, new_building, upload):
    for method, page in [("get", url(instance)), *entity_urls(instance, new_building, upload)]:
        response = getattr(client, method)(page)
        assert response.status_code == 302, page
        assert response["Location"].startswith(reverse("accounts:login")), page


def test_a_user_without_a_role_on_the_entity_gets_404_everywhere(
    client, login, stranger, instance, new_building, upload
):
    login(stranger)

    assert client.get(url(instance)).status_code == 404
    for method, page in entity_urls(instance, new_building, upload):
        assert getattr(client, method)(page).status_code == 404, page
    assert PlanFile.objects.count() == 1


def test_a_user_of_another_cockpit_gets_404_everywhere_here(
    client, login, foreign_user, instance, new_building, upload
):
    login(foreign_user)

    assert client.get(url(instance)).status_code == 404
    for method, page in entity_urls(instance, new_building, upload):
        assert getattr(client, method)(page).status_code == 404, page


def test_an_entity_of_this_cockpit_answers_404_under_another_cockpits_address(
    client, login, foreign_user, other_instance, new_building, upload
):
    login(foreign_user)

    for method, page in entity_urls(other_instance, new_building, upload):
        assert getattr(client, method)(page).status_code == 404, page


# --- the list ----------------------------------------------------------------------------------


def test_the_list_shows_a_cad_plan_provider_only_the_entities_awaiting_their_plans(
    client, login, cad_provider, instance, new_building, other_new_building
):
    cleared = BusinessEntityFactory(instance=instance, name="Neubau Cleared 04")
    grant_entity_role(cad_provider, cleared, "cad-plan-provider")
    plans_request(actor=None, entity=cleared)
    plans_request_clear(actor=None, entity=cleared)
    login(cad_provider)

    response = client.get(url(instance))

    assert response.status_code == 200
    assert listed(response, "plan-uploads") == [new_building.pk]
    assert 'data-testid="plan-requests"' not in response.content.decode()


def test_the_list_shows_a_cad_plan_provider_no_address(client, login, cad_provider, instance, new_building):
    login(cad_provider)

    content = client.get(url(instance)).content.decode()

    assert new_building.name in content
    assert new_building.address not in content


def test_the_list_shows_a_manager_the_requests_they_may_clear(
    client, login, manager, instance, new_building, other_new_building
):
    login(manager)

    response = client.get(url(instance))

    assert listed(response, "plan-uploads") == []
    assert listed(response, "plan-requests") == [new_building.pk, other_new_building.pk]


def test_a_managers_search_finds_only_entities_whose_plans_they_manage(
    client, login, manager, customer_company, instance, old_building
):
    viewed_only = BusinessEntityFactory(instance=instance, name="Altbau Viewed 05")
    grant_entity_role(manager, viewed_only, "customer")
    login(manager)

    content = client.get(url(instance), {"q": "Altbau"}).content.decode()

    assert url(instance, "plan-entity", pk=old_building.pk) in content
    assert url(instance, "plan-entity", pk=viewed_only.pk) not in content


def test_a_cad_plan_provider_is_offered_no_search(client, login, cad_provider, instance, old_building):
    login(cad_provider)

    content = client.get(url(instance), {"q": "Altbau"}).content.decode()

    assert 'data-testid="plan-search-results"' not in content


@pytest.mark.parametrize(("who", "role_code"), [("manager", "projectmanager"), ("operator_admin", None)])
def test_the_list_of_a_manager_makes_as_many_queries_for_four_more_awaiting_entities(
    client, login, count_queries, instance, new_building, request, who, role_code
):
    user = request.getfixturevalue(who)
    login(user)
    page = url(instance)
    client.get(page)
    before = len(listed(client.get(page), "plan-requests"))
    queries = count_queries(lambda: client.get(page))
    for number in range(4):
        entity = BusinessEntityFactory(instance=instance, name=f"Neubau More {number}")
        if role_code:
            grant_entity_role(user, entity, role_code)
        plans_request(actor=None, entity=entity)

    assert len(listed(client.get(page), "plan-requests")) == before + 4
    assert count_queries(lambda: client.get(page)) == queries


def test_the_list_for_a_cad_plan_provider_makes_the_same_queries_for_one_and_five_entities(
    client, login, count_queries, cad_provider, instance, new_building
):
    login(cad_provider)
    page = url(instance)
    client.get(page)
    one = count_queries(lambda: client.get(page))
    for number in range(4):
        entity = BusinessEntityFactory(instance=instance, name=f"Neubau More {number}")
        grant_entity_role(cad_provider, entity, "cad-plan-provider")
        plans_request(actor=None, entity=entity)

    five = count_queries(lambda: client.get(page))

    assert len(listed(client.get(page), "plan-uploads")) == 5
    assert five == one


# --- an entity's plan page ---------------------------------------------------------------------


def test_a_cad_plan_provider_sees_only_their_own_uploads(
    client, login, cad_provider, second_cad_provider, instance, new_building, upload
):
    plan_file_upload(actor=second_cad_provider, entity=new_building, upload=pdf("fremd.pdf"))
    login(cad_provider)

    content = client.get(url(instance, "plan-entity", pk=new_building.pk)).content.decode()

    assert "grundriss.pdf" in content
    assert "fremd.pdf" not in content
    assert url(instance, "plan-download", pk=new_building.pk, file_pk=upload.pk) not in content


def test_a_cad_plan_provider_sees_no_entity_data_and_no_entity_tabs(
    client, login, cad_provider, instance, new_building
):
    login(cad_provider)

    content = client.get(url(instance, "plan-entity", pk=new_building.pk)).content.decode()

    assert new_building.name in content
    assert new_building.address not in content
    for company in (new_building.owner, new_building.service_provider, new_building.customer):
        assert company.name not in content
    assert 'class="tabs"' not in content
    assert (
        reverse("entities:entity-detail", kwargs={"instance_slug": instance.slug, "pk": new_building.pk}) not in content
    )
    assert 'data-testid="plan-request"' not in content
    assert 'data-testid="plan-clear"' not in content


def test_a_cad_plan_provider_gets_404_once_the_request_is_cleared(client, login, cad_provider, instance, new_building):
    plans_request_clear(actor=None, entity=new_building)
    login(cad_provider)

    assert client.get(url(instance, "plan-entity", pk=new_building.pk)).status_code == 404


def test_a_master_data_viewer_sees_every_plan_file_and_its_download(
    client, login, customer, second_cad_provider, instance, new_building, upload
):
    plan_file_upload(actor=second_cad_provider, entity=new_building, upload=pdf("fremd.pdf"))
    login(customer)

    content = client.get(url(instance, "plan-entity", pk=new_building.pk)).content.decode()

    assert "grundriss.pdf" in content
    assert "fremd.pdf" in content
    assert url(instance, "plan-download", pk=new_building.pk, file_pk=upload.pk) in content
    assert 'name="file"' not in content  # no upload form


def test_a_customer_without_master_data_gets_404_on_the_plan_page(
    client, login, analytics_customer, instance, new_building
):
    login(analytics_customer)

    assert client.get(url(instance, "plan-entity", pk=new_building.pk)).status_code == 404


# --- upload ------------------------------------------------------------------------------------


def test_a_cad_plan_provider_uploads_a_plan(client, login, cad_provider, instance, new_building, stored_files):
    login(cad_provider)

    response = client.post(url(instance, "plan-upload", pk=new_building.pk), {"file": pdf("grundriss-eg.pdf")})

    assert response.status_code == 302
    assert response["Location"] == url(instance, "plan-entity", pk=new_building.pk)
    plan_file = PlanFile.objects.get()
    assert (plan_file.entity, plan_file.uploaded_by, plan_file.original_name) == (
        new_building,
        cad_provider,
        "grundriss-eg.pdf",
    )
    assert stored_files() == [plan_file.stored_name]


def test_a_forged_upload_by_a_customer_gets_404_and_stores_nothing(
    client, login, customer, instance, new_building, stored_files
):
    login(customer)

    response = client.post(url(instance, "plan-upload", pk=new_building.pk), {"file": pdf()})

    assert response.status_code == 404
    assert not PlanFile.objects.exists()
    assert stored_files() == []


def test_a_fake_pdf_is_refused_with_the_reason_on_the_form(
    client, login, cad_provider, instance, new_building, stored_files
):
    login(cad_provider)

    response = client.post(
        url(instance, "plan-upload", pk=new_building.pk), {"file": pdf("grundriss.pdf", b"MZ not a pdf")}
    )

    assert response.status_code == 400
    content = response.content.decode()
    assert "“grundriss.pdf” is not a PDF file: its content does not match its .pdf name." in content
    assert "The file was not uploaded; nothing was stored." in content
    assert not PlanFile.objects.exists()
    assert stored_files() == []


def test_an_oversized_file_is_refused_on_the_form(client, login, settings, cad_provider, instance, new_building):
    settings.PLAN_UPLOAD_MAX_BYTES = 100
    login(cad_provider)

    response = client.post(url(instance, "plan-upload", pk=new_building.pk), {"file": pdf()})

    assert response.status_code == 400
    assert "larger than the limit" in response.content.decode()
    assert not PlanFile.objects.exists()


def test_an_upload_after_the_request_was_cleared_is_refused(client, login, operator_admin, instance, new_building):
    login(operator_admin)
    plans_request_clear(actor=None, entity=new_building)

    response = client.post(url(instance, "plan-upload", pk=new_building.pk), {"file": pdf()})

    assert response.status_code == 400
    assert "does not await plans" in response.content.decode()
    assert not PlanFile.objects.exists()


# --- request and clear -------------------------------------------------------------------------


def test_a_manager_requests_plans_from_the_entitys_plan_page(client, login, manager, instance, old_building):
    login(manager)

    response = client.post(url(instance, "plan-request", pk=old_building.pk))

    assert response.status_code == 302
    assert old_building.plan_status.awaiting_plans


def test_a_manager_clears_a_request_from_the_list(client, login, manager, instance, new_building):
    login(manager)

    response = client.post(url(instance, "plan-clear", pk=new_building.pk), {"back": "list"})

    assert response["Location"] == url(instance)
    new_building.plan_status.refresh_from_db()
    assert not new_building.plan_status.awaiting_plans


def test_a_forged_clear_by_a_cad_plan_provider_gets_404(client, login, cad_provider, instance, new_building):
    login(cad_provider)

    assert client.post(url(instance, "plan-clear", pk=new_building.pk)).status_code == 404
    new_building.plan_status.refresh_from_db()
    assert new_building.plan_status.awaiting_plans


def test_a_forged_request_by_a_customer_gets_404(client, login, customer, instance, new_building):
    plans_request_clear(actor=None, entity=new_building)
    login(customer)

    assert client.post(url(instance, "plan-request", pk=new_building.pk)).status_code == 404
    new_building.plan_status.refresh_from_db()
    assert not new_building.plan_status.awaiting_plans


# --- download ----------------------------------------------------------------------------------


def test_a_master_data_viewer_downloads_the_file_as_a_private_attachment(
    client, login, customer, instance, new_building, upload
):
    login(customer)

    response = client.get(url(instance, "plan-download", pk=new_building.pk, file_pk=upload.pk))

    assert response.status_code == 200
    with plan_storage().open(upload.stored_name, "rb") as stored:
        assert downloaded(response) == stored.read()
    assert response["Content-Disposition"] == 'attachment; filename="grundriss.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"


def test_a_plan_file_whose_bytes_are_gone_answers_404_and_is_logged(
    client, login, customer, instance, new_building, upload, caplog
):
    plan_storage().delete(upload.stored_name)
    login(customer)

    response = client.get(url(instance, "plan-download", pk=new_building.pk, file_pk=upload.pk))

    assert response.status_code == 404
    assert "missing from the plans storage" in caplog.text


@pytest.mark.parametrize("who", ["cad_provider", "analytics_customer", "stranger"])
def test_a_user_who_may_not_view_master_data_gets_404_on_download(
    client, login, instance, new_building, upload, request, who
):
    login(request.getfixturevalue(who))

    assert client.get(url(instance, "plan-download", pk=new_building.pk, file_pk=upload.pk)).status_code == 404


def test_a_file_of_another_entity_gets_404(client, login, manager, instance, other_new_building, upload):
    login(manager)  # views both entities' master data

    assert client.get(url(instance, "plan-download", pk=other_new_building.pk, file_pk=upload.pk)).status_code == 404


def test_a_download_is_refused_once_the_role_is_gone(client, login, customer, instance, new_building, upload):
    login(customer)
    page = url(instance, "plan-download", pk=new_building.pk, file_pk=upload.pk)
    assert client.get(page).status_code == 200

    customer.entitygrant_set.all().delete()

    assert client.get(page).status_code == 404
