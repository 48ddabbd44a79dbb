import pytest
from django.core.exceptions import ValidationError

from entities.models import BusinessEntity, ChatMessage, Company, QualityFeedback, SectionSettings, TourActivity
from entities.services import business_entity_create, company_create, section_data_bulk_create
from tests.factories import BusinessEntityFactory, CompanyFactory

pytestmark = pytest.mark.django_db


def test_business_entity_create_refuses_an_owner_of_another_instance(instance, other_instance):
    # given
    foreign_owner = CompanyFactory(instance=other_instance, name="Rheinhafen Immobilien")
    provider, customer = CompanyFactory(instance=instance), CompanyFactory(instance=instance)

    # when / then
    with pytest.raises(ValidationError, match="Rheinhafen Immobilien belongs to another cockpit") as excinfo:
        business_entity_create(
            actor=None,
            instance=instance,
            name="Bürohaus Seefeld",
            owner=foreign_owner,
            service_provider=provider,
            customer=customer,
        )
    assert set(excinfo.value.message_dict) == {"owner"}
    assert not BusinessEntity.objects.exists()


def test_business_entity_create_names_every_foreign_company(instance, other_instance):
    foreign = CompanyFactory(instance=other_instance)

    with pytest.raises(ValidationError) as excinfo:
        business_entity_create(
            actor=None, instance=instance, name="X", owner=foreign, service_provider=foreign, customer=foreign
        )

    assert set(excinfo.value.message_dict) == {"owner", "service_provider", "customer"}


def test_business_entity_create_stores_an_entity_of_its_own_instance(instance):
    owner, provider, customer = (CompanyFactory(instance=instance) for _ in range(3))

    entity = business_entity_create(
        actor=None, instance=instance, name=" Klinik Nord ", owner=owner, service_provider=provider, customer=customer
    )

    assert BusinessEntity.objects.get().pk == entity.pk
    assert entity.name == "Klinik Nord"


def test_company_create_refuses_a_name_that_differs_only_in_case(instance):
    company_create(actor=None, instance=instance, name="CleanPro Services")

    with pytest.raises(ValidationError, match="already exists in this instance"):
        company_create(actor=None, instance=instance, name="cleanpro services")
    assert Company.objects.count() == 1


def test_company_create_allows_the_same_name_in_another_instance(instance, other_instance):
    company_create(actor=None, instance=instance, name="CleanPro Services")
    company_create(actor=None, instance=other_instance, name="CleanPro Services")

    assert Company.objects.count() == 2


def test_company_save_refuses_to_move_a_company_in_use_to_another_cockpit(instance, other_instance):
    # given: a company that owns an entity of its cockpit
    from entities.models import Company
    from entities.services import company_save

    company = CompanyFactory(instance=instance, name="Zurich Property AG")
    BusinessEntityFactory(instance=instance, owner=company)

    # when: it is moved to another cockpit
    company.instance = other_instance
    with pytest.raises(ValidationError, match="cannot move to another cockpit"):
        company_save(actor=None, company=company)

    # then: it stays where its entities are
    assert Company.objects.get(pk=company.pk).instance == instance


def test_company_save_moves_an_unused_company_to_another_cockpit(instance, other_instance):
    from entities.models import Company
    from entities.services import company_save

    company = CompanyFactory(instance=instance, name="Typo AG")

    company.instance = other_instance
    company_save(actor=None, company=company)

    assert Company.objects.get(pk=company.pk).instance == other_instance


def test_business_entity_save_refuses_to_move_an_entity_with_grants_to_another_cockpit(instance, other_instance):
    # given: an entity someone holds a role on, and companies of the other cockpit to move it to
    from entities.services import business_entity_save
    from tests.factories import UserFactory, grant_entity_role

    building = BusinessEntityFactory(instance=instance)
    grant_entity_role(UserFactory(company=building.owner), building, "customer")
    elsewhere = CompanyFactory(instance=other_instance)

    # when
    building.instance = other_instance
    building.owner = building.service_provider = building.customer = elsewhere
    with pytest.raises(ValidationError, match="revoke them before moving it"):
        business_entity_save(actor=None, entity=building)

    # then
    assert BusinessEntity.objects.get(pk=building.pk).instance == instance


def test_section_data_bulk_create_stores_settings_and_entries_as_the_acting_user(building, user):
    section_data_bulk_create(
        actor=user,
        settings=[SectionSettings(entity=building, section="iot", data={"alert_threshold_percent": 80})],
        tour_activities=[
            TourActivity(
                entity=building, performed_on="2026-11-30", area="Eingang", description="Abfall", duration_minutes=30
            )
        ],
        quality_feedback=[QualityFeedback(entity=building, score=4)],
        chat_messages=[ChatMessage(entity=building, body="Hallo")],
    )

    assert SectionSettings.objects.get(entity=building, section="iot").updated_by == user
    assert TourActivity.objects.get(entity=building).created_by == user
    assert QualityFeedback.objects.get(entity=building).created_by == user
    assert ChatMessage.objects.get(entity=building).author == user


def test_section_data_bulk_create_stores_nothing_when_an_entry_is_invalid(building, user):
    with pytest.raises(ValidationError):
        section_data_bulk_create(
            actor=user,
            settings=[SectionSettings(entity=building, section="iot", data={})],
            quality_feedback=[QualityFeedback(entity=building, score=4), QualityFeedback(entity=building, score=9)],
        )

    assert not SectionSettings.objects.filter(entity=building).exists()
    assert not QualityFeedback.objects.filter(entity=building).exists()
