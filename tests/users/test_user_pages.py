"""User Management's pages in the cockpit: who reaches them, whom a manager may create with which roles (no
escalation), editing, removing and reactivating a user, a tampered grant formset, the list, the invitation limit, and
explaining a user's access. The welcome email is tests/users/test_welcome_email.py's."""

import re

import pytest
from django.urls import reverse

from accounts.models import User
from entities.models import AuditLogEntry, CompanyGrant, EntityGrant, Level
from tests.factories import BusinessEntityFactory, UserFactory, grant_company_role, grant_entity_role
from tests.support.forms import create_form, role_id, user_page_form
from tests.support.urls import users_url

pytestmark = pytest.mark.django_db


# --- permissions of every view ---------------------------------------------------------------


def test_user_pages_send_anonymous_users_to_login(client, instance, colleague):
    for address in [
        users_url(instance),
        users_url(instance, "user-create"),
        users_url(instance, "entity-search"),
        users_url(instance, "user-edit", pk=colleague.pk),
        users_url(instance, "user-remove", pk=colleague.pk),
    ]:
        response = client.get(address)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], address
    assert client.post(users_url(instance, "user-remove", pk=colleague.pk)).status_code == 302
    assert User.objects.get(pk=colleague.pk).is_active


def test_a_customer_cannot_reach_user_management(client, login, instance, companies):
    customer = UserFactory(company=companies["C"])
    grant_company_role(customer, Level.CUSTOMER, companies["C"], "customer")
    login(customer)

    assert client.get(users_url(instance)).status_code == 403
    assert client.get(users_url(instance, "user-create")).status_code == 403
    assert client.post(users_url(instance, "user-create"), create_form(companies["C"])).status_code == 403
    assert client.get(users_url(instance, "entity-search") + "?q=Bu").status_code == 403
    assert not User.objects.filter(email="neu@owner-a.example").exists()


def test_user_pages_of_another_cockpit_answer_404(client, login, pm, other_instance):
    login(pm)

    assert client.get(users_url(other_instance)).status_code == 404


def test_manager_reaches_list_create_and_edit_within_reach(client, login, pm, colleague, instance):
    login(pm)

    listing = client.get(users_url(instance))
    assert listing.status_code == 200 and colleague.email in listing.content.decode()
    assert client.get(users_url(instance, "user-create")).status_code == 200
    assert client.get(users_url(instance, "user-edit", pk=colleague.pk)).status_code == 200


def test_users_outside_reach_answer_404_and_are_not_listed(client, login, pm, ppm, instance, operator_admin):
    login(pm)

    assert ppm.email not in client.get(users_url(instance)).content.decode()
    for target in (ppm, operator_admin, pm):
        assert client.get(users_url(instance, "user-edit", pk=target.pk)).status_code == 404, target
        assert client.post(users_url(instance, "user-remove", pk=target.pk)).status_code == 404, target
        assert client.post(users_url(instance, "user-resend-welcome", pk=target.pk)).status_code == 404, target
    assert User.objects.filter(pk__in=[ppm.pk, operator_admin.pk, pm.pk], is_active=True).count() == 3


# --- reach and no escalation -----------------------------------------------------------------


def test_projectmanager_cannot_grant_an_operator_role_even_with_a_forged_post(client, login, pm, instance, companies):
    login(pm)

    response = client.post(
        users_url(instance, "user-create"), create_form(companies["A"], grants=[(Level.OWNER, companies["A"], "admin")])
    )

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not User.objects.filter(email="neu@owner-a.example").exists()


def test_projectmanager_cannot_grant_on_a_company_where_they_hold_nothing(client, login, pm, instance, companies):
    login(pm)

    response = client.post(
        users_url(instance, "user-create"),
        create_form(companies["A"], grants=[(Level.OWNER, companies["X"], "manager")]),
    )

    assert response.status_code == 400
    assert not User.objects.filter(email="neu@owner-a.example").exists()


def test_manager_cannot_grant_a_level_where_they_hold_no_managing_role(client, login, pm, instance, companies):
    login(pm)

    response = client.post(
        users_url(instance, "user-create"),
        create_form(companies["A"], grants=[(Level.CUSTOMER, companies["A"], "customer")]),
    )

    # The level is not offered, so a forged one is refused as a choice (the service's own message is tested there).
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    assert not User.objects.filter(email="neu@owner-a.example").exists()


