"""A share's scope and cap, at the layer that holds them: the services, the reach, the rules.

Nobody gives more than they hold: a share applies only where its giver manages users
(the whole cockpit only for those who see all of it), gives on each entity and section at
most what the giver could do there when sharing, and only managers whose reach covers it
see or change it.
"""

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from entities.access import entity_access, explain_access, held_rights, visible_entities
from entities.models import Access, AuditLogEntry, Company, CompanyGrant, Level, Role, Section
from sharing.access import shared_cockpits
from sharing.models import ScopeLevel, Share, ShareScope
from sharing.modules import ShareLevel
from sharing.permissions import WHOLE_COCKPIT, access_cockpit_shares, access_share
from sharing.selectors import cockpit_shares, share_scope_offers
from sharing.services import share_invite, share_remove, share_scope_from_giver, share_update
from tests.factories import BusinessEntityFactory, CompanyFactory, UserFactory, grant_company_role, grant_entity_role
from users.permissions import manager_reach
from users.selectors import outside_members

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider(instance):
    return CompanyFactory(instance=instance, name="CleanPro Services")


@pytest.fixture
def competitor(instance):
    return CompanyFactory(instance=instance, name="Sparkle Facility")


@pytest.fixture
def buildings(instance, owner, provider, competitor):
    """Two entities owned by the admin's company, one of another owner serviced by CleanPro, one of a competitor."""
    return {
        "owned": BusinessEntityFactory(instance=instance, name="Klinik Nord", owner=owner, service_provider=provider),
        "owned too": BusinessEntityFactory(instance=instance, name="Klinik Süd", owner=owner),
        "serviced": BusinessEntityFactory(instance=instance, name="Schulhaus West", service_provider=provider),
        "competitor": BusinessEntityFactory(instance=instance, name="Werkhof Ost", service_provider=competitor),
    }


def give(actor, instance, other_instance, guest, scopes, *, inventory=ShareLevel.WRITE, customer_care=ShareLevel.NONE):
    share, _delivery = share_invite(
        actor=actor,
        instance=instance,
        cockpit=other_instance,
        email=guest.email,
        inventory=inventory,
        customer_care=customer_care,
        scopes=scopes,
        accepted=True,
    )
    return share


def seen(user, instance) -> set[str]:
    return {entity.name for entity in visible_entities(user.access_subject(), instance)}


# --- scope: only within the giver's reach ------------------------------------------------------


def test_share_invite_shows_exactly_the_entities_of_its_scope(
    admin, owner, instance, other_instance, guest, shareable, buildings
):
    give(admin, instance, other_instance, guest, [(Level.OWNER, owner.pk)])

    assert seen(guest, instance) == {"Klinik Nord", "Klinik Süd"}
    assert entity_access(guest.access_subject(), buildings["competitor"]) is None


@pytest.mark.parametrize("forged", ["another company", "another level", "the whole cockpit", "elsewhere", "missing"])
def test_share_invite_refuses_a_scope_outside_the_givers_reach_and_saves_nothing(
    admin, owner, provider, instance, other_instance, partner, guest, shareable, buildings, forged
):
    scope = {
        "another company": (Level.SERVICE_PROVIDER, provider.pk),
        "another level": (Level.CUSTOMER, owner.pk),
        "the whole cockpit": WHOLE_COCKPIT,
        "elsewhere": (Level.OWNER, partner.pk),
        "missing": (Level.OWNER, 10**9),
    }[forged]

    with pytest.raises(ValidationError, match="You can share only the business entities of companies where you"):
        give(admin, instance, other_instance, guest, [(Level.OWNER, owner.pk), scope])

    assert not Share.objects.exists() and not ShareScope.objects.exists()


def test_share_invite_needs_a_scope(admin, instance, other_instance, guest, shareable):
    with pytest.raises(ValidationError, match="Choose where the share applies"):
        give(admin, instance, other_instance, guest, [])

    assert not Share.objects.exists()


def test_the_share_form_offers_the_givers_user_managing_companies_in_words(
    admin, owner, instance, shareable, buildings
):
    offers = share_scope_offers(access_cockpit_shares(admin, instance))

    assert [(offer.key, offer.words) for offer in offers] == [
        ((Level.OWNER, owner.pk), "the 2 business entities owned by Zurich Property AG")
    ]


