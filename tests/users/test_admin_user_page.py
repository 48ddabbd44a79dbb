"""The admin's user pages as operator staff use them: explain access by picking an entity, readable
second-factor rows, and no Groups or Django permissions beside our grants."""

import datetime as dt

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import SMSDevice
from entities.models import Level
from tests.factories import BusinessEntityFactory, CompanyFactory, grant_company_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(instance):
    return CompanyFactory(instance=instance, name="Owner A")


@pytest.fixture
def building(instance, owner):
    return BusinessEntityFactory(instance=instance, name="Klinik Nord", owner=owner)


@pytest.fixture
def reader(user, owner):
    """A user holding the read-only Manager role on the owner's entities."""
    grant_company_role(user, Level.OWNER, owner, "manager")
    return user


def explain_url(user) -> str:
    return reverse("admin:accounts_user_explain", args=[user.pk])


def change_page(admin_client, user):
    return admin_client.get(reverse("admin:accounts_user_change", args=[user.pk]))


# --- Explain access: an entity picked by name ---------------------------------------------------


def test_the_explain_page_offers_the_entity_autocomplete(admin_client, reader):
    html = admin_client.get(explain_url(reader)).content.decode()

    assert 'class="admin-autocomplete' in html
    assert f'data-ajax--url="{reverse("admin:autocomplete")}"' in html
    assert 'data-model-name="entitygrant"' in html and 'data-field-name="content_object"' in html
    assert "admin/js/autocomplete.js" in html


def test_the_autocomplete_finds_entities_by_name_and_says_their_cockpit(admin_client, building):
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"term": "Klinik", "app_label": "entities", "model_name": "entitygrant", "field_name": "content_object"},
    )

    assert response.json()["results"] == [{"id": str(building.pk), "text": "Klinik Nord (Alpine Facility Services)"}]


def test_explaining_a_chosen_entity_shows_the_deciding_grant(admin_client, reader, building):
    response = admin_client.get(explain_url(reader), {"entity": building.pk})

    html = response.content.decode()
    assert response.context["explanation"].entity == building
    assert "The owner grant has the highest precedence" in html
    assert f'<option value="{building.pk}" selected>Klinik Nord</option>' in html


def test_an_entity_of_another_cockpit_is_a_form_error(admin_client, reader, other_instance):
    foreign = BusinessEntityFactory(instance=other_instance, name="Rheinhafen")

    response = admin_client.get(explain_url(reader), {"entity": foreign.pk})

    assert response.status_code == 200
    assert response.context["explanation"] is None
    assert response.context["form"].errors["entity"] == [
        "There is no business entity with this ID in the user's cockpit."
    ]


@pytest.mark.parametrize("value", ["999999", "not-a-number"])
def test_an_entity_that_does_not_exist_is_a_form_error(admin_client, reader, value):
    response = admin_client.get(explain_url(reader), {"entity": value})

    assert response.status_code == 200
    assert response.context["form"].errors["entity"] == [
        "There is no business entity with this ID in the user's cockpit."
    ]


# --- second-factor rows -----------------------------------------------------------------------


def test_device_rows_read_as_method_state_and_last_use(admin_client, user):
    last_used = timezone.make_aware(dt.datetime(2026, 12, 1, 8, 0))
    TOTPDevice.objects.create(user=user, name="x", confirmed=True, last_used_at=last_used)
    SMSDevice.objects.create(user=user, name="x", confirmed=False)
    codes = StaticDevice.objects.create(user=user, name="x", confirmed=True)
    StaticToken.objects.create(device=codes, token="abcd1234")

    html = change_page(admin_client, user).content.decode()

    assert "<p>Authenticator app, confirmed, last used 1 Dec 2026, 08:00</p>" in html
    assert "<p>SMS to your mobile number, not confirmed yet</p>" in html
    assert "<p>Backup codes, confirmed, never used</p>" in html


def test_device_rows_say_when_the_device_was_created(admin_client, user):
    device = TOTPDevice.objects.create(user=user, name="x", confirmed=True)
    TOTPDevice.objects.filter(pk=device.pk).update(created_at=timezone.make_aware(dt.datetime(2026, 11, 30, 17, 5)))

    html = change_page(admin_client, user).content.decode()

    assert '<td class="field-created"><p>30 Nov 2026, 17:05</p></td>' in html


def test_device_rows_do_not_show_the_devices_own_text(admin_client, user):
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)

    html = change_page(admin_client, user).content.decode()

    assert str(device) not in html
    assert "TOTPDevice object" not in html


def test_device_groups_are_headed_by_their_method(admin_client, user):
    html = change_page(admin_client, user).content.decode()

    for heading in (
        "Second factor: authenticator app",
        "Second factor: text message (SMS)",
        "Second factor: backup codes",
    ):
        assert f'<h2 class="inline-heading">{heading}</h2>' in html


def test_a_backup_codes_row_says_how_many_codes_are_left(admin_client, user):
    codes = StaticDevice.objects.create(user=user, name="x", confirmed=True)
    StaticToken.objects.bulk_create([StaticToken(device=codes, token=f"code{n:04d}") for n in range(3)])

    html = change_page(admin_client, user).content.decode()

    assert '<td class="field-codes_left"><p>3</p></td>' in html


# --- no Groups, no Django permissions -----------------------------------------------------------


def test_the_admin_index_lists_no_groups(admin_client):
    response = admin_client.get(reverse("admin:index"))

    models = [model["object_name"] for app in response.context["app_list"] for model in app["models"]]
    assert "Group" not in models
    with pytest.raises(NoReverseMatch):
        reverse("admin:auth_group_changelist")


def test_the_user_page_has_no_groups_or_user_permissions(admin_client, user):
    response = change_page(admin_client, user)

    fields = response.context["adminform"].form.fields
    assert "groups" not in fields and "user_permissions" not in fields
    assert 'name="groups"' not in response.content.decode()


def test_the_user_page_keeps_superuser_status_for_operator_staff(admin_client, user):
    assert "is_superuser" in change_page(admin_client, user).context["adminform"].form.fields