def test_manager_cannot_grant_a_role_with_more_rights_than_their_own(client, login, ppm, instance, companies):
    login(ppm)

    response = client.post(
        users_url(instance, "user-create"),
        create_form(companies["B"], grants=[(Level.SERVICE_PROVIDER, companies["B"], "projectmanager")]),
    )

    # The role is not offered, so a forged one is refused as a choice (the service's own message is tested there).
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    assert not User.objects.filter(email="neu@owner-a.example").exists()


def test_manager_cannot_create_a_user_of_a_company_outside_reach(client, login, pm, instance, companies):
    login(pm)

    response = client.post(users_url(instance, "user-create"), create_form(companies["X"]))

    assert response.status_code == 400
    assert not User.objects.filter(email="neu@owner-a.example").exists()


def test_manager_cannot_give_themselves_more_rights(client, login, pm, instance, companies):
    login(pm)

    response = client.post(
        users_url(instance, "user-edit", pk=pm.pk),
        create_form(companies["A"], email=pm.email, grants=[(Level.CUSTOMER, companies["C"], "projectmanager")]),
    )

    assert response.status_code == 404
    assert list(CompanyGrant.objects.filter(user=pm).values_list("level", flat=True)) == [Level.OWNER]


def test_show_all_entities_is_refused_for_anyone_but_operator_staff(client, login, pm, instance, companies):
    login(pm)

    form_page = client.get(users_url(instance, "user-create")).content.decode()
    client.post(
        users_url(instance, "user-create"),
        create_form(companies["A"], sees_all_entities="on", all_entities_role=role_id("admin")),
    )

    assert "sees_all_entities" not in form_page
    assert User.objects.get(email="neu@owner-a.example").sees_all_entities is False


def test_operator_staff_cannot_let_a_customer_see_all_entities(client, login, operator_admin, instance, companies):
    login(operator_admin)

    response = client.post(
        users_url(instance, "user-create"),
        create_form(companies["C"], sees_all_entities="on", all_entities_role=role_id("manager")),
    )

    assert response.status_code == 400
    assert "Only operator (soobr) employees may see all business entities" in response.content.decode()
    assert not User.objects.filter(email="neu@owner-a.example").exists()


def test_operator_staff_grant_show_all_with_two_factor_forced_on(
    client, login, operator_admin, instance, operator_company
):
    login(operator_admin)

    client.post(
        users_url(instance, "user-create"),
        create_form(
            operator_company,
            # Seed 003: only the operator's project managers see all; the role is given in the same form.
            grants=[(Level.OWNER, operator_company, "projectmanager")],
            email="pm@soobr.example",
            sees_all_entities="on",
            all_entities_role=role_id("projectmanager"),
        ),
    )

    created = User.objects.get(email="pm@soobr.example")
    assert created.sees_all_entities and created.otp_required


def test_show_all_without_a_project_manager_role_is_a_form_error_and_creates_no_one(
    client, login, operator_admin, instance, operator_company
):
    login(operator_admin)

    response = client.post(
        users_url(instance, "user-create"),
        create_form(
            operator_company,
            grants=[(Level.OWNER, operator_company, "manager")],
            email="pm@soobr.example",
            sees_all_entities="on",
            all_entities_role=role_id("projectmanager"),
        ),
    )

    assert response.status_code == 400
    assert "Only the operator&#x27;s project managers may see all business entities" in response.content.decode()
    assert not User.objects.filter(email="pm@soobr.example").exists()


def test_a_second_role_for_the_same_level_and_company_is_a_form_error(client, login, pm, instance, companies):
    login(pm)

    response = client.post(
        users_url(instance, "user-create"),
        create_form(
            companies["A"],
            grants=[(Level.OWNER, companies["A"], "manager"), (Level.OWNER, companies["A"], "customer")],
        ),
    )

    assert response.status_code == 400
    assert "Only one role per level and company" in response.content.decode()
    assert not User.objects.filter(email="neu@owner-a.example").exists()


