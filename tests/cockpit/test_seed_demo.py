import base64
import re
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.test import TestCase
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.second_factor import confirmed_devices, second_factor_required
from cockpit.management.commands.seed_demo import DEMO_PASSWORD, SECOND_FACTORS, USERS
from entities.access import entity_access, visible_entities
from entities.models import AuditLogEntry, BusinessEntity, ChatMessage, Company, Instance, SectionSettings
from entities.permissions import user_has_entity_pages, visible_sections
from entities.sections import SECTION_SPECS, display_rows
from entities.selectors import analytics_figures, entity_list_page, master_data, section_data, section_entries
from outbox.sms import FakeGateway
from plans.models import PlanFile, PlanStatus
from sharing.models import AllowedCompany, Share, SharingSettings
from sharing.modules import ShareLevel
from tablets.models import Tablet
from users.permissions import manager_reach
from users.selectors import managed_users

pytestmark = pytest.mark.django_db

# What a newcomer added to their authenticator app: it must not change from run to run or release to release.
DEMO_ADMIN_KEY = "F3RNRD2DELTLMZJ5MSKOTX5PUIHMUJJI"


@pytest.fixture(autouse=True)
def sms_outbox():
    FakeGateway.outbox.clear()
    yield FakeGateway.outbox
    FakeGateway.outbox.clear()


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def first_run(django_db_setup, django_db_blocker):
    """One seeded demo world for the whole module, as a fresh `make run` leaves it: its output and the emails sent.

    Seeding takes seconds, so it runs once; each test runs in a savepoint inside the
    seeded transaction, which is rolled back when the module is done.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        mail.outbox = []
        with TestCase.captureOnCommitCallbacks(execute=True):
            output = seed()
        yield output, [message.to[0] for message in mail.outbox]
        transaction.set_rollback(True)


@pytest.fixture
def output(first_run) -> str:
    return first_run[0]


def printed_totp_key(output: str) -> str:
    return re.search(r"^ +key  ([A-Z2-7]+)$", output, re.MULTILINE).group(1)


def printed_backup_codes(output: str) -> list[str]:
    return re.search(r"backup codes, each works once.*\n +(.+)$", output, re.MULTILINE).group(1).split()


def password_step(client, email: str):
    """The login page as a person fills it in; returns the page it ends on."""
    return client.post("/accounts/login/", {"username": email, "password": DEMO_PASSWORD}, follow=True)


def second_step(client, method: str, code: str):
    return client.post(f"/accounts/second-factor/?method={method}", {"method": method, "code": code}, follow=True)


def lands_on_dashboard(response, slug: str = "alpine") -> bool:
    return response.status_code == 200 and response.request["PATH_INFO"] == f"/c/{slug}/"


def test_seed_demo_creates_two_cockpits_with_companies_entities_and_users(output):
    assert Instance.objects.count() == 2
    assert Company.objects.filter(is_operator=True).exists()
    assert Company.objects.filter(is_operator=False).count() >= 12
    assert BusinessEntity.objects.count() >= 300
    assert User.objects.filter(is_staff=True, company__is_operator=True).exists()
    # Seed 003's example (an owner role at Zurich), the quality-feedback user and the CAD plan provider
    # (roles on Zurich's entities) are external users in the Zurich Projectmanager's User Management.
    zurich_pm = User.objects.get(email="pm@zurich-property.demo")
    reach = manager_reach(zurich_pm, zurich_pm.company.instance)
    assert {user.email for user in managed_users(reach=reach, kind="external")} == {
        "owner-provider@cleanpro.demo",
        "qc@technikum.demo",
        "plans@cadpartner.demo",
    }


def demo_counts() -> tuple[int, ...]:
    return (
        Instance.objects.count(),
        Company.objects.count(),
        BusinessEntity.objects.count(),
        User.objects.count(),
        SharingSettings.objects.count(),
        AllowedCompany.objects.count(),
        Share.objects.count(),
        AuditLogEntry.objects.filter(action__startswith="shar").count(),
        Tablet.objects.count(),
        AuditLogEntry.objects.filter(action__startswith="tablet.").count(),
        PlanStatus.objects.count(),
        PlanFile.objects.count(),
    )


def test_seed_demo_is_idempotent(output):
    counts = demo_counts()
    share = Share.objects.values().get()

    seed()

    assert demo_counts() == counts
    # The share is untouched.
    assert Share.objects.values().get() == share


def test_seed_demo_prints_logins_that_work(client, output):
    # given
    assert DEMO_PASSWORD in output
    assert "the other demo users sign in with the password alone" in output

    for user in User.objects.select_related("company__instance"):
        assert user.email in output
        # when
        response = password_step(client, user.email)
        # then
        if user.email in SECOND_FACTORS:
            assert response.request["PATH_INFO"] == "/accounts/second-factor/", user.email
        else:
            assert lands_on_dashboard(response, user.company.instance.slug), user.email
        client.logout()


def test_seed_demo_gives_every_user_under_the_policy_a_working_method(output):
    under_policy = {user.email for user in User.objects.all() if second_factor_required(user)}

    assert under_policy == set(SECOND_FACTORS)
    for email, (method, _) in SECOND_FACTORS.items():
        assert list(confirmed_devices(User.objects.get(email=email))) == [method], email


def test_seed_demo_admin_signs_in_with_the_printed_authenticator_key(client, output):
    # given
    key = printed_totp_key(output)
    assert f"otpauth://totp/Cockpit%3Aadmin%40soobr.demo?secret={key}&" in output
    password_step(client, "admin@soobr.demo")

    # when: the authenticator app computes the code from the key it was given
    response = second_step(client, "totp", f"{TOTP(base64.b32decode(key)).token():06d}")

    # then
    assert lands_on_dashboard(response)
    assert client.get("/admin/").status_code == 200


def test_seed_demo_admin_key_is_the_same_on_every_run(output):
    first = printed_totp_key(output)
    # Someone replaced the demo admin's key (e.g. enrolled anew): the next run brings the demo key back.
    TOTPDevice.objects.filter(user__email="admin@soobr.demo").update(key="00" * 20)

    second = printed_totp_key(seed())

    assert first == second == DEMO_ADMIN_KEY
    assert TOTPDevice.objects.filter(user__email="admin@soobr.demo").count() == 1


def test_seed_demo_sms_user_signs_in_with_the_code_sent(client, sms_outbox, output, django_capture_on_commit_callbacks):
    # given
    assert re.search(r"pm@zurich-property\.demo +SMS: press \"Send code\"; the SMS code", output)
    password_step(client, "pm@zurich-property.demo")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/second-factor/?method=sms", {"method": "sms", "send": "1"})
    (message,) = sms_outbox
    code = re.search(r"\b(\d{6})\b", message.body).group(1)
    response = second_step(client, "sms", code)

    # then
    assert message.phone == "+447700900123"
    assert lands_on_dashboard(response)


def test_seed_demo_backup_code_user_signs_in_with_a_printed_code_and_each_run_prints_new_ones(client, output):
    # given
    earlier = printed_backup_codes(output)
    codes = printed_backup_codes(seed())
    assert len(codes) == 10 and not set(codes) & set(earlier)
    password_step(client, "manager@helvetia.demo")

    # when
    response = second_step(client, "backup", codes[3])

    # then
    assert lands_on_dashboard(response)


def test_seed_demo_emails_about_the_new_sign_in_methods_only_on_the_first_run(
    first_run, django_capture_on_commit_callbacks, mailoutbox
):
    _output, first_run_recipients = first_run

    with django_capture_on_commit_callbacks(execute=True):
        seed()

    # The demo share is active at once: no invitation to follow.
    assert sorted(first_run_recipients) == sorted(SECOND_FACTORS)
    assert mailoutbox == []


RHEIN_USER = "pm@rhein-clean.demo"


def test_seed_demo_shares_the_first_cockpit_with_the_second_cockpits_user(output):
    alpine, rhein_user = Instance.objects.get(slug="alpine"), User.objects.get(email=RHEIN_USER)
    settings = SharingSettings.objects.get()
    assert settings.instance == alpine and settings.is_shareable
    assert [allowed.company for allowed in settings.allowed.all()] == [rhein_user.company]
    share = Share.objects.get()
    assert (share.instance, share.user, share.invited_by.email) == (alpine, rhein_user, "pm@zurich-property.demo")
    assert (share.inventory, share.customer_care) == (ShareLevel.READ, ShareLevel.WRITE)
    assert AuditLogEntry.objects.filter(action="share.created", actor__email="pm@zurich-property.demo").exists()
    assert AuditLogEntry.objects.filter(action="sharing.settings_changed", actor__email="admin@soobr.demo").exists()
    assert share.accepted_at is not None
    assert re.search(r"pm@rhein-clean\.demo .* also reaches /c/alpine/ by a Cockpit Share", output)
    assert re.search(
        r"Alpine Facility Services \(/c/alpine/\) is shared with pm@rhein-clean\.demo of Rhein Cleaning Group: "
        r"Inventory read, Customer care write, on the 79 business entities owned by Zurich Property AG; "
        r"pm@zurich-property\.demo manages it at /c/alpine/shares/",
        output,
    )


# --- issue 22's demo case: the share of pm@zurich-property.demo stays within her reach ---------


def test_the_demo_share_shows_its_user_exactly_the_givers_79_entities_and_never_more_rights(output):
    alpine = Instance.objects.get(slug="alpine")
    giver, user = User.objects.get(email="pm@zurich-property.demo"), User.objects.get(email=RHEIN_USER)

    shown = {entity.pk for entity in visible_entities(user.access_subject(), alpine)}
    seen = {entity.pk for entity in visible_entities(giver.access_subject(), alpine)}

    assert shown == seen and len(shown) == 79 and BusinessEntity.objects.filter(instance=alpine).count() == 323
    for entity in BusinessEntity.objects.filter(instance=alpine):
        through_share = entity_access(user.access_subject(), entity)
        if through_share is None:
            continue
        held = entity_access(giver.access_subject(), entity).rights
        assert all(right <= held[section] for section, right in through_share.rights.items()), entity.name
    # Neither the other owners' buildings, nor the operator's, nor CleanPro's competitor's figures.
    elsewhere = BusinessEntity.objects.filter(instance=alpine).exclude(owner__name="Zurich Property AG")
    assert not shown & set(elsewhere.values_list("pk", flat=True))


def demo_client(client, email):
    """A signed-in browser of a demo user, past the second step where they have one."""
    from tests.support.sign_in import verify_second_factor

    user = User.objects.get(email=email)
    client.force_login(user)
    verify_second_factor(client, user)
    return client


def test_a_manager_of_another_company_gets_404_on_the_demo_share_its_pen_and_its_bin(client, output):
    share = Share.objects.get()
    demo_client(client, "owner-provider@cleanpro.demo")
    pages = [f"/c/alpine/shares/{share.pk}/", f"/c/alpine/shares/{share.pk}/remove/"]

    assert share.user.email not in client.get("/c/alpine/shares/").content.decode()
    for url in pages:
        assert client.get(url).status_code == 404, url
    edit = client.post(pages[0], {"inventory": 2, "customer_care": 2, "scopes": ["cockpit"]})
    remove = client.post(pages[1])

    assert (edit.status_code, remove.status_code) == (404, 404)
    share.refresh_from_db()
    assert (share.inventory, share.customer_care) == (ShareLevel.READ, ShareLevel.WRITE)


@pytest.mark.parametrize("forged", ["another company", "the whole cockpit"])
def test_a_forged_scope_from_the_demo_giver_changes_nothing(client, output, forged):
    share = Share.objects.get()
    zurich = Company.objects.get(instance__slug="alpine", name="Zurich Property AG")
    helvetia = Company.objects.get(instance__slug="alpine", name="Helvetia Real Estate")
    scope = {"another company": f"owner:{helvetia.pk}", "the whole cockpit": "cockpit"}[forged]
    demo_client(client, "pm@zurich-property.demo")

    edit = client.post(
        f"/c/alpine/shares/{share.pk}/", {"inventory": 2, "customer_care": 2, "ends_on": "", "scopes": [scope]}
    )
    share.refresh_from_db()
    assert [(s.level, s.company_id) for s in share.scopes.all()] == [("owner", zurich.pk)]
    assert (share.inventory, share.customer_care) == (ShareLevel.READ, ShareLevel.WRITE)
    Share.objects.filter(pk=share.pk).delete()
    create = client.post(
        "/c/alpine/shares/new/",
        {
            "cockpit": Instance.objects.get(slug="rhein").pk,
            "email": RHEIN_USER,
            "inventory": 1,
            "customer_care": 0,
            "ends_on": "",
            "scopes": [scope],
        },
    )

    assert (edit.status_code, create.status_code) == (400, 400)
    assert not Share.objects.filter(user__email=RHEIN_USER).exists()


def test_seed_demo_rhein_user_reaches_the_first_cockpit_and_reads_it_without_editing_it(client, output):
    # given
    assert lands_on_dashboard(password_step(client, RHEIN_USER), "rhein")

    # when: the shared cockpit
    response = client.get("/c/alpine/")

    # then: the shared cockpit's dashboard, the switcher listing both cockpits, the shared one marked
    assert lands_on_dashboard(response, "alpine")
    page = response.content.decode()
    assert 'data-testid="share-access"' in page
    switcher = re.search(r'<details class="switcher".*?</details>', page, re.DOTALL).group(0)
    assert re.findall(r'<li><a href="(/c/[a-z]+/)"', switcher) == ["/c/rhein/", "/c/alpine/"]
    assert re.search(r"Alpine Facility Services <span class=\"badge\">shared</span>", switcher)
    # and the entities her giver shared read (those owned by Zurich Property AG), but Inventory edits nothing
    listing = client.get("/c/alpine/entities/")
    assert listing.status_code == 200
    owned = BusinessEntity.objects.filter(instance__slug="alpine", owner__name="Zurich Property AG")
    assert f"{owned.count()} business entities" in listing.content.decode()
    entity = owned.filter(section_settings__isnull=False).first()
    tab = client.get(f"/c/alpine/entities/{entity.pk}/route_planning/")
    assert tab.status_code == 200
    assert "Read only" in tab.content.decode()
    before = SectionSettings.objects.get(entity=entity, section="route_planning").data
    edit = client.post(
        f"/c/alpine/entities/{entity.pk}/route_planning/edit/",
        {"tours_per_day": 2, "max_tour_minutes": 120, "start_location": "Hintereingang"},
    )
    assert edit.status_code == 403
    assert SectionSettings.objects.get(entity=entity, section="route_planning").data == before
    # Customer care is shared with write: the chat takes their message.
    chat = client.post(f"/c/alpine/entities/{entity.pk}/chat/edit/", {"body": "Grüsse aus Basel"})
    assert chat.status_code == 302
    assert ChatMessage.objects.filter(entity=entity, body="Grüsse aus Basel").exists()
    # and no management of the shared cockpit
    assert client.get("/c/alpine/users/").status_code == 404
    assert client.get("/c/alpine/shares/").status_code == 404


def empty_sections(user: User, instance: Instance) -> list[str]:
    """The tabs of the first entity in the user's list (by name) that show no data, read as the page reads them."""
    subject = user.access_subject()
    if not user_has_entity_pages(subject, instance):
        return []  # the special roles' demo users work on the tablet and plan pages (their own test)
    (entity_row, _role, _level), *_rest = entity_list_page(subject=subject, instance=instance).rows
    entity = BusinessEntity.objects.get(pk=entity_row.pk)
    empty = []
    for section in visible_sections(subject, entity):
        spec = SECTION_SPECS[section]
        if spec.kind == "list":
            shows_data = bool(section_entries(entity=entity, section=section))
        else:
            data = (
                master_data(entity=entity)
                if spec.kind == "master_data"
                else section_data(entity=entity, section=section)
            )
            shows_data = "—" not in {shown for _label, shown in display_rows(spec.form_class, data)}
        if section == "analytics":
            figures = analytics_figures(entity=entity)
            shows_data = shows_data and figures["quality_count"] > 0 and figures["tour_count"] > 0
        if not shows_data:
            empty.append(f"{user.email} on {entity.name} (/c/{instance.slug}/): {section}")
    return empty


