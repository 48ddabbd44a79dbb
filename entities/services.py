"""Writes to companies and business entities: each one transaction, each told who acts."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from entities.models import BusinessEntity, Company, Instance, ProjectForm


@transaction.atomic
def company_save(*, actor: AbstractBaseUser | None, company: Company) -> Company:
    """Validate and store a new or changed company; names are unique per instance regardless of case."""
    company.full_clean()
    company.save()
    return company


def company_create(
    *, actor: AbstractBaseUser | None, instance: Instance, name: str, is_operator: bool = False
) -> Company:
    """Register a company in an instance."""
    return company_save(actor=actor, company=Company(instance=instance, name=name.strip(), is_operator=is_operator))


@transaction.atomic
def business_entity_save(*, actor: AbstractBaseUser | None, entity: BusinessEntity) -> BusinessEntity:
    """Validate and store a new or changed business entity (its companies must be of its instance)."""
    entity.full_clean()
    entity.save()
    return entity


def business_entity_create(
    *,
    actor: AbstractBaseUser | None,
    instance: Instance,
    name: str,
    owner: Company,
    service_provider: Company,
    customer: Company,
    address: str = "",
    project_form: str = ProjectForm.STANDARD,
) -> BusinessEntity:
    """Create a business entity; a company of another instance is a ValidationError and saves nothing."""
    entity = BusinessEntity(
        instance=instance,
        name=name.strip(),
        address=address.strip(),
        project_form=project_form,
        owner=owner,
        service_provider=service_provider,
        customer=customer,
    )
    return business_entity_save(actor=actor, entity=entity)