def test_chat_needs_a_role_that_allows_chat(client, login, pm, instance, companies):
    login(pm)

    refused = client.post(
        users_url(instance, "user-create"),
        create_form(companies["A"], chat_enabled="on", grants=[(Level.OWNER, companies["A"], "manager")]),
    )
    allowed = client.post(
        users_url(instance, "user-create"),
        create_form(
            companies["A"],
            email="chat@owner-a.example",
            chat_enabled="on",
            grants=[(Level.OWNER, companies["A"], "owner-project-manager")],
        ),
    )

    assert "Chat can only be switched on while one of the user&#x27;s roles allows chat." in refused.content.decode()
    assert not User.objects.filter(email="neu@owner-a.example").exists()
    assert allowed.status_code == 302 and User.objects.get(email="chat@owner-a.example").chat_enabled


def test_manager_grants_a_role_on_a_single_entity_picked_by_name(client, login, pm, instance, companies):
    building = BusinessEntityFactory(instance=instance, owner=companies["A"], name="Klinik Nord")
    login(pm)

    suggestions = client.get(users_url(instance, "entity-search") + "?q=klinik").json()["results"]
    client.post(users_url(instance, "user-create"), create_form(companies["A"], entity_grants=[(building, "customer")]))

    assert suggestions == [{"id": building.pk, "label": f"Klinik Nord (#{building.pk})"}]
    grant = EntityGrant.objects.get(user__email="neu@owner-a.example")
    assert (grant.content_object, grant.role.code) == (building, "customer")


def test_manager_cannot_grant_on_an_entity_they_see_but_do_not_manage(client, login, instance, companies):
    viewer = UserFactory(company=companies["A"])
    grant_company_role(viewer, Level.OWNER, companies["A"], "projectmanager")
    grant_company_role(viewer, Level.CUSTOMER, companies["C"], "customer")
    seen = BusinessEntityFactory(instance=instance, owner=companies["X"], customer=companies["C"], name="Gesehen")
    login(viewer)

    response = client.post(
        users_url(instance, "user-create"), create_form(companies["A"], entity_grants=[(seen, "customer")])
    )

    assert "Your role on Gesehen does not manage users" in response.content.decode()
    assert not EntityGrant.objects.exists()


def errors_of(response) -> list[str]:
    """The error messages a page shows, in order."""
    return re.findall(r'role="alert"[^>]*>(.*?)</', response.content.decode(), re.S)


def test_an_entity_the_manager_cannot_see_reads_like_one_that_does_not_exist(client, login, pm, instance, companies):
    foreign = BusinessEntityFactory(instance=instance, owner=companies["X"], name="Fremd")
    login(pm)

    def pick(value):
        form = create_form(companies["A"], entity_grants=[(foreign, "customer")]) | {"entity-0-entity": value}
        return client.post(users_url(instance, "user-create"), form)

    invisible, missing = pick(f"#{foreign.pk}"), pick("#999999")

    assert invisible.status_code == missing.status_code == 400
    assert errors_of(invisible) == errors_of(missing)
    assert "Pick a business entity from the list." in invisible.content.decode()
    assert "Fremd" not in invisible.content.decode()
    assert not EntityGrant.objects.exists()


def test_operator_staff_giving_an_operator_role_to_a_customer_read_a_form_error(
    client, login, operator_staff, owner_a, instance, role
):
    login(operator_staff)
    data = {
        "email": "neu@owner-a.example",
        "company": owner_a.pk,
        "language": "en",
        "company-TOTAL_FORMS": "1",
        "company-INITIAL_FORMS": "0",
        "company-0-level": Level.OWNER,
        "company-0-company": owner_a.pk,
        "company-0-role": role("admin").pk,
        "entity-TOTAL_FORMS": "0",
        "entity-INITIAL_FORMS": "0",
    }

    response = client.post(users_url(instance, "user-create"), data)

    assert response.status_code == 400
    assert "Admin" in response.content.decode()
    assert not User.objects.filter(email="neu@owner-a.example").exists()


# --- odd input on the create page --------------------------------------------------------------


