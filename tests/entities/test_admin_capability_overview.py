"""The capability overview: every role's matrix on one read-only admin page, both languages, filtered by the kind
of role, linked from the role list, for operator staff only, in a fixed number of queries."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from accounts.models import User
from entities.models import Access, Role, Section
from entities.selectors import RoleKind, capability_overview

pytestmark = pytest.mark.django_db

OVERVIEW = reverse("admin:entities_role_overview")


def table_of(page: str) -> str:
    """The overview's table, without the admin's sidebar around it."""
    return page.split('class="capability-overview')[1].split("</table>")[0]


def row_of(page: str, role_name: str) -> list[str]:
    """A role's cells on the page, in section order."""
    row = re.search(rf">{re.escape(role_name)}</a></th>(.*?)</tr>", page, re.S)
    assert row is not None, role_name
    return re.findall(r"<td[^>]*>([^<]*)</td>", row.group(1))


# --- who may open it -------------------------------------------------------------------------------------------


def test_overview_sends_anonymous_visitors_to_the_admin_sign_in(client):
    response = client.get(OVERVIEW)

    assert response.status_code == 302 and "/login/" in response["Location"]


def test_overview_is_closed_to_people_who_are_not_staff(client, login, projectmanager_a):
    response = login(projectmanager_a).get(OVERVIEW)

    assert response.status_code == 302 and reverse("admin:login") in response["Location"]


def test_overview_is_refused_to_staff_who_may_not_view_roles(client, login, operator_staff):
    response = login(operator_staff).get(OVERVIEW)

    assert response.status_code == 403


def test_overview_opens_for_staff_who_may_view_roles(client, login, operator_staff):
    operator_staff.user_permissions.add(Permission.objects.get(codename="view_role"))

    response = login(operator_staff).get(OVERVIEW)

    assert response.status_code == 200


# --- what it shows ---------------------------------------------------------------------------------------------


def test_overview_shows_every_role_with_its_access_per_section(admin_client):
    page = admin_client.get(OVERVIEW).content.decode()

    manager = Role.objects.get(code="manager")
    stored = dict(manager.capabilities.values_list("section", "access"))
    assert row_of(table_of(page), "Manager") == [str(Access(stored.get(section, 0)).label) for section in Section]
    assert table_of(page).count("</tr>") == Role.objects.count() + 1  # the head's row and one per role


def test_overview_heads_its_columns_with_the_sections(admin_client):
    page = admin_client.get(OVERVIEW).content.decode()

    heads = re.findall(r'<th scope="col">([^<]*)</th>', table_of(page))
    assert heads == ["Role", *[str(section.label) for section in Section]]


def test_overview_in_german(admin_client, operator_admin):
    User.objects.filter(pk=operator_admin.pk).update(language="de")

    page = admin_client.get(OVERVIEW).content.decode()

    assert "Übersicht der Berechtigungen" in page
    assert "Stammdaten" in page and "Bearbeiten" in page
    manager = Role.objects.get(code="manager")
    assert f">{manager.name_de or manager.name}</a></th>" in page


def test_overview_is_read_only(admin_client):
    page = admin_client.get(OVERVIEW).content.decode()

    assert 'type="radio"' not in page and 'name="capability_' not in page


@pytest.mark.parametrize(
    ("kind", "shown", "left_out"),
    [
        (RoleKind.COMPANY, "projectmanager", "inventory-manager"),
        (RoleKind.ENTITY, "inventory-manager", "share-inventory-read-customer-care-none"),
        (RoleKind.SPECIAL, "cad-plan-provider", "projectmanager"),
        (RoleKind.OPERATOR, "admin", "customer"),
    ],
)
def test_overview_filtered_by_kind_of_role(admin_client, kind, shown, left_out):
    response = admin_client.get(OVERVIEW, {"kind": kind})

    codes = {row.role.code for row in response.context["rows"]}
    assert shown in codes and left_out not in codes


def test_overview_of_share_roles_shows_only_share_roles(admin_client):
    response = admin_client.get(OVERVIEW, {"kind": RoleKind.SHARE})

    rows = response.context["rows"]
    assert rows and all(row.role.is_share_role for row in rows)


def test_overview_shows_every_role_for_an_unknown_kind(admin_client):
    response = admin_client.get(OVERVIEW, {"kind": "nonsense"})

    assert response.status_code == 200
    assert len(response.context["rows"]) == Role.objects.count()


def test_role_list_links_to_the_overview(admin_client):
    page = admin_client.get(reverse("admin:entities_role_changelist")).content.decode()

    assert f'href="{OVERVIEW}"' in page


def test_overview_reads_in_a_fixed_number_of_queries(admin_client, count_queries):
    few = count_queries(lambda: admin_client.get(OVERVIEW))
    for number in range(10):
        Role.objects.create(code=f"extra-{number}", name=f"Extra {number}")

    assert count_queries(lambda: admin_client.get(OVERVIEW)) == few


def test_capability_overview_reads_roles_and_matrix_in_two_statements(django_assert_num_queries):
    with django_assert_num_queries(2):
        rows = capability_overview()

    assert len(rows) == Role.objects.count()
    assert all(len(row.access) == len(Section) for row in rows)


def test_capability_overview_gives_no_access_where_a_section_has_no_row():
    role = Role.objects.create(code="empty", name="Empty")

    (row,) = [row for row in capability_overview() if row.role == role]

    assert row.access == [Access.NONE] * len(Section)


def test_overview_of_a_kind_without_roles_says_so(admin_client):
    Role.objects.filter(is_special=True).delete()

    page = admin_client.get(OVERVIEW, {"kind": RoleKind.SPECIAL}).content.decode()

    assert "No roles of this kind." in page
