"""An audit entry's page in the admin reads as a sentence and a before → after table, in the reader's language and
in one named time zone; the list filters by person, object, cockpit and date range at a constant cost."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from accounts.models import User
from accounts.second_factor import totp_device_create
from accounts.services import user_update
from entities.models import AuditLogEntry, Level
from tests.factories import CompanyFactory, UserFactory, grant_company_role

pytestmark = pytest.mark.django_db

LIST = "admin:entities_auditlogentry_changelist"


@pytest.fixture
def kim(instance):
    owner = CompanyFactory(instance=instance, name="Zurich Property AG")
    return UserFactory(company=owner, email="kim@zurich.example", first_name="Kim", last_name="Keller")


@pytest.fixture
def granted(kim, operator_admin):
    """Kim was granted a role by the operator, on 1 July 2026 at 10:00 UTC (12:00 in Zurich)."""
    grant_company_role(kim, Level.OWNER, kim.company, "customer")
    entry = AuditLogEntry.objects.get(action="grant.created", subject_user=kim)
    AuditLogEntry.objects.filter(pk=entry.pk).update(
        actor=operator_admin, actor_label=operator_admin.email, created_at=datetime(2026, 7, 1, 10, 0, tzinfo=UTC)
    )
    return AuditLogEntry.objects.get(pk=entry.pk)


def entry_page(client, entry) -> str:
    return client.get(reverse("admin:entities_auditlogentry_change", args=[entry.pk])).content.decode()


def main_part(page: str) -> str:
    """The page above its folded technical details."""
    return page.split('data-testid="audit-entry"', 1)[1].split("Technical details", 1)[0]


def listed(client, **query) -> str:
    page = client.get(reverse(LIST), query).content.decode()
    return page.split('id="result_list"', 1)[1].split("</table>", 1)[0] if 'id="result_list"' in page else ""


def test_the_entry_page_reads_as_a_sentence_with_a_before_after_table(client, login, operator_admin, granted):
    login(operator_admin)

    page = entry_page(client, granted)

    sentence = (
        "Role granted by olivia@soobr.example, concerning Kim Keller (Owner · Zurich Property AG), "
        "on 1 Jul 2026 at 12:00 (Europe/Zurich time)."
    )
    assert f"<h2>{sentence}</h2>" in page
    assert '<th scope="row">Role</th><td>—</td><td>Customer</td>' in main_part(page)


def test_the_entry_page_shows_no_json_and_no_code_above_its_technical_details(client, login, operator_admin, granted):
    login(operator_admin)

    page = entry_page(client, granted)

    assert "grant.created" not in main_part(page)
    assert '{"' not in page and "[null" not in page and "customer&quot;" not in page
    # the codes and ids stay, folded, for operators
    assert "Technical details" in page and "grant.created" in page.split("Technical details", 1)[1]


def test_the_entry_page_reads_in_german_for_a_german_operator(client, login, operator_admin, granted):
    User.objects.filter(pk=operator_admin.pk).update(language="de")
    login(operator_admin)

    page = entry_page(client, granted)

    assert "Rolle vergeben durch olivia@soobr.example, betreffend Kim Keller (Eigentümer · Zurich Property AG)" in page
    assert "am 1. Juli 2026 um 12:00 (Zeitzone Europe/Zurich)." in page
    assert '<th scope="row">Rolle</th><td>—</td><td>Kundschaft</td>' in page


def test_the_entry_pages_title_and_body_keep_one_named_time_zone(client, login, operator_admin, granted):
    login(operator_admin)

    page = entry_page(client, granted)

    # 10:00 UTC is 12:00 in Zurich: the title, the breadcrumbs and the body all say 12:00, and name the zone
    title = page.split("<title>", 1)[1].split("</title>", 1)[0]
    breadcrumbs = page.split('class="breadcrumbs"', 1)[1].split("</div>", 1)[0]
    assert "12:00 (Europe/Zurich time)" in title and "2026-07-01 12:00" in breadcrumbs
    assert "10:00" not in page
    assert "All times on this page are in the Europe/Zurich time zone." in page


def test_an_entry_of_no_person_reads_as_done_by_the_system(client, login, operator_admin, kim):
    user_update(actor=None, user=kim, first_name="Kimberly")
    login(operator_admin)

    page = entry_page(client, AuditLogEntry.objects.get(action="user.changed"))

    assert "User changed by the system, concerning Kimberly Keller, on " in page
    assert '<th scope="row">First name</th><td>Kim</td><td>Kimberly</td>' in page


def test_the_entry_page_links_to_the_lists_of_its_object_and_its_people(client, login, operator_admin, granted):
    login(operator_admin)

    page = entry_page(client, granted)

    assert f"?target=entities.CompanyGrant%3A{granted.target_id}" in page
    assert f"?actor={operator_admin.pk}" in page and f"?concerning={granted.subject_user_id}" in page


# --- the list's filters -------------------------------------------------------------------------


@pytest.fixture
def two_people(instance, operator_admin, kim):
    """Entries by the operator about Kim and about Lea, and one by Lea about herself."""
    lea = UserFactory(company=kim.company, email="lea@zurich.example", first_name="Lea", last_name="Lang")
    user_update(actor=operator_admin, user=kim, first_name="Kimberly")
    user_update(actor=operator_admin, user=lea, first_name="Leandra")
    user_update(actor=lea, user=lea, last_name="Lang-Meier")
    return kim, lea


KIM_RENAMED, LEA_RENAMED, LEA_RENAMED_HERSELF = "Kim → Kimberly", "Lea → Leandra", "Lang → Lang-Meier"


def test_the_list_filters_by_who_acted(client, login, operator_admin, two_people):
    login(operator_admin)

    page = listed(client, actor="LEA@zurich.example", action="user.changed")

    assert LEA_RENAMED_HERSELF in page and KIM_RENAMED not in page and LEA_RENAMED not in page


def test_the_list_filters_by_the_person_concerned(client, login, operator_admin, two_people):
    kim, _lea = two_people
    login(operator_admin)

    page = listed(client, concerning=str(kim.pk), action="user.changed")

    assert KIM_RENAMED in page and LEA_RENAMED not in page and LEA_RENAMED_HERSELF not in page


def test_the_list_filters_by_a_kind_of_object_and_by_one_object(client, login, operator_admin, granted, kim):
    user_update(actor=operator_admin, user=kim, first_name="Kimberly")
    login(operator_admin)

    grants = listed(client, target="entities.CompanyGrant")
    one = listed(client, target=f"accounts.User:{kim.pk}")

    assert "Role granted" in grants and "User changed" not in grants
    assert "User changed" in one and "Role granted" not in one


def test_the_list_filters_by_days_of_the_named_time_zone(client, login, operator_admin, granted):
    # given: 21:30 UTC on 1 July is 23:30 on 1 July in Zurich
    AuditLogEntry.objects.filter(pk=granted.pk).update(created_at=datetime(2026, 7, 1, 21, 30, tzinfo=UTC))
    login(operator_admin)

    assert "Role granted" in listed(client, **{"from": "2026-07-01", "to": "2026-07-01"})
    assert "Role granted" not in listed(client, **{"from": "2026-07-02"})
    assert "Role granted" not in listed(client, to="2026-06-30")


def test_a_day_that_is_no_date_is_named_and_limits_nothing(client, login, operator_admin, granted):
    login(operator_admin)

    response = client.get(reverse(LIST), {"from": "1 July"})

    assert response.status_code == 200
    assert "From: “1 July” is not a date (YYYY-MM-DD)" in response.content.decode()
    assert "Role granted" in listed(client, **{"from": "1 July"})


def test_an_unknown_person_finds_nothing_rather_than_failing(client, login, operator_admin, granted):
    login(operator_admin)

    for term in ("nobody@nowhere.example", "999999999", "1 OR 1=1"):
        response = client.get(reverse(LIST), {"actor": term})
        assert response.status_code == 200
        assert "Role granted" not in listed(client, actor=term)


def test_a_person_number_beyond_any_id_is_refused_clearly(client, login, operator_admin, granted):
    login(operator_admin)

    assert client.get(reverse(LIST), {"concerning": "99999999999999999999999"}).status_code == 400


def test_filters_and_the_search_work_together(client, login, operator_admin, two_people):
    login(operator_admin)

    page = listed(client, q="Lea", actor=str(operator_admin.pk))

    assert LEA_RENAMED in page and KIM_RENAMED not in page and LEA_RENAMED_HERSELF not in page


def test_the_filtered_list_costs_no_query_per_entry(client, login, operator_admin, kim, count_queries):
    def filtered():
        return listed(client, actor=operator_admin.email, concerning=kim.email, target="accounts.User", to="2099-12-31")

    login(operator_admin)
    user_update(actor=operator_admin, user=kim, first_name="K0")
    few = count_queries(filtered)
    for n in range(1, 11):
        user_update(actor=operator_admin, user=kim, first_name=f"K{n}")

    assert count_queries(filtered) == few
    assert "K10" in filtered()


@pytest.mark.parametrize(("language", "label"), [("en", "Sign-in method"), ("de", "Anmeldemethode")])
def test_a_change_that_is_no_field_reads_as_its_app_names_it(client, login, operator_admin, kim, language, label):
    totp_device_create(actor=None, user=kim, confirmed=True)
    User.objects.filter(pk=operator_admin.pk).update(language=language)
    login(operator_admin)

    page = entry_page(client, AuditLogEntry.objects.filter(action="device.created", subject_user=kim).get())

    assert f'<th scope="row">{label}</th><td>—</td>' in page


@pytest.mark.parametrize(
    ("name", "day", "named"),
    [
        ("from", "0001-01-01", True),
        ("to", "9999-12-31", True),
        ("from", "2026-02-30", True),
        ("to", "0001-01-01", False),
    ],
)
def test_a_day_at_the_calendars_ends_or_beyond_never_fails(client, login, operator_admin, granted, name, day, named):
    login(operator_admin)

    response = client.get(reverse(LIST), {name: day})

    assert response.status_code == 200
    assert ("is not a date" in response.content.decode()) is named