def test_a_double_clicked_create_makes_one_user_and_the_second_click_a_form_error(
    client, login, pm, instance, companies
):
    login(pm)
    form = create_form(companies["A"])

    first = client.post(users_url(instance, "user-create"), form)
    second = client.post(users_url(instance, "user-create"), form)

    assert (first.status_code, second.status_code) == (302, 400)
    assert User.objects.filter(email="neu@owner-a.example").count() == 1
    assert 'id="id_email_error"' in second.content.decode()


def test_entity_search_survives_a_nul_character(client, login, pm, instance):
    login(pm)

    assert client.get(users_url(instance, "entity-search"), {"q": "ab\x00c"}).json() == {"results": []}


# --- edit, history, remove -------------------------------------------------------------------


def edit_form(target, company, *, grants, **overrides):
    data = create_form(
        company,
        grants=grants,
        email=target.email,
        first_name=target.first_name,
        last_name=target.last_name,
        mobile_phone="",
    )
    # As the page sends them: the rows it rendered count as its initial rows.
    data["company-INITIAL_FORMS"] = str(target.company_grants.count())
    data["entity-INITIAL_FORMS"] = str(target.entitygrant_set.count())
    data.update(overrides)
    return data


def test_edit_changes_grants_in_one_go_and_records_history(client, login, pm, colleague, instance, companies):
    login(pm)

    response = client.post(
        users_url(instance, "user-edit", pk=colleague.pk),
        edit_form(
            colleague,
            companies["A"],
            grants=[(Level.OWNER, companies["A"], "owner-project-manager")],
            chat_enabled="on",
        ),
    )

    assert response.status_code == 302
    assert CompanyGrant.objects.get(user=colleague).role.code == "owner-project-manager"
    colleague.refresh_from_db()
    assert colleague.chat_enabled
    page = client.get(users_url(instance, "user-edit", pk=colleague.pk)).content.decode()
    assert "Role changed by" in page and '<th scope="row">Chat</th><td>No</td><td>Yes</td>' in page


def test_manager_cannot_change_a_user_who_also_holds_roles_outside_reach(
    client, login, pm, colleague, instance, companies
):
    grant_company_role(colleague, Level.CUSTOMER, companies["C"], "customer")
    login(pm)

    edit = client.post(
        users_url(instance, "user-edit", pk=colleague.pk), edit_form(colleague, companies["A"], grants=[])
    )
    remove = client.post(users_url(instance, "user-remove", pk=colleague.pk))

    assert edit.status_code == remove.status_code == 404
    assert CompanyGrant.objects.filter(user=colleague).count() == 2
    assert User.objects.get(pk=colleague.pk).is_active


def test_manager_cannot_touch_a_user_whose_role_outranks_their_own_at_the_same_company(
    client, login, ppm, instance, companies
):
    boss = UserFactory(company=companies["B"], email="boss@provider-b.example")
    grant_company_role(boss, Level.SERVICE_PROVIDER, companies["B"], "projectmanager")
    login(ppm)

    assert client.get(users_url(instance, "user-edit", pk=boss.pk)).status_code == 404
    assert client.post(users_url(instance, "user-remove", pk=boss.pk)).status_code == 404
    assert CompanyGrant.objects.get(user=boss).role.code == "projectmanager"


def test_manager_cannot_change_the_email_of_an_active_user(client, login, pm, colleague, instance, companies):
    login(pm)

    client.post(
        users_url(instance, "user-edit", pk=colleague.pk),
        edit_form(
            colleague, companies["A"], grants=[(Level.OWNER, companies["A"], "manager")], email="me@evil.example"
        ),
    )

    assert User.objects.get(pk=colleague.pk).email == "colleague@owner-a.example"


def test_operator_staff_do_not_manage_other_staff_in_the_cockpit(
    client, login, operator_admin, instance, operator_company
):
    other_staff = UserFactory(company=operator_company, email="staff2@soobr.example", is_staff=True)
    login(operator_admin)

    assert client.get(users_url(instance, "user-edit", pk=other_staff.pk)).status_code == 404


def test_invalid_edit_changes_nothing(client, login, pm, colleague, instance, companies):
    login(pm)

    response = client.post(
        users_url(instance, "user-edit", pk=colleague.pk),
        edit_form(colleague, companies["A"], grants=[(Level.OWNER, companies["A"], "customer")], mobile_phone="12"),
    )

    assert response.status_code == 400
    assert CompanyGrant.objects.get(user=colleague).role.code == "manager"


