"""A role on a single entity decides alone: a manager who gives one that lowers rights there is asked first."""

import pytest
from django.urls import reverse

from entities.models import EntityGrant, Level, Role
from tests.factories import BusinessEntityFactory, UserFactory, grant_company_role
from users.services import (
    CompanyGrantRequest,
    EntityGrantRequest,
    RightsLowered,
    external_grants_replace,
    user_edit,
    user_invite,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def building(instance, owner_a):
    return BusinessEntityFactory(instance=instance, name="Werk A", owner=owner_a)


@pytest.fixture
def colleague(owner_a):
    """A user of A who works on A's entities as Team leader (edits tour modification, activities, QC and chat)."""
    user = UserFactory(company=owner_a, email="tl@owner-a.example")
    grant_company_role(user, Level.OWNER, owner_a, "team-leader")
    return user


def edit_roles(actor, user, owner_a, role, entity_role, **kwargs):
    return user_edit(
        actor=actor,
        instance=user.company.instance,
        user=user,
        company_grants=[CompanyGrantRequest(Level.OWNER, owner_a, role("team-leader"))],
        entity_grants=[EntityGrantRequest(kwargs.pop("entity"), role(entity_role))],
        **kwargs,
    )


def test_user_edit_asks_before_an_entity_role_lowers_rights_and_saves_nothing(
    projectmanager_a, colleague, owner_a, building, role
):
    with pytest.raises(RightsLowered, match=r"On Werk A, .* would have less than their other roles give them there"):
        edit_roles(projectmanager_a, colleague, owner_a, role, "manager", entity=building)

    assert not EntityGrant.objects.filter(user=colleague).exists()


def test_the_warning_names_the_sections_that_go_down(projectmanager_a, colleague, owner_a, building, role):
    with pytest.raises(RightsLowered) as raised:
        edit_roles(projectmanager_a, colleague, owner_a, role, "manager", entity=building)

    # Team leader edits tour modification, tour activities, quality control and chat; Manager only views them.
    (message,) = raised.value.messages
    for section in ("Tour modification", "Tour activities", "Quality control", "Chat"):
        assert section in message
    assert "Master data" not in message  # both view it


def test_user_edit_saves_a_lowering_entity_role_once_confirmed(projectmanager_a, colleague, owner_a, building, role):
    edit_roles(projectmanager_a, colleague, owner_a, role, "manager", entity=building, lowering_confirmed=True)

    assert EntityGrant.objects.get(user=colleague).role.code == "manager"


def test_an_entity_role_that_raises_rights_is_saved_without_asking(
    projectmanager_a, colleague, owner_a, building, role
):
    edit_roles(projectmanager_a, colleague, owner_a, role, "projectmanager", entity=building)

    assert EntityGrant.objects.get(user=colleague).role.code == "projectmanager"


def test_an_unchanged_entity_role_is_not_asked_about_again(projectmanager_a, colleague, owner_a, building, role):
    edit_roles(projectmanager_a, colleague, owner_a, role, "manager", entity=building, lowering_confirmed=True)

    edit_roles(projectmanager_a, colleague, owner_a, role, "manager", entity=building, first_name="Tina")

    colleague.refresh_from_db()
    assert colleague.first_name == "Tina"


def test_user_invite_asks_too_and_creates_no_one(projectmanager_a, owner_a, building, role):
    with pytest.raises(RightsLowered):
        user_invite(
            actor=projectmanager_a,
            instance=owner_a.instance,
            company_grants=[CompanyGrantRequest(Level.OWNER, owner_a, role("team-leader"))],
            entity_grants=[EntityGrantRequest(building, role("manager"))],
            email="neu@owner-a.example",
            company=owner_a,
        )

    assert not type(projectmanager_a).objects.filter(email="neu@owner-a.example").exists()


def test_external_grants_replace_asks_too(projectmanager_a, owner_a, building, role, instance):
    from tests.factories import CompanyFactory

    external = UserFactory(company=CompanyFactory(instance=instance, name="Extern AG"), email="ex@extern.example")
    grant_company_role(external, Level.OWNER, owner_a, "team-leader")

    with pytest.raises(RightsLowered):
        external_grants_replace(
            actor=projectmanager_a,
            instance=instance,
            user=external,
            company_grants=[CompanyGrantRequest(Level.OWNER, owner_a, role("team-leader"))],
            entity_grants=[EntityGrantRequest(building, role("manager"))],
        )
    assert not EntityGrant.objects.filter(user=external).exists()


def test_the_role_list_warns_and_saves_on_save_anyway(client, login, projectmanager_a, colleague, owner_a, building):
    login(projectmanager_a)
    url = reverse("users:user-entity-grants", kwargs={"instance_slug": owner_a.instance.slug, "pk": colleague.pk})
    data = {"op": "give", "entities": [building.pk], "role": Role.objects.get(code="manager").pk}

    warned = client.post(f"{url}?find=Werk", data)

    page = warned.content.decode()
    assert 'data-testid="lowering-warning"' in page and "Save and lower the rights" in page
    assert not EntityGrant.objects.filter(user=colleague).exists()

    saved = client.post(f"{url}?find=Werk", {**data, "confirm_lowering": "1"})

    assert saved.status_code == 302
    assert EntityGrant.objects.get(user=colleague).role.code == "manager"
