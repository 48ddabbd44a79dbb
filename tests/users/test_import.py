"""Importing people from a CSV file: a preview of every line, nothing saved while one has an error, then one
transaction through the same services as a person made by hand."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import User
from entities.models import AuditLogEntry, CompanyGrant, Level
from outbox.models import OutgoingMessage
from tests.factories import UserFactory, grant_company_role
from users.imports import read_people
from users.permissions import manager_reach
from users.services import people_import

pytestmark = pytest.mark.django_db

HEADER = "email,first_name,last_name,company,language,mobile_phone,roles\n"


def line(n: int, company: str = "Owner A", role: str = "Owner · Owner A: Customer") -> str:
    return f"person{n}@owner-a.example,Person,Number{n},{company},en,,{role}\n"


def people_file(count: int, *, bad: int | None = None) -> bytes:
    lines = [line(n, company="Nowhere AG") if n == bad else line(n) for n in range(count)]
    return (HEADER + "".join(lines)).encode()


def plan_for(manager, raw: bytes):
    return read_people(raw, manager_reach(manager, manager.company.instance))


def upload(client, instance, raw: bytes, name="people.csv"):
    return client.post(
        reverse("users:user-import", args=[instance.slug]),
        {"op": "preview", "file": SimpleUploadedFile(name, raw, content_type="text/csv")},
    )


@pytest.fixture
def many_invitations(settings):
    settings.INVITATIONS_PER_HOUR = settings.INVITATIONS_PER_COMPANY_PER_DAY = 1000


def test_one_bad_line_saves_nothing_and_is_named_by_its_number(projectmanager_a, many_invitations):
    plan = plan_for(projectmanager_a, people_file(60, bad=41))

    assert plan.saves_nothing
    assert [person.line for person in plan.people if person.errors] == [43]  # the header is line 1
    assert "Line 43: “Nowhere AG” is none of the companies" in plan.people[41].errors[0]
    with pytest.raises(Exception, match="nothing was saved"):
        people_import(actor=projectmanager_a, instance=projectmanager_a.company.instance, plan=plan)
    assert not User.objects.filter(email__startswith="person").exists()


def test_the_fixed_file_creates_everyone_with_their_roles_and_queues_their_welcome_emails(
    projectmanager_a, owner_a, many_invitations, django_capture_on_commit_callbacks
):
    plan = plan_for(projectmanager_a, people_file(60))

    result = people_import(actor=projectmanager_a, instance=owner_a.instance, plan=plan)

    assert (result.created, result.changed, result.unchanged) == (60, 0, 0)
    assert (
        CompanyGrant.objects.filter(user__email__startswith="person", company=owner_a, role__code="customer").count()
        == 60
    )
    assert OutgoingMessage.objects.filter(recipient__email__startswith="person").count() == 60
    entries = AuditLogEntry.objects.filter(action="user.created", subject_user__email__startswith="person")
    assert {entry.params["batch"] for entry in entries} == {result.batch}


def test_a_refusal_in_the_middle_rolls_the_whole_file_back(projectmanager_a, owner_a, settings):
    settings.INVITATIONS_PER_HOUR = 10  # the eleventh welcome email is refused

    with pytest.raises(Exception, match="many invitations"):
        people_import(
            actor=projectmanager_a, instance=owner_a.instance, plan=plan_for(projectmanager_a, people_file(20))
        )

    assert not User.objects.filter(email__startswith="person").exists()


def test_a_role_beyond_the_managers_is_an_error_of_its_line(provider_pm_b, provider_b):
    raw = (HEADER + "b@provider-b.example,B,B,Provider B,en,,Service provider · Provider B: Projectmanager\n").encode()

    plan = plan_for(provider_pm_b, raw)

    assert plan.saves_nothing and "Line 2:" in plan.people[0].errors[0]


def test_an_existing_person_gets_the_roles_they_lack_and_keeps_their_profile(projectmanager_a, owner_a):
    person = UserFactory(company=owner_a, email="nemo@owner-a.example", last_name="Nemo")
    raw = (HEADER + f"{person.email},X,Y,Owner A,de,,Owner · Owner A: Customer\n").encode()

    result = people_import(actor=projectmanager_a, instance=owner_a.instance, plan=plan_for(projectmanager_a, raw))

    assert (result.created, result.changed) == (0, 1)
    assert list(CompanyGrant.objects.filter(user=person).values_list("level", "role__code")) == [("owner", "customer")]
    assert User.objects.get(pk=person.pk).last_name == "Nemo"


def test_a_role_already_held_changes_nothing_even_for_someone_the_manager_cannot_change(
    projectmanager_a, owner_a, provider_b
):
    above = UserFactory(company=owner_a, email="above@owner-a.example")
    grant_company_role(above, Level.OWNER, owner_a, "customer")
    grant_company_role(above, Level.SERVICE_PROVIDER, provider_b, "provider-project-manager")
    raw = (HEADER + f"{above.email},A,B,Owner A,de,,Owner · Owner A: Customer\n").encode()

    plan = plan_for(projectmanager_a, raw)

    assert plan.counts() == {"create": 0, "change": 0, "unchanged": 1, "error": 0}


def test_a_person_the_manager_cannot_change_is_an_error(projectmanager_a, provider_b):
    stranger = UserFactory(company=provider_b, email="stranger@provider-b.example")
    raw = (HEADER + f"{stranger.email},S,S,Owner A,en,,\n").encode()

    plan = plan_for(projectmanager_a, raw)

    assert plan.saves_nothing


def test_the_exported_list_reimports_without_change(client, login, projectmanager_a, owner_a, employee_a, manager_a):
    login(projectmanager_a)
    exported = b"".join(client.post(reverse("users:user-export", args=[owner_a.instance.slug])).streaming_content)

    plan = plan_for(projectmanager_a, exported)

    assert not plan.saves_nothing, [p.errors for p in plan.people]
    # The two people and the manager's own line, which the list names too.
    assert plan.counts() == {"create": 0, "change": 0, "unchanged": 3, "error": 0}


def test_a_line_giving_the_manager_a_role_of_their_own_is_refused(projectmanager_a, owner_a):
    raw = (HEADER + f"{projectmanager_a.email},Petra,Projekt,Owner A,en,,Owner · Owner A: Customer\n").encode()

    plan = plan_for(projectmanager_a, raw)

    assert plan.saves_nothing
    assert plan.people[0].errors == [
        "Line 2: you cannot change your own roles; another user manager or operator staff can."
    ]


def test_a_german_export_reimports_too(client, login, projectmanager_a, owner_a, employee_a):
    projectmanager_a.language = "de"
    projectmanager_a.save()
    login(projectmanager_a)
    client.cookies["django_language"] = "de"
    exported = b"".join(
        client.post(
            reverse("users:user-export", args=[owner_a.instance.slug]), HTTP_ACCEPT_LANGUAGE="de"
        ).streaming_content
    )

    plan = plan_for(projectmanager_a, exported)

    assert plan.counts()["error"] == 0 and plan.counts()["unchanged"] >= 1


# --- files that are not what they should be ------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "not a CSV file"),
        (b"", "The submitted file is empty."),
        (b"name,company\nNora,Owner A\n", "no column"),
        ((HEADER + "".join(line(n) for n in range(1001))).encode(), "more than 1000 people"),
        (b"x" * (2 * 1024 * 1024 + 10), "larger than 2 MB"),
    ],
    ids=["binary", "empty", "no-email-column", "too-many-lines", "too-big"],
)
def test_a_file_that_cannot_be_read_gets_a_form_error(client, login, projectmanager_a, owner_a, raw, message):
    login(projectmanager_a)

    response = upload(client, owner_a.instance, raw)

    assert response.status_code == 400
    assert message in response.content.decode()


def test_ten_thousand_lines_get_a_clear_message(client, login, projectmanager_a, owner_a):
    login(projectmanager_a)
    raw = (HEADER + "".join(line(n) for n in range(10_000))).encode()

    response = upload(client, owner_a.instance, raw)

    assert response.status_code == 400 and "more than 1000 people" in response.content.decode()


def test_a_formula_in_a_cell_is_an_error_of_its_line(projectmanager_a):
    raw = (HEADER + 'f@owner-a.example,=HYPERLINK("http://evil"),X,Owner A,en,,\n').encode()

    plan = plan_for(projectmanager_a, raw)

    assert plan.saves_nothing and "a formula in first_name is not taken" in plan.people[0].errors[0]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_utf8_with_and_without_bom_and_windows_1252_read_alike(projectmanager_a, encoding):
    raw = (HEADER + "zoe@owner-a.example,Zoë,Müller,Owner A,de,,Owner · Owner A: Customer\n").encode(encoding)

    plan = plan_for(projectmanager_a, raw)

    assert (plan.people[0].first_name, plan.people[0].last_name) == ("Zoë", "Müller")
    assert not plan.saves_nothing


def test_semicolons_as_excel_writes_them_in_german(projectmanager_a):
    raw = (HEADER.replace(",", ";") + "zoe@owner-a.example;Zoë;Müller;Owner A;de;;Owner · Owner A: Customer\n").encode()

    plan = plan_for(projectmanager_a, raw)

    assert plan.people[0].email == "zoe@owner-a.example" and not plan.saves_nothing


# --- the pages -----------------------------------------------------------------------------------


def test_the_preview_lists_every_line_and_confirming_imports(
    client, login, projectmanager_a, owner_a, many_invitations, django_capture_on_commit_callbacks
):
    login(projectmanager_a)

    preview = upload(client, owner_a.instance, people_file(3))
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(reverse("users:user-import", args=[owner_a.instance.slug]), {"op": "confirm"})

    assert preview.status_code == 200 and "3 to create" in preview.content.decode()
    assert done.status_code == 302
    assert User.objects.filter(email__startswith="person").count() == 3


def test_a_preview_with_errors_offers_no_import(client, login, projectmanager_a, owner_a):
    login(projectmanager_a)

    preview = upload(client, owner_a.instance, people_file(3, bad=1))

    assert preview.status_code == 400
    assert 'value="confirm"' not in preview.content.decode()


def test_the_import_page_refuses_someone_who_manages_no_users(client, login, manager_a, owner_a):
    login(manager_a)

    assert client.get(reverse("users:user-import", args=[owner_a.instance.slug])).status_code == 403


def test_the_import_page_sends_anonymous_visitors_to_the_login(client, owner_a):
    response = client.get(reverse("users:user-import", args=[owner_a.instance.slug]))

    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_the_template_is_a_csv_with_the_documented_columns(client, login, projectmanager_a, owner_a):
    login(projectmanager_a)

    response = client.get(reverse("users:user-import-template", args=[owner_a.instance.slug]))

    assert response["Content-Type"].startswith("text/csv")
    assert response.content.decode("utf-8-sig").splitlines()[0] == HEADER.strip()