def test_removing_a_user_ends_their_session_and_keeps_history(client, login, pm, colleague, instance):
    from django.test import Client

    colleague_browser = Client()
    colleague_browser.force_login(colleague)
    dashboard = reverse("cockpit:dashboard", kwargs={"instance_slug": instance.slug})
    assert colleague_browser.get(dashboard).status_code == 200
    login(pm)

    confirm = client.get(users_url(instance, "user-remove", pk=colleague.pk))
    client.post(users_url(instance, "user-remove", pk=colleague.pk))

    assert confirm.status_code == 200 and "can no longer log in" in confirm.content.decode()
    assert colleague_browser.get(dashboard).status_code == 302
    colleague.refresh_from_db()
    assert not colleague.is_active
    assert AuditLogEntry.objects.filter(subject_user=colleague, action="user.deactivated").exists()
    assert CompanyGrant.objects.filter(user=colleague).exists()


def test_only_operator_staff_reactivate_a_removed_user(client, login, pm, colleague, instance, operator_admin):
    User.objects.filter(pk=colleague.pk).update(is_active=False)
    login(pm)
    assert client.post(users_url(instance, "user-reactivate", pk=colleague.pk)).status_code == 403

    login(operator_admin)
    client.post(users_url(instance, "user-reactivate", pk=colleague.pk))

    colleague.refresh_from_db()
    assert colleague.is_active


def test_edit_page_makes_as_many_queries_for_four_entity_roles_as_for_one(
    client, login, pm, colleague, instance, companies, count_queries
):
    def give_entity_role():
        building = BusinessEntityFactory(
            instance=instance, owner=companies["A"], service_provider=companies["B"], customer=companies["C"]
        )
        grant_entity_role(colleague, building, "customer")

    login(pm)
    page = users_url(instance, "user-edit", pk=colleague.pk)
    give_entity_role()
    one = count_queries(lambda: client.get(page))
    for _number in range(3):
        give_entity_role()

    assert count_queries(lambda: client.get(page)) == one


def test_the_read_only_page_costs_no_query_per_entity_role(
    client, login, manager_a, employee_a, owner_a, instance, count_queries
):
    grant_entity_role(employee_a, BusinessEntityFactory(instance=instance, owner=owner_a), "customer")
    login(manager_a)
    one = count_queries(lambda: client.get(users_url(instance, "user-edit", pk=employee_a.pk)))
    for _ in range(6):
        grant_entity_role(employee_a, BusinessEntityFactory(instance=instance, owner=owner_a), "customer")

    assert count_queries(lambda: client.get(users_url(instance, "user-edit", pk=employee_a.pk))) == one


# --- a tampered grant formset ------------------------------------------------------------------


@pytest.mark.parametrize(
    "counts",
    [
        {"company-TOTAL_FORMS": "-1"},
        {"company-TOTAL_FORMS": "0", "company-INITIAL_FORMS": "0"},
        {"company-TOTAL_FORMS": "0"},
        {"company-INITIAL_FORMS": "-3"},
    ],
    ids=["negative total", "rows dropped", "total below initial", "negative initial"],
)
def test_a_tampered_grant_formset_changes_nothing(client, login, projectmanager_a, invited_a, owner_a, role, counts):
    login(projectmanager_a)
    grants_before = list(CompanyGrant.objects.filter(user=invited_a).values_list("level", "company", "role"))

    response = client.post(
        users_url(owner_a.instance, "user-edit", pk=invited_a.pk),
        user_page_form(invited_a, owner_a, role("customer"), first_name="Tampered", **counts),
    )

    assert response.status_code == 400
    assert "The list of authorizations arrived incomplete or changed; nothing was saved." in response.content.decode()
    assert list(CompanyGrant.objects.filter(user=invited_a).values_list("level", "company", "role")) == grants_before
    assert User.objects.get(pk=invited_a.pk).first_name == "Erika"


def test_removing_a_grant_by_its_remove_box_still_works(client, login, projectmanager_a, invited_a, owner_a, role):
    login(projectmanager_a)

    response = client.post(
        users_url(owner_a.instance, "user-edit", pk=invited_a.pk),
        user_page_form(invited_a, owner_a, role("customer"), **{"company-0-DELETE": "on"}),
    )

    assert response.status_code == 302
    assert not CompanyGrant.objects.filter(user=invited_a).exists()


