""" "Why can I see this?": a person's own access to an entity, in words, from the evaluation explain_access makes;
and that evaluation itself (the reason, the rights, the deciding grant)."""

import pytest
from django.urls import reverse
from django.utils import translation

from entities.access import explain_access
from entities.models import Access, Level, Section
from entities.selectors import why_access
from tests.factories import BusinessEntityFactory, CompanyFactory, UserFactory, grant_company_role, grant_entity_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider(instance):
    return CompanyFactory(instance=instance, name="CleanPro Services")


@pytest.fixture
def both(instance, owner, provider):
    """An entity owned by A and serviced by B."""
    return BusinessEntityFactory(instance=instance, name="Klinik Nord", owner=owner, service_provider=provider)


@pytest.fixture
def seed_003_user(owner, provider):
    """Seed 003's example: owner role at A (Owner A), service provider role at B (CleanPro Services)."""
    user = UserFactory(company=provider, email="urs@cleanpro.example")
    grant_company_role(user, Level.OWNER, owner, "owner-project-manager")
    grant_company_role(user, Level.SERVICE_PROVIDER, provider, "provider-project-manager")
    return user


def section_url(entity, section="master_data"):
    return reverse(
        "entities:entity-section",
        kwargs={"instance_slug": entity.instance.slug, "pk": entity.pk, "section": section},
    )


def test_why_access_names_the_deciding_owner_role_and_the_service_provider_role_it_outranks(seed_003_user, both):
    why = why_access(subject=seed_003_user.access_subject(), entity=both)

    assert why.decides == "Your Owner role at Owner A (Owner project manager) decides."
    assert why.outranked == [
        "It decides over your Service provider role at CleanPro Services (Provider project manager)."
    ]
    assert why.given_by == "Owner project manager"
    assert "Performance figures" in dict(why.by_access)["None"]


def test_why_access_for_an_entity_grant_names_the_entity_grant(customer_company, both):
    person = UserFactory(company=customer_company, email="qc@spital.example")
    grant_entity_role(person, both, "quality-feedback-users")

    why = why_access(subject=person.access_subject(), entity=both)

    assert why.decides == "Your role on this business entity (Quality feedback users) decides."
    assert why.outranked == [] and why.ignored == []


def test_why_access_says_why_a_grant_does_not_count(seed_003_user, both, instance):
    grant_entity_role(seed_003_user, both, "cad-plan-provider")  # a special role never decides an entity

    why = why_access(subject=seed_003_user.access_subject(), entity=both)

    assert why.ignored == [
        "Your role on this business entity (CAD plan provider) does not count here. Ignored for the entity: CAD "
        "plan provider is a special role; it works on its own page, not on the entity."
    ]


def test_why_access_reads_in_the_persons_language(seed_003_user, both):
    with translation.override("de"):
        why = why_access(subject=seed_003_user.access_subject(), entity=both)

    assert why.decides.startswith("Ihre Rolle")


def test_the_panel_on_the_entity_page_tells_only_the_persons_own_grants(client, seed_003_user, both, customer_company):
    # given: someone else's grant on the same entity
    other = UserFactory(company=customer_company, email="other@spital.example")
    grant_entity_role(other, both, "customer-expanded")
    client.force_login(seed_003_user)

    page = client.get(section_url(both)).content.decode()

    assert 'data-testid="why-panel"' in page
    assert "Why can I see this?" in page and "Provider project manager" in page
    assert "Customer expanded" not in page and "other@spital.example" not in page


def test_an_entity_the_person_does_not_see_has_no_panel_but_a_404(client, seed_003_user, instance):
    hidden = BusinessEntityFactory(instance=instance, name="Fremdes Gebäude")
    client.force_login(seed_003_user)

    assert client.get(section_url(hidden)).status_code == 404


# --- the evaluation behind it: explain_access --------------------------------------------------


def test_explain_access_says_no_grant_matches_when_the_user_holds_none(user, building):
    # when
    explanation = explain_access(user.access_subject(), building)

    # then
    assert explanation.reason == "No grant matches this entity, so it is invisible to the user (404)."


def test_explain_access_says_no_grant_applies_when_every_grant_is_excluded(reader, building):
    # given: the reader's grant stops counting once they are deactivated
    reader.is_active = False
    reader.save()

    # when
    explanation = explain_access(reader.access_subject(), building)

    # then
    assert explanation.reason == "No grant of this user applies here, so the entity is invisible to them (404)."


def test_explain_access_gives_no_rights_on_an_invisible_entity(user, building):
    # when
    explanation = explain_access(user.access_subject(), building)

    # then
    assert explanation.rights == dict.fromkeys(Section.values, Access.NONE)


def test_explain_access_names_the_entity_explained(reader, building):
    # when
    explanation = explain_access(reader.access_subject(), building)

    # then
    assert explanation.entity == building


def test_explain_access_gives_the_deciding_grant_no_note(reader, building):
    # when
    explanation = explain_access(reader.access_subject(), building)

    # then
    assert (explanation.deciding.role.code, explanation.deciding.note) == ("owner-project-manager", "")


def test_explain_access_shows_no_company_for_a_grant_on_the_entity_itself(user, building):
    # given
    grant_entity_role(user, building, "customer")

    # when
    explanation = explain_access(user.access_subject(), building)

    # then
    assert (explanation.deciding.level, explanation.deciding.company) == (Level.ENTITY, None)
