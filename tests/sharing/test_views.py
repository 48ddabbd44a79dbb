"""Cockpit Shares over HTTP: the operator's flag, the admins' pages, the invitation link, what a share allows."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from entities.models import AuditLogEntry, Company, Level, SectionSettings
from sharing.invitations import token_hash
from sharing.models import AllowedCompany, Share, SharingSettings
from sharing.modules import ShareLevel
from tests.factories import PASSWORD, CompanyFactory, UserFactory, cockpit_page_form
from tests.support.sharing import OWNER_NAME

pytestmark = pytest.mark.django_db


def shares_url(instance, name="share-list", **kwargs):
    return reverse(f"sharing:{name}", kwargs={"instance_slug": instance.slug, **kwargs})


def dashboard(instance):
    return reverse("cockpit:dashboard", kwargs={"instance_slug": instance.slug})


def entity_url(instance, building, section=None):
    if section is None:
        return reverse("entities:entity-list", kwargs={"instance_slug": instance.slug})
    return reverse(
        "entities:entity-section", kwargs={"instance_slug": instance.slug, "pk": building.pk, "section": section}
    )


def share_form(cockpit, email, inventory=ShareLevel.READ, customer_care=ShareLevel.NONE, ends_on="", scopes=None):
    """The Share form as the admin of conftest fills it: by default, the entities their company owns."""
    if scopes is None:
        scopes = [f"{Level.OWNER}:{Company.objects.get(name=OWNER_NAME).pk}"]
    return {
        "cockpit": cockpit.pk,
        "email": email,
        "scopes": scopes,
        "inventory": inventory,
        "customer_care": customer_care,
        "ends_on": ends_on,
    }


# --- the flag and the allow-list -------------------------------------------------------------


def test_without_the_flag_there_is_no_sidebar_entry_and_the_page_answers_404(client, login, admin, instance):
    login(admin)

    assert "Cockpit Shares" not in client.get(dashboard(instance)).content.decode()
    assert client.get(shares_url(instance)).status_code == 404


def test_with_the_flag_company_admins_find_cockpit_shares_in_the_sidebar(client, login, admin, instance, shareable):
    login(admin)

    assert shares_url(instance) in client.get(dashboard(instance)).content.decode()
    assert client.get(shares_url(instance)).status_code == 200


def test_switching_the_flag_off_stops_shares_on_the_next_request_and_on_again_brings_them_back(
    client, login, guest, instance, shared_with, operator_admin, partner
):
    from sharing.services import sharing_settings_save

    shared_with(guest)
    login(guest)
    assert client.get(dashboard(instance)).status_code == 200
    settings = SharingSettings.objects.get(instance=instance)

    sharing_settings_save(actor=operator_admin, settings=settings, is_shareable=False, allowed_companies=[partner])
    assert client.get(dashboard(instance)).status_code == 404
    assert AuditLogEntry.objects.filter(subject_user=guest, action="share.suspended").exists()

    sharing_settings_save(actor=operator_admin, settings=settings, is_shareable=True, allowed_companies=[partner])
    assert client.get(dashboard(instance)).status_code == 200
    assert AuditLogEntry.objects.filter(subject_user=guest, action="share.resumed").exists()
    assert Share.objects.filter(user=guest).exists()  # nothing was deleted


def test_taking_the_company_off_the_allow_list_stops_its_users_shares_and_returning_it_restores_them(
    client, login, guest, instance, shared_with, operator_admin, partner
):
    from sharing.services import sharing_settings_save

    shared_with(guest)
    login(guest)
    settings = SharingSettings.objects.get(instance=instance)

    sharing_settings_save(actor=operator_admin, settings=settings, is_shareable=True, allowed_companies=[])
    assert client.get(dashboard(instance)).status_code == 404

    sharing_settings_save(actor=operator_admin, settings=settings, is_shareable=True, allowed_companies=[partner])
    assert client.get(dashboard(instance)).status_code == 200


def test_the_operator_sets_the_flag_and_allow_list_in_the_admin_and_it_is_audited(
    client, login, operator_admin, instance, partner
):
    admin_client = login(operator_admin)

    response = admin_client.post(
        reverse("admin:entities_instance_change", args=[instance.pk]),
        cockpit_page_form(
            instance, **{"sharing_settings-0-is_shareable": "on", "sharing_settings-0-allowed": [partner.pk]}
        ),
        REMOTE_ADDR="203.0.113.9",
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    settings = SharingSettings.objects.get(instance=instance)
    assert settings.is_shareable and list(settings.allowed.values_list("company", flat=True)) == [partner.pk]
    entry = AuditLogEntry.objects.get(action="sharing.settings_changed")
    assert entry.actor == operator_admin and entry.ip_address == "203.0.113.9"
    assert entry.changes["allowed_companies"] == [[], ["Rhein Clean GmbH"]]


def test_a_company_of_the_cockpit_itself_cannot_be_allow_listed(client, login, operator_admin, instance, owner):
    admin_client = login(operator_admin)

    admin_client.post(
        reverse("admin:entities_instance_change", args=[instance.pk]),
        cockpit_page_form(
            instance, **{"sharing_settings-0-is_shareable": "on", "sharing_settings-0-allowed": [owner.pk]}
        ),
    )

    assert not AllowedCompany.objects.exists()


def test_the_allow_list_picker_names_each_companys_cockpit(client, login, operator_admin, partner):
    admin_client = login(operator_admin)

    found = admin_client.get(
        reverse("admin:autocomplete"),
        {"term": "Rhein", "app_label": "sharing", "model_name": "sharingsettings", "field_name": "allowed_companies"},
    ).json()

    assert {"id": str(partner.pk), "text": "Rhein Clean GmbH (Rhein Cleaning Group)"} in found["results"]


# --- sharing: who may be invited --------------------------------------------------------------


def test_only_cockpits_with_an_allow_listed_company_are_offered(client, login, admin, instance, shareable):
    from tests.factories import InstanceFactory

    InstanceFactory(slug="elsewhere", name="Elsewhere Cockpit")
    login(admin)

    page = client.get(shares_url(instance, "share-create")).content.decode()

    assert "Rhein Cleaning Group" in page and "Elsewhere Cockpit" not in page


@pytest.mark.parametrize("case", ["company not allowed", "inactive user", "no such user", "user of this cockpit"])
def test_every_unsuitable_address_gets_the_same_error_and_saves_nothing(
    client, login, admin, instance, other_instance, shareable, owner, case
):
    elsewhere = CompanyFactory(instance=other_instance, name="Not allowed AG")
    email = {
        "company not allowed": UserFactory(company=elsewhere).email,
        "inactive user": UserFactory(company=shareable.allowed.get().company, is_active=False).email,
        "no such user": "nobody@nowhere.example",
        "user of this cockpit": UserFactory(company=owner).email,
    }[case]
    login(admin)

    response = client.post(shares_url(instance, "share-create"), share_form(other_instance, email))

    assert response.status_code == 400
    assert "No user of an allowed company of that cockpit has this email address." in response.content.decode()
    assert not Share.objects.exists()


def test_sharing_needs_inventory_or_customer_care(client, login, admin, instance, other_instance, shareable, guest):
    login(admin)

    response = client.post(
        shares_url(instance, "share-create"),
        share_form(other_instance, guest.email, inventory=ShareLevel.NONE, customer_care=ShareLevel.NONE),
    )

    assert "Give at least Inventory or Customer care." in response.content.decode()
    assert not Share.objects.exists()


def test_sharing_again_with_someone_who_has_a_share_says_so_and_edits_nothing(
    client, login, admin, instance, other_instance, guest, invite
):
    share, _token = invite(guest, inventory=ShareLevel.READ)
    login(admin)

    response = client.post(
        shares_url(instance, "share-create"), share_form(other_instance, guest.email, ShareLevel.WRITE)
    )

    assert "already has a share of this cockpit" in response.content.decode()
    share.refresh_from_db()
    assert share.inventory == ShareLevel.READ and Share.objects.count() == 1


def test_inviting_emails_a_link_in_the_recipients_language(
    client, login, admin, instance, other_instance, shareable, guest, mailoutbox, django_capture_on_commit_callbacks
):
    guest.language = "de"
    guest.save()
    login(admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(shares_url(instance, "share-create"), share_form(other_instance, guest.email))

    assert response["Location"] == shares_url(instance)
    (message,) = mailoutbox
    assert message.to == [guest.email]
    assert "Alpine Facility Services" in message.subject and "geteilt" in message.subject
    assert "/invitations/" in message.body
    share = Share.objects.get(user=guest)
    token = message.body.split("/invitations/")[1].split("/")[0]
    assert len(token) >= 43 and share.invitation_token_hash == token_hash(token) != token  # 256 bits, stored hashed
    assert AuditLogEntry.objects.filter(subject_user=guest, action="share.created", actor=admin).exists()


def test_invitations_are_limited_per_admin_and_hour(
    client, login, admin, instance, other_instance, shareable, partner, settings
):
    settings.INVITATIONS_PER_HOUR = 1
    first, second = UserFactory(company=partner), UserFactory(company=partner)
    login(admin)

    client.post(shares_url(instance, "share-create"), share_form(other_instance, first.email))
    response = client.post(shares_url(instance, "share-create"), share_form(other_instance, second.email))

    assert "many invitations in the last hour" in response.content.decode()
    assert not Share.objects.filter(user=second).exists()


# --- the invitation link ---------------------------------------------------------------------


def test_the_invitation_link_lands_in_the_shared_cockpit_after_the_invitees_own_login(client, guest, instance, invite):
    _share, token = invite(guest)
    link = reverse("invitations:accept", kwargs={"token": token})

    to_login = client.get(link)
    assert to_login["Location"].startswith(reverse("accounts:login"))
    after_login = client.post(to_login["Location"], {"username": guest.email, "password": PASSWORD, "next": link})
    landed = client.get(after_login["Location"])

    assert landed["Location"] == dashboard(instance)
    assert client.get(dashboard(instance)).status_code == 200
    share = Share.objects.get(user=guest)
    assert share.accepted_at is not None and share.invitation_token_hash == ""
    assert AuditLogEntry.objects.filter(subject_user=guest, action="share.accepted").exists()


def test_the_invitation_link_waits_for_the_invitees_second_factor(client, guest, instance, invite):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.support.sign_in import second_step, totp_code

    guest.otp_required = True
    guest.save()
    device = TOTPDevice.objects.create(user=guest, name="app", confirmed=True)
    _share, token = invite(guest)
    link = reverse("invitations:accept", kwargs={"token": token})
    client.post(reverse("accounts:login"), {"username": guest.email, "password": PASSWORD})

    assert client.get(link)["Location"].startswith(reverse("accounts:second-factor"))
    assert Share.objects.get(user=guest).accepted_at is None
    second_step(client, totp_code(device), next_url=link)
    assert client.get(link)["Location"] == dashboard(instance)


def test_another_logged_in_user_following_the_link_gets_404_and_the_share_is_untouched(
    client, login, guest, partner, invite
):
    _share, token = invite(guest)
    login(UserFactory(company=partner))

    response = client.get(reverse("invitations:accept", kwargs={"token": token}))

    assert response.status_code == 404
    share = Share.objects.get(user=guest)
    assert share.accepted_at is None and share.invitation_token_hash == token_hash(token)


def test_the_invitation_link_works_once(client, login, guest, invite):
    _share, token = invite(guest)
    login(guest)
    client.get(reverse("invitations:accept", kwargs={"token": token}))

    assert client.get(reverse("invitations:accept", kwargs={"token": token})).status_code == 404


def test_an_unopened_invitation_expires_after_seven_days_and_a_resend_brings_a_new_link(
    client, login, guest, admin, instance, invite, mailoutbox, django_capture_on_commit_callbacks
):
    share, token = invite(guest)
    Share.objects.filter(pk=share.pk).update(invitation_expires_at=timezone.now() - datetime.timedelta(seconds=1))
    login(guest)
    expired = client.get(reverse("invitations:accept", kwargs={"token": token}))
    assert expired.status_code == 410 and "has expired" in expired.content.decode()

    login(admin)
    assert 'data-state="expired"' in client.get(shares_url(instance)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(shares_url(instance, "share-resend", pk=share.pk))
    new_token = mailoutbox[-1].body.split("/invitations/")[1].split("/")[0]
    share.refresh_from_db()

    assert new_token != token and share.invitation_expires_at > timezone.now() + datetime.timedelta(days=6)


# --- what a share allows ---------------------------------------------------------------------


def test_inventory_read_reads_entities_and_changes_nothing(client, login, guest, instance, building, shared_with):
    shared_with(guest, inventory=ShareLevel.READ)
    login(guest)

    assert client.get(entity_url(instance, building)).status_code == 200
    assert client.get(entity_url(instance, building, "master_data")).status_code == 200
    edit = reverse(
        "entities:entity-section-edit",
        kwargs={"instance_slug": instance.slug, "pk": building.pk, "section": "features"},
    )
    assert client.post(edit, {"document_manager": "on"}).status_code == 403
    assert not SectionSettings.objects.filter(entity=building).exists()


def test_inventory_write_edits_the_entity_sections(client, login, guest, instance, building, shared_with):
    shared_with(guest, inventory=ShareLevel.WRITE)
    login(guest)
    edit = reverse(
        "entities:entity-section-edit",
        kwargs={"instance_slug": instance.slug, "pk": building.pk, "section": "master_data"},
    )

    response = client.post(edit, {"name": "Klinik Nord (neu)", "address": "Seestrasse 1"})

    assert response.status_code == 302
    building.refresh_from_db()
    assert building.name == "Klinik Nord (neu)"


def test_chat_needs_customer_care_write_to_post(client, login, guest, instance, building, shared_with):
    from entities.models import ChatMessage

    share = shared_with(guest, inventory=ShareLevel.READ, customer_care=ShareLevel.READ)
    login(guest)
    post = reverse(
        "entities:entity-section-edit", kwargs={"instance_slug": instance.slug, "pk": building.pk, "section": "chat"}
    )

    assert client.get(entity_url(instance, building, "chat")).status_code == 200
    assert client.post(post, {"body": "Hallo"}).status_code == 403
    Share.objects.filter(pk=share.pk).delete()
    shared_with(guest, inventory=ShareLevel.NONE, customer_care=ShareLevel.WRITE)
    assert client.post(post, {"body": "Hallo"}).status_code == 302
    assert ChatMessage.objects.filter(entity=building).count() == 1


def test_chat_is_closed_with_inventory_only(client, login, guest, instance, building, shared_with):
    shared_with(guest, inventory=ShareLevel.WRITE)
    login(guest)
    post = reverse(
        "entities:entity-section-edit", kwargs={"instance_slug": instance.slug, "pk": building.pk, "section": "chat"}
    )

    assert client.get(entity_url(instance, building, "chat")).status_code == 404
    assert client.post(post, {"body": "Hallo"}).status_code == 404


def test_a_share_gives_no_user_management_shares_or_explain_pages(client, login, guest, admin, instance, shared_with):
    shared_with(guest, inventory=ShareLevel.WRITE, customer_care=ShareLevel.WRITE)
    login(guest)

    for url in (
        reverse("users:user-list", kwargs={"instance_slug": instance.slug}),
        reverse("users:user-create", kwargs={"instance_slug": instance.slug}),
        reverse("users:user-explain", kwargs={"instance_slug": instance.slug, "pk": admin.pk}),
        shares_url(instance),
    ):
        assert client.get(url).status_code == 404, url
    assert client.get(reverse("admin:index"), follow=True).status_code == 403


@pytest.mark.parametrize("change", ["removed", "lowered", "ended"])
def test_removing_lowering_or_ending_a_share_takes_effect_on_the_next_request(
    client, login, guest, instance, building, shared_with, admin, change
):
    from sharing.services import share_remove, share_update

    share = shared_with(guest, inventory=ShareLevel.WRITE)
    login(guest)
    assert client.get(entity_url(instance, building, "master_data")).status_code == 200
    if change == "removed":
        share_remove(actor=admin, share=share)
    elif change == "lowered":
        share_update(
            actor=admin,
            share=share,
            inventory=ShareLevel.NONE,
            customer_care=ShareLevel.READ,
            scopes=[(scope.level, scope.company_id) for scope in share.scopes.all()],
        )
    else:
        Share.objects.filter(pk=share.pk).update(ends_on=timezone.localdate() - datetime.timedelta(days=1))

    expected = {"removed": 404, "lowered": 404, "ended": 404}[change]
    assert client.get(entity_url(instance, building, "master_data")).status_code == expected


def test_the_admin_edits_a_share_with_the_pen_and_the_change_is_audited(
    client, login, admin, guest, instance, shared_with
):
    share = shared_with(guest, inventory=ShareLevel.READ)
    login(admin)

    response = client.post(
        shares_url(instance, "share-edit", pk=share.pk),
        {
            "inventory": ShareLevel.WRITE,
            "customer_care": ShareLevel.READ,
            "ends_on": "",
            "scopes": [f"{scope.level}:{scope.company_id}" for scope in share.scopes.all()],
        },
    )

    assert response.status_code == 302
    share.refresh_from_db()
    assert (share.inventory, share.customer_care) == (ShareLevel.WRITE, ShareLevel.READ)
    entry = AuditLogEntry.objects.get(action="share.changed")
    assert entry.changes["inventory"] == [ShareLevel.READ, ShareLevel.WRITE]


def test_the_bin_asks_first_then_removes(client, login, admin, guest, instance, shared_with):
    share = shared_with(guest)
    login(admin)

    confirm = client.get(shares_url(instance, "share-remove", pk=share.pk))
    assert confirm.status_code == 200 and Share.objects.filter(pk=share.pk).exists()
    client.post(shares_url(instance, "share-remove", pk=share.pk))

    assert not Share.objects.filter(pk=share.pk).exists()
    assert AuditLogEntry.objects.filter(subject_user=guest, action="share.removed").exists()


def test_a_shared_user_leaves_a_cockpit_shared_with_them(client, login, guest, instance, shared_with):
    shared_with(guest)
    login(guest)

    response = client.post(shares_url(instance, "share-leave"))

    assert response["Location"] == reverse("home")
    assert client.get(dashboard(instance)).status_code == 404
    assert AuditLogEntry.objects.filter(subject_user=guest, action="share.left").exists()


# --- the switcher and the dashboard ----------------------------------------------------------


def test_the_switcher_lists_exactly_the_cockpits_the_user_can_reach(
    client, login, guest, instance, other_instance, shared_with
):
    login(guest)
    own = client.get(dashboard(other_instance)).content.decode()
    assert 'data-testid="cockpit-switcher"' not in own

    shared_with(guest)
    page = client.get(dashboard(other_instance)).content.decode()
    switcher = page[page.index('data-testid="cockpit-switcher"') : page.index("</details>")]

    assert switcher.count("<li>") == 2
    assert switcher.index("Rhein Cleaning Group") < switcher.index("Alpine Facility Services")  # home first
    assert "shared" in switcher


def test_the_dashboard_of_a_shared_cockpit_says_what_the_share_gives(client, login, guest, instance, shared_with):
    shared_with(guest, inventory=ShareLevel.READ, customer_care=ShareLevel.WRITE)
    login(guest)

    page = client.get(dashboard(instance)).content.decode()
    note = page[page.index('data-testid="share-access"') :]

    assert "Inventory" in note and "Read" in note and "Customer care" in note and "Write" in note


# --- every page's permission ----------------------------------------------------------------


def share_pages(instance, share):
    return [
        shares_url(instance),
        shares_url(instance, "share-create"),
        shares_url(instance, "share-edit", pk=share.pk),
        shares_url(instance, "share-remove", pk=share.pk),
    ]


def test_share_pages_send_anonymous_users_to_login(client, instance, guest, invite):
    share, _token = invite(guest)

    for url in share_pages(instance, share):
        assert client.get(url)["Location"].startswith(reverse("accounts:login")), url


def test_share_pages_are_closed_to_users_who_do_not_manage_users(client, login, instance, owner, guest, invite):
    share, _token = invite(guest)
    login(UserFactory(company=owner))

    for url in share_pages(instance, share):
        assert client.get(url).status_code == 403, url


def test_share_pages_of_another_cockpit_answer_404(client, login, admin, other_instance, guest, invite):
    share, _token = invite(guest)
    login(admin)

    for url in share_pages(other_instance, share):
        assert client.get(url).status_code == 404, url


def test_share_pages_open_to_the_cockpits_admins(client, login, admin, instance, guest, invite):
    share, _token = invite(guest)
    login(admin)

    for url in share_pages(instance, share):
        assert client.get(url).status_code == 200, url


def test_the_share_list_makes_as_many_queries_for_many_shares_as_for_few(
    client, login, admin, instance, partner, invite, count_queries
):
    login(admin)
    invite(UserFactory(company=partner))
    client.get(shares_url(instance))
    few = count_queries(lambda: client.get(shares_url(instance)))
    for _ in range(6):
        invite(UserFactory(company=partner))

    assert count_queries(lambda: client.get(shares_url(instance))) == few


def test_user_management_offers_a_share_for_an_address_held_elsewhere(client, login, admin, guest, owner, shareable):
    # given: the admin tries to create a login for someone of the partner cockpit
    login(admin)
    data = {
        "email": guest.email,
        "first_name": "Gina",
        "last_name": "",
        "company": owner.pk,
        "language": "en",
        "mobile_phone": "",
        "company-TOTAL_FORMS": "0",
        "company-INITIAL_FORMS": "0",
        "entity-TOTAL_FORMS": "0",
        "entity-INITIAL_FORMS": "0",
    }

    # when
    page = client.post(reverse("users:user-create", kwargs={"instance_slug": owner.instance.slug}), data)

    # then: the form offers Cockpit Shares, which opens with the address filled in
    share_url = reverse("sharing:share-create", kwargs={"instance_slug": owner.instance.slug})
    assert f'href="{share_url}?email=gina%40rhein.example"' in page.content.decode()
    form = client.get(share_url, {"email": guest.email}).context["form"]
    assert form["email"].value() == guest.email


def test_user_management_offers_no_share_while_the_cockpit_is_not_shareable(client, login, admin, guest, owner):
    login(admin)
    data = {
        "email": guest.email,
        "company": owner.pk,
        "language": "en",
        "company-TOTAL_FORMS": "0",
        "company-INITIAL_FORMS": "0",
        "entity-TOTAL_FORMS": "0",
        "entity-INITIAL_FORMS": "0",
    }

    page = client.post(reverse("users:user-create", kwargs={"instance_slug": owner.instance.slug}), data)

    assert 'data-testid="offer-share"' not in page.content.decode()
    assert "This email address cannot be used for a new login here." in page.content.decode()


# --- the last visit the shares list shows ------------------------------------------------------


def test_a_visit_of_the_shared_cockpit_is_noted_for_the_share(client, login, guest, instance, shared_with):
    share = shared_with(guest)
    login(guest)

    client.get(dashboard(instance))

    assert Share.objects.get(pk=share.pk).last_visit_at is not None


def test_visits_within_the_hour_are_noted_once(client, login, guest, instance, shared_with):
    share = shared_with(guest)
    login(guest)
    client.get(dashboard(instance))
    first = Share.objects.get(pk=share.pk).last_visit_at

    client.get(entity_url(instance, None))

    assert Share.objects.get(pk=share.pk).last_visit_at == first


def test_a_visit_of_ones_own_cockpit_notes_no_share(client, login, guest, other_instance, shared_with):
    share = shared_with(guest)
    login(guest)

    client.get(dashboard(other_instance))

    assert Share.objects.get(pk=share.pk).last_visit_at is None
