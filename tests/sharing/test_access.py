"""A share as a grant path: what it gives, when it counts, and that every reader of the rules agrees."""

import datetime

import pytest
from django.utils import timezone

from entities.access import entity_access, explain_access, visible_entities
from entities.models import Access, Capability, CompanyGrant, Level, Role, Section
from sharing.access import share_level, shared_cockpits
from sharing.models import AllowedCompany, ScopeLevel, Share, SharingSettings
from sharing.modules import MODULE_SECTIONS, Module, ShareLevel, share_rights, share_role_code
from tests.support.access import agreed_answers

pytestmark = pytest.mark.django_db

# The admin of conftest shares the entities owned by their company.
SHARE = share_level(ScopeLevel.OWNER)


def test_every_share_role_carries_exactly_the_rights_of_the_module_table():
    for inventory in ShareLevel:
        for customer_care in ShareLevel:
            if inventory == customer_care == ShareLevel.NONE:
                continue
            role = Role.objects.get(code=share_role_code(inventory, customer_care))
            stored = dict(Capability.objects.filter(role=role).values_list("section", "access"))
            assert role.is_share_role and stored == share_rights(inventory, customer_care), role.code


def test_no_share_gives_user_management_alpha_features_tablets_or_plan_uploads():
    shared = set(MODULE_SECTIONS[Module.INVENTORY]) | set(MODULE_SECTIONS[Module.CUSTOMER_CARE])

    assert not shared & {Section.USERS, Section.ALPHA_FEATURES, Section.TABLETS, Section.PLAN_UPLOAD}


def test_an_accepted_share_shows_every_entity_of_the_cockpit_with_its_share_role(
    instance, guest, building, shared_with
):
    shared_with(guest, inventory=ShareLevel.READ)

    access = entity_access(guest.access_subject(), building)

    assert access.level == SHARE and access.role.code == share_role_code(ShareLevel.READ, ShareLevel.NONE)
    assert access.allows(Section.MASTER_DATA, Access.VIEW) and not access.allows(Section.MASTER_DATA, Access.EDIT)
    assert not access.allows(Section.CHAT, Access.VIEW) and not access.allows(Section.USERS, Access.VIEW)
    assert [entity.pk for entity in visible_entities(guest.access_subject(), instance)] == [building.pk]


def test_an_invitation_not_yet_accepted_gives_nothing(guest, building, invite):
    invite(guest)

    assert entity_access(guest.access_subject(), building) is None
    assert "not been accepted" in explain_access(guest.access_subject(), building).grants[0].note


def test_a_share_past_its_end_date_gives_nothing(guest, building, shared_with):
    share = shared_with(guest)
    Share.objects.filter(pk=share.pk).update(ends_on=timezone.localdate() - datetime.timedelta(days=1))

    assert entity_access(guest.access_subject(), building) is None


def test_a_share_counts_through_its_last_day(guest, building, shared_with):
    share = shared_with(guest)
    Share.objects.filter(pk=share.pk).update(ends_on=timezone.localdate())

    assert entity_access(guest.access_subject(), building) is not None


def test_switching_the_flag_off_suspends_the_share_and_on_again_resumes_it(instance, guest, building, shared_with):
    shared_with(guest)

    SharingSettings.objects.filter(instance=instance).update(is_shareable=False)
    assert entity_access(guest.access_subject(), building) is None
    assert "switched off" in explain_access(guest.access_subject(), building).grants[0].note

    SharingSettings.objects.filter(instance=instance).update(is_shareable=True)
    assert entity_access(guest.access_subject(), building) is not None


def test_taking_the_company_off_the_allow_list_suspends_the_share_and_adding_it_resumes_it(
    instance, guest, partner, building, shared_with, shareable
):
    shared_with(guest)

    AllowedCompany.objects.filter(company=partner).delete()
    assert entity_access(guest.access_subject(), building) is None

    AllowedCompany.objects.create(settings=shareable, company=partner)
    assert entity_access(guest.access_subject(), building) is not None


def test_a_users_home_grants_never_count_in_a_cockpit_shared_with_them(guest, owner, building, shared_with):
    # given: a stale grant on a company of the shared cockpit, and a read share
    CompanyGrant.objects.create(
        user=guest, level=Level.OWNER, company=owner, role=Role.objects.get(code="projectmanager")
    )
    shared_with(guest, inventory=ShareLevel.READ)

    # then: the share decides, not the grant
    access = entity_access(guest.access_subject(), building)
    assert access.level == SHARE and not access.allows(Section.MASTER_DATA, Access.EDIT)
    assert agreed_answers(guest, building) == {
        ("list", (SHARE, access.role.pk)),
        ("page", (SHARE, access.role.pk)),
        ("check", (SHARE, access.role.pk)),
        ("has_perm", True),
        ("explain", (SHARE, access.role.pk)),
    }


def test_a_share_of_ones_own_cockpit_never_counts(instance, owner, building, admin):
    # written past the services, which never share a cockpit with its own users
    SharingSettings.objects.create(instance=instance, is_shareable=True)
    Share.objects.create(instance=instance, user=admin, inventory=ShareLevel.WRITE, accepted_at=timezone.now())
    viewer = type(admin).objects.create_user("v@zurich.example", company=owner)

    assert entity_access(viewer.access_subject(), building) is None
    assert shared_cockpits(admin.access_subject()) == []


def test_a_deactivated_user_reaches_no_shared_cockpit(guest, building, shared_with, instance):
    shared_with(guest)
    guest.is_active = False

    assert entity_access(guest.access_subject(), building) is None
    assert shared_cockpits(guest.access_subject()) == []


def test_shared_cockpits_are_exactly_those_whose_share_counts(instance, guest, shared_with):
    shared_with(guest)

    assert [cockpit.pk for cockpit in shared_cockpits(guest.access_subject())] == [instance.pk]
    SharingSettings.objects.filter(instance=instance).update(is_shareable=False)
    assert shared_cockpits(guest.access_subject()) == []