def test_only_those_who_see_the_whole_cockpit_may_share_it_whole(
    instance, other_instance, operator_company, guest, shareable, buildings, role
):
    # given: an operator employee who manages the operator's users and sees all (the operator's project manager)
    employee = UserFactory(company=operator_company, email="pia@soobr.example", operator_project_manager=False)
    grant_company_role(employee, Level.OWNER, operator_company, "projectmanager")
    employee.sees_all_entities, employee.all_entities_role, employee.otp_required = True, role("manager"), True
    employee.save()

    share = give(employee, instance, other_instance, guest, [WHOLE_COCKPIT], inventory=ShareLevel.READ)

    assert seen(guest, instance) == {entity.name for entity in buildings.values()}
    assert [(scope.level, scope.company_id) for scope in share.scopes.all()] == [(ScopeLevel.COCKPIT, None)]


def test_operator_staff_who_see_nothing_cannot_share_the_whole_cockpit(
    instance, other_instance, operator_company, guest, shareable, buildings
):
    staff = UserFactory(company=operator_company, email="sam@soobr.example", is_staff=True)

    with pytest.raises(ValidationError, match="You can share only the business entities"):
        give(staff, instance, other_instance, guest, [WHOLE_COCKPIT], inventory=ShareLevel.READ)


# --- cap: never more than the giver could do ---------------------------------------------------


def test_a_share_gives_on_each_section_at_most_what_the_givers_role_there_gives(
    instance, other_instance, provider, guest, shareable, buildings
):
    # given: a Provider project manager (manages users; master data view only, performance figures edit)
    giver = UserFactory(company=provider, email="pp@cleanpro.example")
    grant_company_role(giver, Level.SERVICE_PROVIDER, provider, "provider-project-manager")

    give(giver, instance, other_instance, guest, [(Level.SERVICE_PROVIDER, provider.pk)])

    access = entity_access(guest.access_subject(), buildings["serviced"])
    assert access.rights[Section.MASTER_DATA] == Access.VIEW  # Inventory write, capped at the giver's view
    assert access.rights[Section.PERFORMANCE_FIGURES] == Access.EDIT


def test_seed_003_an_outranking_role_of_the_giver_caps_the_share_on_its_entities(
    owner, provider, instance, other_instance, guest, shareable, buildings
):
    # given: seed 003's example user: owner role at A (no performance figures), provider role at B
    giver = UserFactory(company=provider, email="urs@cleanpro.example")
    grant_company_role(giver, Level.OWNER, owner, "owner-project-manager")
    grant_company_role(giver, Level.SERVICE_PROVIDER, provider, "provider-project-manager")
    assert entity_access(giver.access_subject(), buildings["owned"]).rights[Section.PERFORMANCE_FIGURES] == 0

    # when: they share B's entities, one of which A owns
    give(giver, instance, other_instance, guest, [(Level.SERVICE_PROVIDER, provider.pk)])

    # then: on the entity their owner role decides, the share gives no performance figures either
    access = entity_access(guest.access_subject(), buildings["owned"])
    assert access.rights[Section.PERFORMANCE_FIGURES] == Access.NONE


def test_an_entity_grant_that_gives_the_giver_less_caps_the_share(
    admin, owner, instance, other_instance, guest, shareable, buildings
):
    grant_entity_role(admin, buildings["owned"], "manager")  # decides alone there: view only

    give(admin, instance, other_instance, guest, [(Level.OWNER, owner.pk)])

    for entity in (buildings["owned"], buildings["owned too"]):
        assert entity_access(guest.access_subject(), entity).rights[Section.MASTER_DATA] == Access.VIEW


def test_a_share_that_would_give_nothing_within_the_givers_rights_is_refused(
    instance, other_instance, provider, guest, shareable, buildings
):
    # given: a manager whose role gives neither chat nor quality control (Customer care) ...
    role = Role.objects.create(code="users-only", name="Users only")
    role.capabilities.create(section=Section.USERS, access=Access.EDIT)
    role.capabilities.create(section=Section.MASTER_DATA, access=Access.VIEW)
    giver = UserFactory(company=provider, email="u@cleanpro.example")
    CompanyGrant.objects.create(user=giver, level=Level.SERVICE_PROVIDER, company=provider, role=role)

    # ... sharing Customer care only
    with pytest.raises(ValidationError, match="this share would give nothing"):
        give(
            giver,
            instance,
            other_instance,
            guest,
            [(Level.SERVICE_PROVIDER, provider.pk)],
            inventory=ShareLevel.NONE,
            customer_care=ShareLevel.WRITE,
        )
    assert not Share.objects.exists()


