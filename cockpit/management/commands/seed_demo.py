"""Create (or bring up to date) the demo world and print its logins.

Idempotent: every object is looked up by its natural key first, so running it
again creates nothing twice and resets the demo passwords to the printed one.
"""

import random

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import Language, User
from accounts.services import user_create, user_update
from entities.models import BusinessEntity, Company, Instance, ProjectForm, Role
from entities.services import business_entity_create, company_create

DEMO_PASSWORD = "Cockpit-Demo-2026"

INSTANCES = [
    {
        "slug": "alpine",
        "name": "Alpine Facility Services",
        "operator": "soobr AG",
        "owners": ["Zurich Property AG", "Helvetia Real Estate", "Lakeside Immobilien", "Basel Campus Holding"],
        "providers": ["CleanPro Services", "Sparkle Facility", "Hygia Reinigung"],
        "customers": ["Kantonsspital Nord", "Technikum Winterthur", "Migros Retail", "Swiss Post Logistics"],
        "entities": 320,
        "operator_entities": 8,
    },
    {
        "slug": "rhein",
        "name": "Rhein Cleaning Group",
        "operator": "soobr AG",
        "owners": ["Rheinhafen Immobilien", "Stadt Basel Hochbau"],
        "providers": ["Rhein Clean GmbH"],
        "customers": ["Universität Basel", "Novapharm Campus"],
        "entities": 60,
        "operator_entities": 2,
    },
]

BUILDING_KINDS = ["Bürohaus", "Schulhaus", "Klinik", "Logistikzentrum", "Filiale", "Campus", "Werkhof", "Rathaus"]
STREETS = [
    "Seefeldstrasse",
    "Bahnhofstrasse",
    "Limmatquai",
    "Hardturmstrasse",
    "Rheingasse",
    "Aeschenplatz",
    "Badenerstrasse",
    "Stauffacherstrasse",
    "Kornhausplatz",
    "Marktgasse",
]
CITIES = ["8001 Zürich", "8400 Winterthur", "4051 Basel", "3011 Bern", "6003 Luzern", "9000 St. Gallen"]

# email, first, last, company, language, staff, show-all role, what the login is for
USERS = [
    (
        "admin@soobr.demo",
        "Olivia",
        "Operator",
        ("alpine", "soobr AG"),
        Language.ENGLISH,
        True,
        "admin",
        "operator admin: Django admin and every entity",
    ),
    (
        "pm@zurich-property.demo",
        "Petra",
        "Projektleiterin",
        ("alpine", "Zurich Property AG"),
        Language.GERMAN,
        False,
        None,
        "Projectmanager of owner Zurich Property AG",
    ),
    (
        "owner-provider@cleanpro.demo",
        "Urs",
        "Beispiel",
        ("alpine", "CleanPro Services"),
        Language.GERMAN,
        False,
        None,
        "seed 003 example: owner role at Zurich Property AG + provider role at CleanPro Services",
    ),
    (
        "customer@kantonsspital.demo",
        "Karin",
        "Kunde",
        ("alpine", "Kantonsspital Nord"),
        Language.GERMAN,
        False,
        None,
        "Customer of Kantonsspital Nord",
    ),
    (
        "analytics@migros.demo",
        "Marco",
        "Analyst",
        ("alpine", "Migros Retail"),
        Language.ENGLISH,
        False,
        None,
        "Customer analytics only at Migros Retail",
    ),
    (
        "pm@rhein-clean.demo",
        "Rita",
        "Rhein",
        ("rhein", "Rhein Clean GmbH"),
        Language.ENGLISH,
        False,
        None,
        "Provider project manager in the second cockpit",
    ),
]


class Command(BaseCommand):
    help = "Create the demo cockpits, companies, business entities and users, and print the demo logins."

    @transaction.atomic
    def handle(self, *args, **options):
        for spec in INSTANCES:
            self._seed_instance(spec)
        rows = [self._seed_user(*row) for row in USERS]
        self._print_logins(rows)

    def _seed_instance(self, spec: dict) -> None:
        instance, _ = Instance.objects.get_or_create(slug=spec["slug"], defaults={"name": spec["name"]})
        companies = {}
        for name, is_operator in [(spec["operator"], True)] + [
            (name, False) for name in spec["owners"] + spec["providers"] + spec["customers"]
        ]:
            company = Company.objects.filter(instance=instance, name=name).first()
            companies[name] = company or company_create(
                actor=None, instance=instance, name=name, is_operator=is_operator
            )
        existing = set(BusinessEntity.objects.filter(instance=instance).values_list("name", flat=True))
        rng = random.Random(spec["slug"])  # noqa: S311 - reproducible demo data, not security
        for number in range(1, spec["entities"] + 1):
            # Draw every random value before the existence check, so a re-run walks the same sequence.
            is_operator_entity = number <= spec["operator_entities"]
            owner = spec["operator"] if is_operator_entity else rng.choice(spec["owners"])
            name = f"{rng.choice(BUILDING_KINDS)} {rng.choice(STREETS).removesuffix('strasse')} {number:03d}"
            address = f"{rng.choice(STREETS)} {rng.randint(1, 120)}, {rng.choice(CITIES)}"
            provider, customer = rng.choice(spec["providers"]), rng.choice(spec["customers"])
            if name in existing:
                continue
            business_entity_create(
                actor=None,
                instance=instance,
                name=name,
                address=address,
                project_form=ProjectForm.EASY if number % 9 == 0 else ProjectForm.STANDARD,
                owner=companies[owner],
                service_provider=companies[provider],
                customer=companies[customer],
            )

    def _seed_user(self, email, first, last, company_key, language, staff, show_all_role, purpose):
        company = Company.objects.get(instance__slug=company_key[0], name=company_key[1])
        role = Role.objects.get(code=show_all_role) if show_all_role else None
        fields = {
            "first_name": first,
            "last_name": last,
            "company": company,
            "language": language,
            "is_staff": staff,
            "sees_all_entities": role is not None,
            "all_entities_role": role,
        }
        user = User.objects.filter(email=email).first()
        if user is None:
            user = user_create(actor=None, email=email, password=DEMO_PASSWORD, **fields)
        else:
            user_update(actor=None, user=user, **fields)
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        if staff and not user.is_superuser:
            user.is_superuser = True
            user.save(update_fields=["is_superuser"])
        return email, company.instance.slug, purpose

    def _print_logins(self, rows) -> None:
        self.stdout.write(self.style.SUCCESS("Demo data is ready. Log in at /accounts/login/ with:"))
        width = max(len(email) for email, _, _ in rows)
        for email, slug, purpose in rows:
            self.stdout.write(f"  {email.ljust(width)}  {DEMO_PASSWORD}  /c/{slug}/  {purpose}")
