"""Creating a user without rough edges (issue 28, point 6): the offer of a share under the address where it applies,
a warning (not a block) for a person with no role, a single level shown as text, and the manager in their own list,
marked as themselves, with nothing of theirs to change."""

import re

import pytest
from django.http import Http404
from django.utils import translation

from accounts.models import User
from entities.models import CompanyGrant, EntityGrant, Level
from sharing.models import SharingSettings
from tests.factories import BusinessEntityFactory, CompanyFactory, UserFactory, grant_company_role, grant_entity_role
from tests.support.forms import create_form
from tests.support.urls import users_url
from users.forms import CompanyGrantForm, company_grant_formset
from users.permissions import (
    EMAIL_NOT_USABLE_HERE_CODE,
    EMAIL_TAKEN_HERE_CODE,
    access_external_user,
    email_error,
    manager_reach,
)
from users.selectors import holds_no_role, managed_users

pytestmark = pytest.mark.django_db


def german(english: str) -> str:
    with translation.override("de"):
        text = translation.gettext(english)
    assert text != english, f"no German for {english!r}"
    return text


@pytest.fixture
def shareable(instance):
    return SharingSettings.objects.create(instance=instance, is_shareable=True)


@pytest.fixture
def elsewhere(other_instance):
    """Someone of another cockpit: their address cannot become a login here."""
    return UserFactory(company=CompanyFactory(instance=other_instance), email="gina@rhein.example")


def email_field(html: str) -> str:
    """The email field's block of the create page: from its label to the next field's."""
    start = html.index('<label for="id_email"')
    return html[start : html.index('<label for="id_first_name"')]


# --- the offer of a share, under the email field, where it applies ---------------------------------


def test_email_error_names_an_address_in_the_managers_list_as_taken_here(pm, colleague, instance):
    error = email_error(manager_reach(pm, instance), colleague.email)

    assert error is not None and error.code == EMAIL_TAKEN_HERE_CODE
    assert error.messages == [f"{colleague.email} already has a login in this cockpit."]


def test_email_error_names_the_managers_own_address_as_taken_here(pm, instance):
    error = email_error(manager_reach(pm, instance), pm.email)

    assert error is not None and error.code == EMAIL_TAKEN_HERE_CODE


def test_email_error_tells_nothing_of_an_address_held_elsewhere(pm, elsewhere, instance):
    error = email_error(manager_reach(pm, instance), elsewhere.email)

    assert error is not None and error.code == EMAIL_NOT_USABLE_HERE_CODE
    assert "cannot be used for a new login here" in error.messages[0]


def test_email_error_has_nothing_against_a_new_address(pm, instance):
    assert email_error(manager_reach(pm, instance), "nobody-yet@owner-a.example") is None


def test_an_empty_submit_offers_no_share(client, login, pm, instance, shareable):
    login(pm)

    response = client.post(
        users_url(instance, "user-create"), {"company-TOTAL_FORMS": "0", "company-INITIAL_FORMS": "0"}
    )

    assert response.status_code == 400
    assert 'data-testid="offer-share"' not in response.content.decode()


def test_an_address_of_the_managers_list_offers_no_share(client, login, pm, colleague, instance, companies, shareable):
    login(pm)

    response = client.post(users_url(instance, "user-create"), create_form(companies["A"], email=colleague.email))

    assert response.status_code == 400
    assert "already has a login in this cockpit" in response.content.decode()
    assert 'data-testid="offer-share"' not in response.content.decode()


def test_an_address_held_elsewhere_offers_a_share_under_the_email_field(
    client, login, pm, elsewhere, instance, companies, shareable
):
    login(pm)

    response = client.post(users_url(instance, "user-create"), create_form(companies["A"], email=elsewhere.email))

    field = email_field(response.content.decode())
    assert response.status_code == 400
    assert field.index('id="id_email_error"') < field.index('data-testid="offer-share"')
    assert "Share this cockpit with this address instead" in field
    assert "?email=gina%40rhein.example" in field