# --- the list --------------------------------------------------------------------------------


def test_list_searches_and_filters_by_company_and_role(client, login, pm, colleague, instance, companies):
    other = UserFactory(company=companies["A"], email="zora@owner-a.example", first_name="Zora")
    grant_company_role(other, Level.OWNER, companies["A"], "customer")
    login(pm)

    by_name = client.get(users_url(instance) + "?q=zora").context["page"].object_list
    by_role = client.get(users_url(instance) + f"?role={role_id('manager')}").context["page"].object_list
    by_company = client.get(users_url(instance) + f"?company={companies['A'].pk}").context["page"].object_list

    assert [u.email for u in by_name] == ["zora@owner-a.example"]
    assert [u.email for u in by_role] == [colleague.email]
    assert {u.email for u in by_company} == {colleague.email, other.email, pm.email}


def test_list_makes_as_many_queries_for_thirty_users_as_for_three(
    client, login, pm, instance, companies, count_queries
):
    def add_users(count):
        for _ in range(count):
            member = UserFactory(company=companies["A"])
            grant_company_role(member, Level.OWNER, companies["A"], "manager")

    login(pm)
    add_users(3)
    few = count_queries(lambda: client.get(users_url(instance)))
    add_users(27)

    assert count_queries(lambda: client.get(users_url(instance))) == few


@pytest.mark.parametrize("params", [{"company": "²"}, {"role": "²"}, {"q": "a\x00b"}, {"page": "x"}])
def test_user_list_survives_malformed_parameters(client, login, pm, instance, params):
    login(pm)

    assert client.get(users_url(instance), params).status_code == 200


def test_list_marks_users_with_roles_beyond_the_managers_reach(client, login, pm, colleague, instance, companies):
    grant_company_role(colleague, Level.CUSTOMER, companies["C"], "customer")
    login(pm)

    html = client.get(users_url(instance)).content.decode()

    assert "managed by operator staff" in html
    assert users_url(instance, "user-edit", pk=colleague.pk) not in html


# --- rate limits -------------------------------------------------------------------------------


def test_invitations_are_limited_per_manager_and_hour(client, login, pm, instance, companies, settings):
    settings.INVITATIONS_PER_HOUR = 1
    login(pm)

    client.post(users_url(instance, "user-create"), create_form(companies["A"]))
    second = client.post(users_url(instance, "user-create"), create_form(companies["A"], email="zwei@owner-a.example"))

    assert "many invitations in the last hour" in second.content.decode()
    assert not User.objects.filter(email="zwei@owner-a.example").exists()


# --- explain access ----------------------------------------------------------------------------


def explain_url(instance, user, entity=None):
    address = users_url(instance, "user-explain", pk=user.pk)
    return f"{address}?entity={entity.pk}" if entity else address


def test_manager_explains_why_a_user_they_manage_sees_an_entity(client, login, pm, colleague, instance, companies):
    building = BusinessEntityFactory(instance=instance, owner=companies["A"], name="Klinik Nord")
    login(pm)

    response = client.get(explain_url(instance, colleague, building))

    html = response.content.decode()
    assert response.status_code == 200
    assert "The owner grant has the highest precedence" in html and "Manager" in html


def test_explain_is_closed_for_users_outside_reach_non_managers_and_anonymous(
    client, login, pm, ppm, colleague, instance, companies, operator_admin
):
    building = BusinessEntityFactory(instance=instance, owner=companies["A"])
    assert client.get(explain_url(instance, colleague, building)).status_code == 302

    login(pm)
    assert client.get(explain_url(instance, ppm, building)).status_code == 404
    assert client.get(explain_url(instance, operator_admin, building)).status_code == 404

    login(colleague)
    assert client.get(explain_url(instance, pm, building)).status_code == 403


def test_explain_reports_an_unknown_entity_on_the_form(client, login, pm, colleague, instance, other_instance):
    foreign = BusinessEntityFactory(instance=other_instance)
    login(pm)

    for value in ("no such thing", str(foreign.pk), "#99999999999999999999"):
        response = client.get(users_url(instance, "user-explain", pk=colleague.pk), {"entity": value})
        assert response.status_code == 200, value
        assert "Pick a business entity from the list." in response.content.decode(), value