def test_the_cap_holds_after_the_giver_loses_the_role(
    admin, owner, instance, other_instance, guest, shareable, buildings
):
    share = give(admin, instance, other_instance, guest, [(Level.OWNER, owner.pk)], inventory=ShareLevel.READ)

    CompanyGrant.objects.filter(user=admin).delete()

    # The share stays as given (like GitHub's outside collaborators), within what was given.
    assert entity_access(guest.access_subject(), buildings["owned"]).rights[Section.MASTER_DATA] == Access.VIEW
    assert Share.objects.filter(pk=share.pk, suspended_at__isnull=True).exists()


# --- who sees and changes a share --------------------------------------------------------------


@pytest.fixture
def co_manager(owner):
    """Another Projectmanager of the admin's company."""
    user = UserFactory(company=owner, email="co@zurich.example")
    grant_company_role(user, Level.OWNER, owner, "projectmanager")
    return user


@pytest.fixture
def outsider(provider, owner):
    """A manager of another company of the same cockpit (seed 003's example user)."""
    user = UserFactory(company=provider, email="urs@cleanpro.example")
    grant_company_role(user, Level.OWNER, owner, "owner-project-manager")
    grant_company_role(user, Level.SERVICE_PROVIDER, provider, "provider-project-manager")
    return user


def test_a_manager_outside_the_shares_scope_gets_404_from_every_service(
    admin, owner, instance, other_instance, guest, shareable, buildings, outsider
):
    share = give(admin, instance, other_instance, guest, [(Level.OWNER, owner.pk)])

    with pytest.raises(Http404):
        access_share(outsider, instance, share.pk)
    with pytest.raises(Http404):
        share_update(actor=outsider, share=share, inventory=1, customer_care=0, scopes=[(Level.OWNER, owner.pk)])
    with pytest.raises(Http404):
        share_remove(actor=outsider, share=share)
    assert list(cockpit_shares(access_cockpit_shares(outsider, instance))) == []
    assert Share.objects.get(pk=share.pk).inventory == ShareLevel.WRITE


def test_managers_whose_reach_covers_the_share_and_operator_staff_see_it(
    admin, owner, instance, other_instance, guest, shareable, buildings, co_manager, operator_admin
):
    share = give(admin, instance, other_instance, guest, [(Level.OWNER, owner.pk)])

    for manager in (co_manager, operator_admin):
        assert list(cockpit_shares(access_cockpit_shares(manager, instance))) == [share]


def test_shared_users_are_listed_in_user_management_only_within_reach(
    admin, owner, instance, other_instance, guest, shareable, buildings, co_manager, outsider
):
    give(admin, instance, other_instance, guest, [(Level.OWNER, owner.pk)])

    assert [member.user for member in outside_members(reach=manager_reach(co_manager, instance))] == [guest]
    assert outside_members(reach=manager_reach(outsider, instance)) == []


def test_a_save_that_gives_nothing_new_keeps_the_cap_whoever_saves(
    admin, owner, instance, other_instance, guest, shareable, buildings, co_manager
):
    # given: the admin shares; a co-manager with an entity grant that gives them less on one entity
    share = give(admin, instance, other_instance, guest, [(Level.OWNER, owner.pk)])
    grant_entity_role(co_manager, buildings["owned"], "manager")

    # when: the co-manager only lowers Customer care and sets an end date
    share_update(
        actor=co_manager, share=share, inventory=ShareLevel.WRITE, customer_care=0, scopes=[(Level.OWNER, owner.pk)]
    )

    # then: what the admin gave stands
    assert entity_access(guest.access_subject(), buildings["owned"]).rights[Section.MASTER_DATA] == Access.EDIT


def test_a_save_that_raises_a_level_is_capped_at_the_one_who_saves(
    admin, owner, instance, other_instance, guest, shareable, buildings, co_manager
):
    share = give(admin, instance, other_instance, guest, [(Level.OWNER, owner.pk)], inventory=ShareLevel.READ)
    grant_entity_role(co_manager, buildings["owned"], "manager")

    share_update(
        actor=co_manager, share=share, inventory=ShareLevel.WRITE, customer_care=0, scopes=[(Level.OWNER, owner.pk)]
    )

    assert entity_access(guest.access_subject(), buildings["owned"]).rights[Section.MASTER_DATA] == Access.VIEW
    assert ShareScope.objects.get(share=share).given_by == co_manager


def test_share_update_refuses_a_scope_outside_the_actors_reach(
    admin, owner, provider, instance, other_instance, guest, shareable, buildings
):
    share = give(admin, instance, other_instance, guest, [(Level.OWNER, owner.pk)])

    with pytest.raises(ValidationError, match="You can share only"):
        share_update(
            actor=admin,
            share=share,
            inventory=ShareLevel.WRITE,
            customer_care=0,
            scopes=[(Level.OWNER, owner.pk), (Level.SERVICE_PROVIDER, provider.pk)],
        )
    assert [(scope.level, scope.company_id) for scope in ShareScope.objects.filter(share=share)] == [
        (Level.OWNER, owner.pk)
    ]