def test_the_share_offer_reads_in_german(client, login, pm, elsewhere, instance, companies, shareable):
    User.objects.filter(pk=pm.pk).update(language="de")
    login(pm)

    response = client.post(users_url(instance, "user-create"), create_form(companies["A"], email=elsewhere.email))

    assert german("Share this cockpit with this address instead") in email_field(response.content.decode())


def test_an_address_held_elsewhere_offers_no_share_while_the_cockpit_is_not_shareable(
    client, login, pm, elsewhere, instance, companies
):
    login(pm)

    response = client.post(users_url(instance, "user-create"), create_form(companies["A"], email=elsewhere.email))

    assert "cannot be used for a new login here" in response.content.decode()
    assert 'data-testid="offer-share"' not in response.content.decode()


# --- a person with no role: created, and warned about -----------------------------------------------


def test_holds_no_role_for_a_person_without_any_role(colleague):
    CompanyGrant.objects.filter(user=colleague).delete()
    colleague.refresh_from_db()

    assert holds_no_role(colleague, company_grants=[], entity_grant_count=0)


def test_holds_no_role_is_false_with_a_company_role(colleague):
    assert not holds_no_role(colleague, company_grants=list(colleague.company_grants.all()), entity_grant_count=0)


def test_holds_no_role_is_false_with_a_role_on_a_single_entity(colleague):
    assert not holds_no_role(colleague, company_grants=[], entity_grant_count=1)


def test_holds_no_role_is_false_for_someone_who_sees_all_entities(operator_admin):
    assert not holds_no_role(operator_admin, company_grants=[], entity_grant_count=0)


def test_a_person_created_without_a_role_is_created_and_their_page_warns(client, login, pm, instance, companies):
    login(pm)

    response = client.post(users_url(instance, "user-create"), create_form(companies["A"]), follow=True)

    assert User.objects.filter(email="neu@owner-a.example").exists()
    assert "Nora Neu holds no role: they see nothing in this cockpit until you give them one under Authorizations." in (
        response.content.decode()
    )


def test_the_no_role_warning_reads_in_german(client, login, pm, instance, companies):
    User.objects.filter(pk=pm.pk).update(language="de")
    login(pm)

    response = client.post(users_url(instance, "user-create"), create_form(companies["A"]), follow=True)

    english = "%(name)s holds no role: they see nothing in this cockpit until you give them one under Authorizations."
    assert german(english) % {"name": "Nora Neu"} in response.content.decode()


def test_a_person_created_with_a_role_gets_no_warning(client, login, pm, instance, companies):
    login(pm)

    response = client.post(
        users_url(instance, "user-create"),
        create_form(companies["A"], grants=[(Level.OWNER, companies["A"], "customer")]),
        follow=True,
    )

    assert CompanyGrant.objects.filter(user__email="neu@owner-a.example").exists()
    assert 'data-testid="no-role-warning"' not in response.content.decode()


def test_a_person_with_only_a_role_on_a_single_entity_gets_no_warning(
    client, login, pm, colleague, instance, companies
):
    building = BusinessEntityFactory(instance=instance, owner=companies["A"])
    grant_entity_role(colleague, building, "customer")
    CompanyGrant.objects.filter(user=colleague).delete()
    login(pm)

    page = client.get(users_url(instance, "user-edit", pk=colleague.pk)).content.decode()

    assert EntityGrant.objects.filter(user=colleague).exists()
    assert 'data-testid="no-role-warning"' not in page


def test_a_person_whose_last_role_is_removed_is_saved_and_warned(client, login, pm, colleague, instance, companies):
    login(pm)
    page = client.get(users_url(instance, "user-edit", pk=colleague.pk))
    data = {
        "version": page.context["version"],
        "email": colleague.email,
        "first_name": colleague.first_name,
        "last_name": colleague.last_name,
        "company": companies["A"].pk,
        "language": "en",
        "mobile_phone": "",
        "company-TOTAL_FORMS": "1",
        "company-INITIAL_FORMS": "1",
        "company-0-level": Level.OWNER,
        "company-0-company": companies["A"].pk,
        "company-0-role": colleague.company_grants.get().role_id,
        "company-0-DELETE": "on",
    }

    response = client.post(users_url(instance, "user-edit", pk=colleague.pk), data, follow=True)

    assert not CompanyGrant.objects.filter(user=colleague).exists()
    assert 'data-testid="no-role-warning"' in response.content.decode()