def test_explain_of_an_entity_the_manager_cannot_see_reads_like_a_missing_one(
    client, login, pm, colleague, instance, companies
):
    # given: an entity of the cockpit the Projectmanager cannot see (its own URL answers 404)
    hidden = BusinessEntityFactory(instance=instance, owner=companies["X"], name="Geheimes Lager")
    login(pm)
    assert client.get(reverse("entities:entity-detail", args=[instance.slug, hidden.pk])).status_code == 404

    # when: they ask to explain it by its id, as a URL with a sequential id would
    probe = client.get(users_url(instance, "user-explain", pk=colleague.pk), {"entity": f"#{hidden.pk}"})
    missing = client.get(users_url(instance, "user-explain", pk=colleague.pk), {"entity": "#99999999"})

    # then: the same answer as for an id that does not exist, without the name
    assert probe.status_code == missing.status_code == 200
    assert "Geheimes Lager" not in probe.content.decode()
    assert errors_of(probe) == errors_of(missing) == ["Pick a business entity from the list."]


# --- a person with many roles on single entities ------------------------------------------------


def _buildings_for(person, owner, instance, count: int, role: str = "customer") -> None:
    for number in range(count):
        building = BusinessEntityFactory(instance=instance, owner=owner, name=f"Building {number:03}")
        grant_entity_role(person, building, role)


def test_a_list_row_names_the_first_five_roles_on_single_entities_and_links_the_rest(
    client, login, pm, colleague, instance, companies
):
    _buildings_for(colleague, companies["A"], instance, 7)
    login(pm)

    page = client.get(users_url(instance)).content.decode()

    row = page[page.index(colleague.email) :]
    row = row[: row.index("</tr>")]
    assert [f"Building {n:03}" in row for n in range(7)] == [True] * 5 + [False] * 2
    more = re.search(r'<a class="small" href="([^"]+)" data-testid="more-entity-grants">([^<]+)</a>', row)
    assert more is not None and more.group(2) == "and 2 more roles on single entities"
    assert more.group(1) == users_url(instance, "user-entity-grants", pk=colleague.pk)


def test_the_read_only_page_lists_roles_on_single_entities_a_page_at_a_time(
    client, login, manager_a, employee_a, owner_a, instance
):
    _buildings_for(employee_a, owner_a, instance, 52)
    login(manager_a)
    page = users_url(instance, "user-edit", pk=employee_a.pk)

    def roles_listed(address: str) -> list[str]:
        content = client.get(address).content.decode()
        section = content[content.index("Authorizations") :]
        return re.findall(r"<li>(Building \d+): <strong>", section[: section.index("</section>")])

    assert roles_listed(page) == [f"Building {n:03}" for n in range(50)]
    assert roles_listed(page + "?page=2") == ["Building 050", "Building 051"]


def test_a_manager_opens_a_person_holding_many_roles_within_reach_in_as_many_queries_for_200_as_for_50(
    client, login, pm, colleague, instance, companies, count_queries
):
    # Past the history's 50 newest entries, so that the history reads alike both times.
    _buildings_for(colleague, companies["A"], instance, 50)
    login(pm)
    page = users_url(instance, "user-edit", pk=colleague.pk)
    client.get(page)
    fifty = count_queries(lambda: client.get(page))
    _buildings_for(colleague, companies["A"], instance, 150)

    response = client.get(page)

    assert response.status_code == 200 and count_queries(lambda: client.get(page)) == fifty


def test_one_role_on_a_single_entity_beyond_reach_among_many_puts_the_person_out_of_reach(
    client, login, pm, colleague, instance, companies
):
    _buildings_for(colleague, companies["A"], instance, 30)
    elsewhere = BusinessEntityFactory(
        instance=instance, owner=companies["B"], service_provider=companies["B"], customer=companies["B"]
    )
    grant_entity_role(colleague, elsewhere, "customer")
    login(pm)

    assert client.get(users_url(instance, "user-edit", pk=colleague.pk)).status_code == 404
