"""A cockpit's sharing settings on its own admin page (an inline that sharing adds to the cockpit's admin): saved
through the audited service, with a warning when the allow-list is saved while the flag is off."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import NoReverseMatch, reverse

from entities.models import AuditLogEntry, Instance
from sharing.models import Share, SharingSettings
from sharing.services import share_remove_by_staff
from tests.factories import CompanyFactory, InstanceFactory, OperatorCompanyFactory, UserFactory, cockpit_page_form

pytestmark = pytest.mark.django_db


def cockpit_page(instance):
    return reverse("admin:entities_instance_change", args=[instance.pk])


def save_cockpit_page(client, instance, **fields):
    return client.post(cockpit_page(instance), cockpit_page_form(instance, **fields), follow=True)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_cockpit_page_shows_its_sharing_settings(admin_client, instance):
    page = admin_client.get(cockpit_page(instance)).content.decode()

    assert "Sharing settings" in page
    assert 'name="sharing_settings-0-is_shareable"' in page
    assert 'name="sharing_settings-0-allowed"' in page


def test_sharing_settings_have_no_add_page_of_their_own(admin_client):
    with pytest.raises(NoReverseMatch):
        reverse("admin:sharing_sharingsettings_add")

    assert "/admin/sharing/sharingsettings/" not in admin_client.get(reverse("admin:index")).content.decode()


def test_cockpit_page_saves_the_flag_and_allow_list_through_the_audited_service(
    admin_client, operator_admin, instance, partner
):
    save_cockpit_page(
        admin_client, instance, **{"sharing_settings-0-is_shareable": "on", "sharing_settings-0-allowed": [partner.pk]}
    )

    settings = SharingSettings.objects.get(instance=instance)
    assert settings.is_shareable and [allowed.company for allowed in settings.allowed.all()] == [partner]
    entry = AuditLogEntry.objects.get(action="sharing.settings_changed")
    assert entry.actor_id == operator_admin.pk and entry.instance_id == instance.pk


def test_cockpit_page_changes_stored_settings(admin_client, instance, shareable):
    save_cockpit_page(admin_client, instance, **{"sharing_settings-0-allowed": []})

    assert not SharingSettings.objects.get(instance=instance).allowed.exists()
    assert AuditLogEntry.objects.filter(action="sharing.settings_changed").count() == 2


def test_cockpit_page_left_alone_writes_no_sharing_settings(admin_client, instance):
    save_cockpit_page(admin_client, instance, name="Alpine Facility Services AG")

    assert not SharingSettings.objects.exists()
    assert Instance.objects.get(pk=instance.pk).name == "Alpine Facility Services AG"


def test_allow_list_saved_while_the_flag_is_off_is_warned_about(admin_client, instance, partner):
    response = save_cockpit_page(admin_client, instance, **{"sharing_settings-0-allowed": [partner.pk]})

    assert any("the allow-list is saved, but Shareable Cockpit is off" in text for text in messages_of(response))
    assert SharingSettings.objects.get(instance=instance).allowed.count() == 1


def test_allow_list_saved_with_the_flag_on_is_not_warned_about(admin_client, instance, partner):
    response = save_cockpit_page(
        admin_client, instance, **{"sharing_settings-0-is_shareable": "on", "sharing_settings-0-allowed": [partner.pk]}
    )

    assert not any("Shareable Cockpit is off" in text for text in messages_of(response))


def test_allow_list_warning_in_german(admin_client, operator_admin, instance, partner):
    type(operator_admin).objects.filter(pk=operator_admin.pk).update(language="de")

    response = save_cockpit_page(admin_client, instance, **{"sharing_settings-0-allowed": [partner.pk]})

    assert any("«Teilbares Cockpit» ist aus" in text for text in messages_of(response))


def test_a_refused_allow_list_leaves_the_cockpit_unchanged(admin_client, instance, owner):
    response = save_cockpit_page(
        admin_client,
        instance,
        name="Renamed",
        **{"sharing_settings-0-is_shareable": "on", "sharing_settings-0-allowed": [owner.pk]},
    )

    assert any(text.startswith("Nothing was saved") for text in messages_of(response))
    assert Instance.objects.get(pk=instance.pk).name == "Alpine Facility Services"
    assert not SharingSettings.objects.exists()


def test_new_cockpit_is_made_shareable_on_its_add_page(admin_client, partner):
    data = {
        "name": "Bern Cockpit",
        "slug": "bern",
        "is_active": "on",
        "sharing_settings-TOTAL_FORMS": "1",
        "sharing_settings-INITIAL_FORMS": "0",
        "sharing_settings-0-is_shareable": "on",
        "sharing_settings-0-allowed": [partner.pk],
        "inactivity_policy-TOTAL_FORMS": "0",
        "inactivity_policy-INITIAL_FORMS": "0",
    }

    admin_client.post(reverse("admin:entities_instance_add"), data)

    assert SharingSettings.objects.get(instance__slug="bern").is_shareable


def test_cockpit_list_shows_which_cockpits_are_shareable_in_a_fixed_number_of_queries(
    admin_client, instance, shareable, count_queries
):
    url = reverse("admin:entities_instance_changelist")
    few = count_queries(lambda: admin_client.get(url))
    InstanceFactory.create_batch(5)

    assert count_queries(lambda: admin_client.get(url)) == few
    response = admin_client.get(url, {"sharing_settings__is_shareable__exact": "1"})
    assert list(response.context["cl"].result_list) == [instance]


# --- the shares' list: a removal recorded as the cockpit's page records it ---------------------------------------


def test_admin_removes_a_share_as_the_cockpit_shares_page_does(admin_client, operator_admin, guest, shared_with):
    share = shared_with(guest)
    before = Instance.objects.get(pk=share.instance_id).access_version

    response = admin_client.post(
        reverse("admin:sharing_share_changelist"),
        {"action": "delete_selected", "_selected_action": [share.pk], "post": "yes"},
    )

    assert response.status_code == 302
    assert not Share.objects.filter(pk=share.pk).exists()
    entry = AuditLogEntry.objects.get(action="share.removed")
    assert (entry.actor_id, entry.subject_user_id, entry.instance_id) == (
        operator_admin.pk,
        guest.pk,
        share.instance_id,
    )
    assert Instance.objects.get(pk=share.instance_id).access_version == before + 1


def test_staff_of_any_cockpit_remove_a_share_in_the_admin(other_instance, guest, shared_with):
    share = shared_with(guest)
    staff_elsewhere = UserFactory(company=OperatorCompanyFactory(instance=other_instance), is_staff=True)

    share_remove_by_staff(actor=staff_elsewhere, share=share)

    assert not Share.objects.filter(pk=share.pk).exists()


def test_only_operator_staff_remove_shares_through_the_admins_service(admin, guest, shared_with):
    share = shared_with(guest)

    with pytest.raises(PermissionDenied, match="Only operator staff remove the shares of every cockpit."):
        share_remove_by_staff(actor=admin, share=share)

    assert Share.objects.filter(pk=share.pk).exists()


# --- the settings of another cockpit than the operator's own ------------------------------------------------------


def test_cockpit_page_sets_the_sharing_settings_of_another_cockpit(admin_client, operator_admin, other_instance):
    allowed = CompanyFactory(instance=InstanceFactory(slug="bern"), name="Bern Facility AG")

    save_cockpit_page(
        admin_client,
        other_instance,
        **{"sharing_settings-0-is_shareable": "on", "sharing_settings-0-allowed": [allowed.pk]},
    )

    assert SharingSettings.objects.get(instance=other_instance).is_shareable
    assert AuditLogEntry.objects.get(action="sharing.settings_changed").instance_id == other_instance.pk