# --- a single level: shown as text, posted hidden ---------------------------------------------------


@pytest.fixture
def two_level_manager(companies):
    """Projectmanager at owner level of A and at service provider level of B."""
    user = UserFactory(company=companies["A"], email="two@owner-a.example")
    grant_company_role(user, Level.OWNER, companies["A"], "projectmanager")
    grant_company_role(user, Level.SERVICE_PROVIDER, companies["B"], "projectmanager")
    return user


def test_a_manager_of_one_level_gets_the_level_as_text_with_a_hidden_input(pm, instance):
    reach = manager_reach(pm, instance)

    row = CompanyGrantForm(reach=reach, offered=CompanyGrantForm.offered(reach))

    assert row.only_level == "Owner"
    assert row.fields["level"].widget.input_type == "hidden"
    assert row.fields["level"].initial == Level.OWNER
    assert company_grant_formset(prefix="company", reach=reach).only_level == "Owner"


def test_a_manager_of_two_levels_picks_the_level(two_level_manager, instance):
    reach = manager_reach(two_level_manager, instance)

    row = CompanyGrantForm(reach=reach, offered=CompanyGrantForm.offered(reach))

    assert row.only_level is None
    assert [value for value, _label in row.fields["level"].choices] == [Level.OWNER, Level.SERVICE_PROVIDER]
    assert company_grant_formset(prefix="company", reach=reach).only_level is None


def test_the_create_page_shows_a_single_level_as_text_and_says_why(client, login, pm, instance):
    login(pm)

    page = client.get(users_url(instance, "user-create")).content.decode()

    template = page[page.index('<template id="company-template">') :]
    assert re.search(r'<p class="fixed-choice" data-testid="only-level">Owner</p>', template)
    assert '<input type="hidden" name="company-__prefix__-level" value="owner"' in template
    assert '<select name="company-__prefix__-level"' not in template
    assert "You manage users at the level “Owner” only, so the roles you give here are at that level." in page


def test_the_single_level_reads_in_german(client, login, pm, instance):
    User.objects.filter(pk=pm.pk).update(language="de")
    login(pm)

    page = client.get(users_url(instance, "user-create")).content.decode()

    english = "You manage users at the level “%(level)s” only, so the roles you give here are at that level."
    assert german(english) % {"level": "Eigentümer"} in page


def test_the_create_page_of_a_manager_of_two_levels_offers_a_picker(client, login, two_level_manager, instance):
    login(two_level_manager)

    page = client.get(users_url(instance, "user-create")).content.decode()

    assert '<select name="company-__prefix__-level"' in page
    assert 'data-testid="only-level"' not in page


def test_the_hidden_single_level_creates_the_role(client, login, pm, instance, companies):
    login(pm)

    response = client.post(
        users_url(instance, "user-create"),
        create_form(companies["A"], grants=[(Level.OWNER, companies["A"], "customer")]),
    )

    assert response.status_code == 302
    assert CompanyGrant.objects.get(user__email="neu@owner-a.example").level == Level.OWNER


def test_a_forged_other_level_is_refused_although_the_picker_is_hidden(client, login, pm, instance, companies):
    login(pm)

    response = client.post(
        users_url(instance, "user-create"),
        create_form(companies["A"], grants=[(Level.CUSTOMER, companies["A"], "customer")]),
    )

    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    assert not User.objects.filter(email="neu@owner-a.example").exists()


# --- the manager in their own list ------------------------------------------------------------------


def own_row(html: str, email: str) -> str:
    """The list's row of the person with this address."""
    rows = html[html.index('data-testid="user-list"') :].split("<tr>")
    return next(row for row in rows if email in row)


def test_managed_users_lists_the_manager_themselves(pm, colleague, instance):
    listed = managed_users(reach=manager_reach(pm, instance))

    assert {user.email for user in listed} == {pm.email, colleague.email}