# --- shares made before scopes (the migration's service) ---------------------------------------


def unscoped_share(instance, guest, giver) -> Share:
    """A share as they were before scopes: it covered the whole cockpit."""
    from django.utils import timezone

    return Share.objects.create(
        instance=instance, user=guest, inventory=ShareLevel.READ, invited_by=giver, accepted_at=timezone.now()
    )


def test_a_share_of_a_manager_is_narrowed_to_the_companies_they_manage(
    admin, owner, instance, guest, shareable, buildings
):
    share = unscoped_share(instance, guest, admin)

    assert share_scope_from_giver(share=share)

    assert [(scope.level, scope.company_id) for scope in share.scopes.all()] == [(Level.OWNER, owner.pk)]
    assert seen(guest, instance) == {"Klinik Nord", "Klinik Süd"}
    assert AuditLogEntry.objects.filter(action="share.scoped", subject_user=guest).exists()


def test_a_share_whose_giver_manages_nothing_any_more_is_suspended_not_deleted(
    admin, instance, guest, shareable, buildings
):
    share = unscoped_share(instance, guest, admin)
    CompanyGrant.objects.filter(user=admin).delete()

    assert not share_scope_from_giver(share=share)

    share.refresh_from_db()
    assert share.suspended_at is not None and not share.scopes.exists()
    assert seen(guest, instance) == set()
    assert shared_cockpits(guest.access_subject()) == []  # not in the switcher, and the cockpit answers 404
    assert AuditLogEntry.objects.filter(action="share.suspended", subject_user=guest).exists()


def test_a_suspended_share_is_operator_staffs_to_see_and_resume(
    admin, owner, instance, guest, shareable, buildings, operator_admin, co_manager
):
    share = unscoped_share(instance, guest, None)
    share_scope_from_giver(share=share)

    assert list(cockpit_shares(access_cockpit_shares(co_manager, instance))) == []
    share_update(
        actor=operator_admin, share=share, inventory=ShareLevel.READ, customer_care=0, scopes=[(Level.OWNER, owner.pk)]
    )

    share.refresh_from_db()
    assert share.suspended_at is None
    assert seen(guest, instance) == {"Klinik Nord", "Klinik Süd"}


def test_the_rights_held_in_a_shared_cockpit_are_capped_too(
    instance, other_instance, provider, guest, shareable, buildings
):
    # given: a Provider project manager (master data view only) shares Inventory write
    giver = UserFactory(company=provider, email="pp@cleanpro.example")
    grant_company_role(giver, Level.SERVICE_PROVIDER, provider, "provider-project-manager")
    give(giver, instance, other_instance, guest, [(Level.SERVICE_PROVIDER, provider.pk)])

    held = held_rights(guest.access_subject(), instance.pk)

    assert (held[Section.MASTER_DATA], held[Section.PERFORMANCE_FIGURES]) == (Access.VIEW, Access.EDIT)


def test_a_scope_whose_company_moved_to_another_cockpit_reaches_nothing(
    admin, owner, instance, other_instance, guest, shareable, buildings
):
    give(admin, instance, other_instance, guest, [(Level.OWNER, owner.pk)])

    Company.objects.filter(pk=owner.pk).update(instance=other_instance)  # behind the services' back

    assert seen(guest, instance) == set()
    note = explain_access(guest.access_subject(), buildings["owned"]).grants[0].note
    assert note == "Ignored: the share's company now belongs to another cockpit."


def test_a_scope_reaches_only_the_entities_its_givers_role_acts_on(
    instance, other_instance, operator_company, guest, shareable, buildings, role
):
    # given: operator staff who see all through Sales (the operator's own demo entities only)
    staff = UserFactory(company=operator_company, email="sam@soobr.example", is_staff=True)
    grant_company_role(staff, Level.OWNER, operator_company, "projectmanager")
    staff.sees_all_entities, staff.all_entities_role, staff.otp_required = True, role("sales"), True
    staff.save()
    demo = BusinessEntityFactory(instance=instance, name="Demo soobr", owner=operator_company)

    give(staff, instance, other_instance, guest, [WHOLE_COCKPIT], inventory=ShareLevel.READ)

    assert ShareScope.objects.get().entity_scope == "operator_entities"
    assert seen(guest, instance) == {demo.name}
