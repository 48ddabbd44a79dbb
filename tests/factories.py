import factory
from factory.django import DjangoModelFactory

from accounts.models import User
from entities.models import Access, BusinessEntity, Company, Instance, ProjectForm, Role, Section

PASSWORD = "correct-horse-battery"


class InstanceFactory(DjangoModelFactory):
    class Meta:
        model = Instance
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"cockpit-{n}")
    name = factory.Sequence(lambda n: f"Cockpit {n}")


class CompanyFactory(DjangoModelFactory):
    class Meta:
        model = Company

    instance = factory.SubFactory(InstanceFactory)
    name = factory.Sequence(lambda n: f"Company {n}")


class OperatorCompanyFactory(CompanyFactory):
    name = factory.Sequence(lambda n: f"soobr {n}")
    is_operator = True


class BusinessEntityFactory(DjangoModelFactory):
    class Meta:
        model = BusinessEntity

    instance = factory.SubFactory(InstanceFactory)
    name = factory.Sequence(lambda n: f"Building {n:05d}")
    address = factory.Sequence(lambda n: f"Seefeldstrasse {n}, 8008 Zürich")
    project_form = ProjectForm.STANDARD
    owner = factory.SubFactory(CompanyFactory, instance=factory.SelfAttribute("..instance"))
    service_provider = factory.SubFactory(CompanyFactory, instance=factory.SelfAttribute("..instance"))
    customer = factory.SubFactory(CompanyFactory, instance=factory.SelfAttribute("..instance"))


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    first_name = "Erika"
    last_name = factory.Sequence(lambda n: f"Muster{n}")
    company = factory.SubFactory(CompanyFactory)
    language = "en"
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def operator_project_manager(self, create, extracted, **kwargs):
        """Seed 003: "show all" counts only for the operator's project managers, so a show-all operator employee
        gets a project-manager role on their company (at the customer level, where it decides least), unless the
        test passes operator_project_manager=False."""
        if create and self.sees_all_entities and extracted is not False and self.company.is_operator:
            from entities.models import CompanyGrant, Level

            CompanyGrant.objects.get_or_create(
                user=self,
                level=Level.CUSTOMER,
                company=self.company,
                defaults={"role": Role.objects.get(code="projectmanager")},
            )


def grant_company_role(user, level, company, role_code):
    """Give `user` the role `role_code` at `level` on `company` through the service."""
    from entities.models import Role
    from entities.services import company_grant_create

    return company_grant_create(
        actor=None, user=user, level=level, company=company, role=Role.objects.get(code=role_code)
    )


def grant_entity_role(user, entity, role_code):
    from entities.models import Role
    from entities.services import entity_grant_create

    return entity_grant_create(actor=None, user=user, entity=entity, role=Role.objects.get(code=role_code))


def owned_by(instance, owner, *names, **kwargs):
    """One business entity per name, owned by `owner`; further fields as keyword arguments."""
    return [BusinessEntityFactory(instance=instance, name=name, owner=owner, **kwargs) for name in names]


def admin_user_change_form(user, **overrides) -> dict:
    """The POST data of the admin's user change page, with no grant rows unless given."""
    data = {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "company": user.company.pk,
        "language": "en",
        "mobile_phone": "",
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "company_grants-TOTAL_FORMS": "0",
        "company_grants-INITIAL_FORMS": "0",
        "entitygrant_set-TOTAL_FORMS": "0",
        "entitygrant_set-INITIAL_FORMS": "0",
    }
    # The read-only second-factor inlines post their (empty) management forms too.
    for prefix in ("totpdevice_set", "smsdevice_set", "staticdevice_set"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    data.update(overrides)
    return data


def admin_role_change_form(role: Role, **overrides) -> dict:
    """The POST data of the admin's role page: the role and each section's access as stored (none for a new role)."""
    stored = dict(role.capabilities.values_list("section", "access")) if role.pk else {}
    data = {
        field: getattr(role, field)
        for field in ("code", "name", "name_de", "usage", "usage_de", "description", "description_de")
    }
    data.update({"entity_scope": role.entity_scope, "position": role.position})
    data.update({flag: "on" for flag in ("chat_allowed", "is_operator_only", "is_special") if getattr(role, flag)})
    data.update({f"capability_{section}": stored.get(section, Access.NONE) for section in Section})
    data.update(overrides)
    return data


def cockpit_page_form(instance, **overrides) -> dict:
    """The POST data of the admin's cockpit page, with its sharing settings' and inactivity policy's inlines as stored
    (an empty one if none)."""
    from sharing.models import SharingSettings

    settings = SharingSettings.objects.filter(instance=instance).first()
    data = {
        "name": instance.name,
        "slug": instance.slug,
        "is_active": "on" if instance.is_active else "",
        "sharing_settings-TOTAL_FORMS": "1",
        "sharing_settings-INITIAL_FORMS": "1" if settings else "0",
        "sharing_settings-MIN_NUM_FORMS": "0",
        "sharing_settings-MAX_NUM_FORMS": "1",
        "sharing_settings-0-instance": instance.pk,
    }
    data.update(inactivity_policy_form(instance))
    if settings is not None:
        data["sharing_settings-0-id"] = settings.pk
        data["sharing_settings-0-allowed"] = list(settings.allowed.values_list("company_id", flat=True))
        if settings.is_shareable:
            data["sharing_settings-0-is_shareable"] = "on"
    data.update(overrides)
    return data


def state_of(message) -> str:
    """Where a queued email or SMS stands now, after the worker (at once, in tests) has had its turn."""
    message.refresh_from_db()
    return message.state


class InactivityPolicyFactory(DjangoModelFactory):
    """A cockpit's inactivity policy, switched on (the model's default is off)."""

    class Meta:
        model = "accounts.InactivityPolicy"

    instance = factory.SubFactory(InstanceFactory)
    enabled = True


def inactivity_policy_form(instance, **overrides) -> dict:
    """The POST data of the cockpit page's inactivity policy inline, as stored (an unchanged empty one if none)."""
    from accounts.models import InactivityPolicy

    policy = InactivityPolicy.objects.filter(instance=instance).first() or InactivityPolicy()
    data = {
        "inactivity_policy-TOTAL_FORMS": "1",
        "inactivity_policy-INITIAL_FORMS": "1" if policy.pk else "0",
        "inactivity_policy-MIN_NUM_FORMS": "0",
        "inactivity_policy-MAX_NUM_FORMS": "1",
        "inactivity_policy-0-instance": instance.pk,
        "inactivity_policy-0-days": policy.days,
        "inactivity_policy-0-external_days": policy.external_days or "",
        "inactivity_policy-0-shared_days": policy.shared_days or "",
    }
    if policy.pk:
        data["inactivity_policy-0-id"] = policy.pk
    data.update(
        {f"inactivity_policy-0-{name}": "on" for name in ("enabled", "include_operator_staff") if getattr(policy, name)}
    )
    data.update(overrides)
    return data