def test_the_manager_is_listed_and_marked_as_themselves(client, login, pm, colleague, instance):
    login(pm)

    response = client.get(users_url(instance))

    row = own_row(response.content.decode(), pm.email)
    assert "2 users" in response.content.decode()
    assert '<span class="badge brand" data-testid="you"' in row and ">you</span>" in row
    assert 'href="/accounts/me/"' in row


def test_the_managers_own_row_offers_nothing_to_change(client, login, pm, instance, companies):
    for _ in range(6):  # more roles on single entities than a row names
        grant_entity_role(pm, BusinessEntityFactory(instance=instance, owner=companies["A"]), "customer")
    login(pm)

    row = own_row(client.get(users_url(instance)).content.decode(), pm.email)

    assert 'type="checkbox"' not in row
    for name in ("user-edit", "user-external", "user-entity-grants", "user-resend-welcome"):
        assert users_url(instance, name, pk=pm.pk) not in row, name
    assert "managed by operator staff" not in row and "data-external" not in row
    assert "Owner · Owner A: <strong>Projectmanager</strong>" in row


def test_a_read_only_reader_is_listed_without_a_link_to_a_page_of_their_own(client, login, manager_a, instance):
    login(manager_a)

    row = own_row(client.get(users_url(instance)).content.decode(), manager_a.email)

    assert 'data-testid="you"' in row
    assert users_url(instance, "user-edit", pk=manager_a.pk) not in row


def test_operator_staff_are_listed_in_their_own_list(client, login, operator_staff, instance):
    login(operator_staff)

    row = own_row(client.get(users_url(instance)).content.decode(), operator_staff.email)

    assert 'data-testid="you"' in row and 'type="checkbox"' not in row


def test_the_you_badge_reads_in_german(client, login, pm, instance):
    User.objects.filter(pk=pm.pk).update(language="de")
    login(pm)

    row = own_row(client.get(users_url(instance)).content.decode(), pm.email)

    assert f">{german('you')}</span>" in row
    assert german("You cannot change your own roles; another user manager or operator staff can.") in row


def test_the_list_costs_no_query_for_the_managers_own_row(client, login, pm, colleague, instance, count_queries):
    def give_entity_role():
        grant_entity_role(pm, BusinessEntityFactory(instance=instance, owner=colleague.company), "customer")

    # given: the manager listed with one colleague, with a role on a single entity; then with many
    give_entity_role()
    login(pm)
    before = count_queries(lambda: client.get(users_url(instance)))
    for _ in range(8):
        give_entity_role()

    # then
    assert count_queries(lambda: client.get(users_url(instance))) == before


def test_the_managers_own_pages_stay_closed_to_them(client, login, pm, instance):
    login(pm)

    for name in ("user-edit", "user-entity-grants", "user-external", "user-remove", "user-explain"):
        assert client.get(users_url(instance, name, pk=pm.pk)).status_code == 404, name
    for name in ("user-edit", "user-entity-grants", "user-external", "user-remove", "user-resend-welcome"):
        assert client.post(users_url(instance, name, pk=pm.pk), {}).status_code == 404, name
    assert list(CompanyGrant.objects.filter(user=pm).values_list("role__code", flat=True)) == ["projectmanager"]


def test_the_manager_cannot_choose_themselves_for_a_bulk_action(client, login, pm, colleague, instance):
    login(pm)

    response = client.post(
        users_url(instance, "user-bulk"), {"op": "apply", "kind": "deactivate", "users": [pm.pk, colleague.pk]}
    )

    assert response.status_code == 404
    assert User.objects.filter(pk__in=[pm.pk, colleague.pk], is_active=True).count() == 2


def test_a_manager_employed_elsewhere_is_not_their_own_external_user(instance, companies):
    # given: a provider's employee who manages users at owner A only
    outsider = UserFactory(company=companies["B"], email="outside@provider-b.example")
    grant_company_role(outsider, Level.OWNER, companies["A"], "projectmanager")
    reach = manager_reach(outsider, instance)

    # then: listed (as themselves), but never one whose roles they change
    assert not User.objects.filter(reach.externals(to_change=True), pk=outsider.pk).exists()
    assert User.objects.filter(reach.listed_people(), pk=outsider.pk).exists()
    with pytest.raises(Http404):
        access_external_user(outsider, instance, outsider.pk)