def test_seed_demo_fills_every_tab_of_the_first_entity_each_demo_user_opens(output):
    logins = [(email, slug) for email, _first, _last, (slug, _company), *_rest in USERS] + [(RHEIN_USER, "alpine")]

    empty = [
        tab
        for email, slug in logins
        for tab in empty_sections(User.objects.get(email=email), Instance.objects.get(slug=slug))
    ]

    assert empty == []


@pytest.mark.parametrize(
    ("email", "page", "shows"),
    [
        ("inventory@soobr.demo", "/c/alpine/tablets/", ["TAB-ALPINE-0001", "TAB-ALPINE-0027", "30 tablets"]),
        ("tablets@tabletpartner.demo", "/c/alpine/tablets/", ["TAB-ALPINE-0027", "4 Tablets"]),
        ("plans@cadpartner.demo", "/c/alpine/plans/", ["Neubau Europaallee 01", "Neubau Hafen Basel 03"]),
    ],
)
def test_seed_demo_gives_each_special_role_a_login_whose_page_shows_its_work(client, output, email, page, shows):
    assert email in output
    password_step(client, email)

    response = client.get(page)

    html = response.content.decode()
    assert response.status_code == 200
    for text in shows:
        assert text in html, (email, text)


def test_seed_demo_tablet_provider_sees_only_its_companys_tablets(client, output):
    password_step(client, "tablets@tabletpartner.demo")

    html = client.get("/c/alpine/tablets/").content.decode()

    assert "TAB-ALPINE-0027" in html
    assert "TAB-ALPINE-0001" not in html
