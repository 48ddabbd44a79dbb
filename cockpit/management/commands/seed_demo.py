"""Create (or bring up to date) the demo world and print its logins.

Idempotent: every object is looked up by its natural key first, so running it
again creates nothing twice and resets the demo passwords to the printed one.
Three demo users have a second factor, one of each method; the others sign in
with the password alone. Seed 000's Cockpit Share: the first cockpit is shareable,
the second cockpit's Rhein Clean GmbH is on its allow-list, and its user is invited to
the first cockpit through the services, as a company admin would invite them.
"""

import base64
import datetime
import hashlib
import random

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Language, SMSDevice, User
from accounts.second_factor import (
    Method,
    backup_codes_generate,
    device_confirm,
    sms_device_create,
    totp_device_create,
)
from accounts.services import user_create, user_update
from entities.models import (
    BusinessEntity,
    ChatMessage,
    Company,
    CompanyGrant,
    EntityGrant,
    Instance,
    Level,
    ProjectForm,
    QualityFeedback,
    Role,
    SectionSettings,
    TourActivity,
)
from entities.services import (
    business_entity_create,
    company_create,
    company_grant_create,
    entity_grant_create,
    section_data_bulk_create,
)
from plans.demo import seed_plans
from sharing.models import Share, SharingSettings
from sharing.modules import ShareLevel
from sharing.selectors import share_scope_rows
from sharing.services import share_invite, sharing_settings_save
from tablets.demo import seed_tablets

DEMO_PASSWORD = "Cockpit-Demo-2026"

# New entities awaiting their CAD plans (name, address), in the first cockpit.
NEW_ENTITIES: list[tuple[str, str]] = [
    ("Neubau Europaallee 01", "Europaallee 1, 8004 Zürich"),
    ("Neubau Europaallee 02", "Europaallee 2, 8004 Zürich"),
    ("Neubau Hafen Basel 03", "Hafenstrasse 3, 4057 Basel"),
]

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
        # Companies of the special roles' demo users, on no entity.
        "partners": ["TabletPartner AG", "CAD Partner AG"],
        "new_entities": NEW_ENTITIES,
        # The new entities' owner, service provider and customer.
        "new_entity_companies": ("Zurich Property AG", "CleanPro Services", "Kantonsspital Nord"),
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

NEW_ENTITY_NAMES = [name for name, _address in NEW_ENTITIES]
TABLETS_COCKPIT, INVENTORY_MANAGER, TABLET_PROVIDER = "alpine", "inventory@soobr.demo", "tablets@tabletpartner.demo"
PLANS_COCKPIT, CAD_PLAN_PROVIDER = "alpine", "plans@cadpartner.demo"

# email, first, last, company, language, staff, show-all role, what the login is for, grants
# A grant is (level, company name, role code) or ("entity", entity number or name, role code).
# fmt: off
USERS = [
    ("admin@soobr.demo", "Olivia", "Operator", ("alpine", "soobr AG"), Language.ENGLISH, True, "admin",
     "operator admin: Django admin and every entity", [("owner", "soobr AG", "projectmanager")]),
    ("sales@soobr.demo", "Samuel", "Sales", ("alpine", "soobr AG"), Language.ENGLISH, False, None,
     "Sales (soobr): only the operator's demo entities", [("service_provider", "CleanPro Services", "sales")]),
    ("pm@zurich-property.demo", "Petra", "Projektleiterin", ("alpine", "Zurich Property AG"), Language.GERMAN,
     False, None, "Projectmanager of owner Zurich Property AG", [("owner", "Zurich Property AG", "projectmanager")]),
    ("owner-provider@cleanpro.demo", "Urs", "Beispiel", ("alpine", "CleanPro Services"), Language.GERMAN,
     False, None, "seed 003 example: owner role at Zurich Property AG + provider role at CleanPro Services",
     [("owner", "Zurich Property AG", "owner-project-manager"),
      ("service_provider", "CleanPro Services", "provider-project-manager")]),
    ("manager@helvetia.demo", "Hans", "Leser", ("alpine", "Helvetia Real Estate"), Language.GERMAN,
     False, None, "Manager (read only) of owner Helvetia Real Estate", [("owner", "Helvetia Real Estate", "manager")]),
    ("easy@lakeside.demo", "Elena", "Einfach", ("alpine", "Lakeside Immobilien"), Language.ENGLISH,
     False, None, "Easy project leader: only Lakeside's 'easy' entities",
     [("owner", "Lakeside Immobilien", "easy-project-leader")]),
    ("customer@kantonsspital.demo", "Karin", "Kunde", ("alpine", "Kantonsspital Nord"), Language.GERMAN,
     False, None, "Customer of Kantonsspital Nord", [("customer", "Kantonsspital Nord", "customer")]),
    ("analytics@migros.demo", "Marco", "Analyst", ("alpine", "Migros Retail"), Language.ENGLISH,
     False, None, "Customer analytics only at Migros Retail",
     [("customer", "Migros Retail", "customer-analytics-only")]),
    ("qc@technikum.demo", "Quentin", "Qualität", ("alpine", "Technikum Winterthur"), Language.GERMAN,
     False, None, "Quality feedback user on three single entities",
     [("entity", 20, "quality-feedback-users"), ("entity", 21, "quality-feedback-users"),
      ("entity", 22, "quality-feedback-users")]),
    ("inventory@soobr.demo", "Ines", "Inventar", ("alpine", "soobr AG"), Language.ENGLISH, False, None,
     "Inventory manager (special role): manages every tablet at /c/alpine/tablets/",
     [("entity", 1, "inventory-manager")]),
    ("tablets@tabletpartner.demo", "Tobias", "Tablet", ("alpine", "TabletPartner AG"), Language.GERMAN, False, None,
     "Tablet provider (special role): adds tablets, sees only those TabletPartner AG added",
     [("entity", 1, "tablet-provider")]),
    ("plans@cadpartner.demo", "Carla", "Planer", ("alpine", "CAD Partner AG"), Language.ENGLISH, False, None,
     "CAD plan provider (special role): uploads plans of the three new entities at /c/alpine/plans/",
     [("entity", name, "cad-plan-provider") for name in NEW_ENTITY_NAMES]),
    ("pm@rhein-clean.demo", "Rita", "Rhein", ("rhein", "Rhein Clean GmbH"), Language.ENGLISH,
     False, None, "Provider project manager in the second cockpit; also reaches /c/alpine/ by a Cockpit Share (below)",
     [("service_provider", "Rhein Clean GmbH", "provider-project-manager")]),
]
# fmt: on

# One demo user per second-factor method. The mobile number is from Ofcom's range for drama
# (+44 7700 900xxx), which is never given to a real phone, should Twilio be configured.
SECOND_FACTORS = {
    "admin@soobr.demo": (Method.TOTP, ""),
    "pm@zurich-property.demo": (Method.SMS, "+447700900123"),
    "manager@helvetia.demo": (Method.BACKUP, ""),
}
# Seed 000 "Multi-Cockpit Access": the operator (the demo admin) makes the first cockpit shareable
# and allow-lists the second cockpit's company of the shared user; the first cockpit's
# Projectmanager shares it with that user.
SHARE_COCKPIT, SHARE_OPERATOR, SHARE_ADMIN, SHARE_USER = (
    "alpine",
    "admin@soobr.demo",
    "pm@zurich-property.demo",
    "pm@rhein-clean.demo",
)
SHARE_INVENTORY, SHARE_CUSTOMER_CARE = ShareLevel.READ, ShareLevel.WRITE

# The demo admin's authenticator key is derived from this, so it is the same on every run
# and machine and a newcomer adds it to their app once. Demo data only: real keys are random.
DEMO_TOTP_SEED = "cockpit-demo-2026"


def demo_totp_key(email: str) -> str:
    """The fixed demo authenticator key of `email`: 20 bytes, hex-encoded as TOTPDevice stores it."""
    return hashlib.sha256(f"{DEMO_TOTP_SEED}:{email}".encode()).hexdigest()[:40]


def demo_section_settings(rng: random.Random) -> dict[str, dict]:
    return {
        "master_data": {
            "floor_area_m2": rng.randint(800, 12000),
            "cost_centre": f"KS-{rng.randint(100, 999)}",
            "contact_person": rng.choice(["R. Meier", "S. Keller", "T. Huber"]),
        },
        "features": {
            "document_manager": True,
            "material_ordering": rng.random() > 0.5,
            "quality_control": True,
            "order_management": rng.random() > 0.5,
        },
        "performance_figures": {
            "office": "220.0",
            "sanitary": "80.0",
            "corridor": "350.0",
            "kitchen": "120.0",
            "classroom": "250.0",
            "stairwell": "180.0",
        },
        "cleaning_categories": {
            "maintenance_cleaning": True,
            "basic_cleaning": rng.random() > 0.5,
            "window_cleaning": True,
            "special_cleaning": False,
        },
        "cleaning_process": {
            "cleaning_days": ["mon", "wed", "fri"],
            "start_time": "18:00",
            "cleaning_agent": rng.choice(["eco", "standard"]),
            "notes": rng.choice(["Schlüssel beim Empfang.", "Alarmanlage ab 20 Uhr scharf.", "Lift nicht benutzen."]),
        },
        "route_planning": {
            "tours_per_day": rng.randint(1, 4),
            "max_tour_minutes": 240,
            "start_location": "Haupteingang",
        },
        "tour_modification": {"allow_swaps": True, "freeze_days_before": 2},
        "calculation": {"hourly_rate": "42.50", "monthly_hours": str(rng.randint(40, 400)), "surcharge_percent": "8.0"},
        "analytics": {"target_quality_score": "4.5", "target_completion_percent": 98},
        "iot": {
            "sensors_enabled": rng.random() > 0.5,
            "gateway_id": f"gw-{rng.randint(1000, 9999)}",
            "alert_threshold_percent": 80,
        },
    }


class Command(BaseCommand):
    help = "Create the demo cockpits, companies, business entities and users, and print the demo logins."

    def handle(self, *args, **options):
        with transaction.atomic():
            for spec in INSTANCES:
                self._seed_instance(spec)
            rows = [self._seed_user(*row) for row in USERS]
            for instance in Instance.objects.filter(slug__in=[spec["slug"] for spec in INSTANCES]):
                self._seed_entity_data(instance)
            second_steps = {
                email: self._seed_second_factor(email, method) for email, (method, _) in SECOND_FACTORS.items()
            }
            share = self._seed_share()
            self._seed_special_roles()
        # After the commit: the emails about new sign-in methods and the share's invitation (console
        # backend) come before the logins.
        self._print_logins(rows)
        self._print_second_steps(second_steps)
        self._print_share(share)

    def _seed_instance(self, spec: dict) -> None:
        instance, _ = Instance.objects.get_or_create(slug=spec["slug"], defaults={"name": spec["name"]})
        companies = {}
        for name, is_operator in [(spec["operator"], True)] + [
            (name, False) for name in spec["owners"] + spec["providers"] + spec["customers"] + spec.get("partners", [])
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
        owner, provider, customer = spec.get("new_entity_companies", ("", "", ""))
        for name, address in spec.get("new_entities", []):
            if name not in existing:
                business_entity_create(
                    actor=None,
                    instance=instance,
                    name=name,
                    address=address,
                    owner=companies[owner],
                    service_provider=companies[provider],
                    customer=companies[customer],
                )

    def _seed_user(self, email, first, last, company_key, language, staff, show_all_role, purpose, grants):
        company = Company.objects.get(instance__slug=company_key[0], name=company_key[1])
        role = Role.objects.get(code=show_all_role) if show_all_role else None
        fields = {
            "first_name": first,
            "last_name": last,
            "company": company,
            "language": language,
            "is_staff": staff,
            "otp_required": email in SECOND_FACTORS or role is not None,
            "mobile_phone": SECOND_FACTORS.get(email, (None, ""))[1],
            # Demo users chat wherever one of their roles allows it.
            "chat_enabled": Role.objects.filter(code__in=[code for _, _, code in grants], chat_allowed=True).exists(),
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
        self._seed_grants(user, company.instance, grants)
        # After the grants: "show all" needs the project-manager role on the operator's company among them.
        if role is not None and (not user.sees_all_entities or user.all_entities_role_id != role.pk):
            user_update(actor=None, user=user, sees_all_entities=True, all_entities_role=role)
        return email, company.instance.slug, purpose

    def _seed_grants(self, user: User, instance: Instance, grants) -> None:
        for level, target, role_code in grants:
            role = Role.objects.get(code=role_code)
            if level == "entity":
                entities = BusinessEntity.objects.filter(instance=instance)
                entity = entities.get(name=target) if isinstance(target, str) else entities.order_by("id")[target - 1]
                if not EntityGrant.objects.filter(user=user, content_object=entity).exists():
                    entity_grant_create(actor=None, user=user, entity=entity, role=role)
            else:
                company = Company.objects.get(instance=instance, name=target)
                if not CompanyGrant.objects.filter(user=user, level=level, company=company).exists():
                    company_grant_create(actor=None, user=user, level=level, company=company, role=role)

    def _seed_second_factor(self, email: str, method: Method) -> list[str]:
        """Give the user a working device of `method`; returns how to pass the second step with it."""
        user = User.objects.get(email=email)
        if method == Method.TOTP:
            key = demo_totp_key(email)
            device = TOTPDevice.objects.filter(user=user, confirmed=True, key=key).first()
            if device is None:
                device = totp_device_create(actor=None, user=user, confirmed=True, key=key)
            return [
                "authenticator app: add this key to your app once, it is the same on every run",
                f"key  {base64.b32encode(device.bin_key).decode()}",
                f"URL  {device.config_url}",
            ]
        if method == Method.SMS:
            if not SMSDevice.objects.filter(user=user, confirmed=True).exists():
                # As if the user had typed the first code sent to the number.
                device_confirm(actor=None, device=sms_device_create(actor=None, user=user))
            if settings.SMS_GATEWAY == "outbox.sms.ConsoleGateway":
                return ['SMS: press "Send code"; the SMS code appears in this console']
            return [f'SMS: press "Send code"; the SMS code goes to {user.mobile_phone} ({settings.SMS_GATEWAY})']
        # Backup codes are shown only once, so every run makes new ones (as it resets the passwords).
        # New ones on every run, without a notice each time: the demo user was told once, at the first.
        codes = backup_codes_generate(actor=None, user=user, notify=False)
        return ["backup codes, each works once (new ones on every run):", "  ".join(codes)]

    def _seed_share(self) -> Share:
        """Seed 000's Cockpit Share, through the services: settings by the operator, the share by the admin.

        The demo share is active at once (no invitation to follow); a second run changes nothing.
        """
        cockpit = Instance.objects.get(slug=SHARE_COCKPIT)
        user = User.objects.select_related("company__instance").get(email=SHARE_USER)
        settings_ = SharingSettings.objects.filter(instance=cockpit).first()
        allowed = list(Company.objects.filter(pk__in=settings_.allowed.values("company_id"))) if settings_ else []
        if settings_ is None or not settings_.is_shareable or user.company not in allowed:
            sharing_settings_save(
                actor=User.objects.get(email=SHARE_OPERATOR),
                settings=settings_ or SharingSettings(instance=cockpit),
                is_shareable=True,
                allowed_companies=[*allowed, user.company] if user.company not in allowed else allowed,
            )
        admin = User.objects.get(email=SHARE_ADMIN)
        share = Share.objects.filter(instance=cockpit, user=user).first()
        if share is None:
            # Within the admin's reach: the entities owned by her company, where she manages users.
            share, _delivery = share_invite(
                actor=admin,
                instance=cockpit,
                cockpit=user.company.instance,
                email=user.email,
                inventory=SHARE_INVENTORY,
                customer_care=SHARE_CUSTOMER_CARE,
                scopes=[(Level.OWNER, admin.company_id)],
                accepted=True,
            )
        return share

    def _seed_special_roles(self) -> None:
        """Work for the special roles' demo users: tablets in the register, new entities awaiting their plans."""
        cockpit = Instance.objects.get(slug=TABLETS_COCKPIT)
        seed_tablets(
            instance=cockpit,
            manager=User.objects.get(email=INVENTORY_MANAGER),
            provider=User.objects.get(email=TABLET_PROVIDER),
            entities=list(BusinessEntity.objects.filter(instance=cockpit).order_by("id")[:12]),
        )
        cockpit = Instance.objects.get(slug=PLANS_COCKPIT)
        seed_plans(
            provider=User.objects.get(email=CAD_PLAN_PROVIDER),
            entities=list(BusinessEntity.objects.filter(instance=cockpit, name__in=NEW_ENTITY_NAMES).order_by("name")),
        )

    def _seed_entity_data(self, instance: Instance) -> None:
        """Section data on every entity, so every tab of every entity shows something real.

        Each entity's values are drawn from its own name, so they are the same on every run
        and machine whichever entities a run finds filled already; entities with data are
        left as they are.
        """
        author = User.objects.filter(company__instance=instance).order_by("id").first()
        if author is None:
            raise CommandError(f"The demo cockpit {instance} has no user to write its entries.")
        filled = SectionSettings.objects.filter(entity__instance=instance).values("entity_id")
        settings: list[SectionSettings] = []
        tours: list[TourActivity] = []
        feedback: list[QualityFeedback] = []
        messages: list[ChatMessage] = []
        today = datetime.date.today()
        for entity in BusinessEntity.objects.filter(instance=instance).exclude(pk__in=filled).order_by("id"):
            rng = random.Random(f"{instance.slug}-data-{entity.name}")  # noqa: S311 - reproducible demo data
            settings += [
                SectionSettings(entity=entity, section=section, data=data)
                for section, data in demo_section_settings(rng).items()
            ]
            tours += [
                TourActivity(
                    entity=entity,
                    performed_on=today - datetime.timedelta(days=days_ago),
                    area=rng.choice(["Eingang", "Büros 2. OG", "Sanitär", "Treppenhaus", "Küche"]),
                    description=rng.choice(["Unterhaltsreinigung", "Fenster innen", "Böden feucht", "Abfall"]),
                    duration_minutes=rng.choice([30, 45, 60, 90]),
                )
                for days_ago in range(0, 28, 4)
            ]
            feedback += [
                QualityFeedback(
                    entity=entity,
                    score=rng.randint(3, 5),
                    comment=rng.choice(["Sehr sauber.", "Ecken vergessen.", "Gut."]),
                )
                for _ in range(3)
            ]
            messages.append(ChatMessage(entity=entity, body="Bitte Eingang am Freitag zusätzlich reinigen."))
        section_data_bulk_create(
            actor=author, settings=settings, tour_activities=tours, quality_feedback=feedback, chat_messages=messages
        )

    def _print_logins(self, rows) -> None:
        self.stdout.write(self.style.SUCCESS("Demo data is ready. Log in at /accounts/login/ with:"))
        width = max(len(email) for email, _, _ in rows)
        for email, slug, purpose in rows:
            self.stdout.write(f"  {email.ljust(width)}  {DEMO_PASSWORD}  /c/{slug}/  {purpose}")

    def _print_share(self, share: Share) -> None:
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS('Cockpit Share (seed 000 "Multi-Cockpit Access"):'))
        cockpit, user = share.instance, share.user
        levels = (
            f"Inventory {share.get_inventory_display().lower()}, "
            f"Customer care {share.get_customer_care_display().lower()}"
        )
        scopes = " and ".join(row.words for row in share_scope_rows(share))
        self.stdout.write(
            f"  {cockpit.name} (/c/{cockpit.slug}/) is shared with {user.email} of {user.company.instance.name}: "
            f"{levels}, on {scopes}; {SHARE_ADMIN} manages it at /c/{cockpit.slug}/shares/"
        )
        self.stdout.write(f"  {user.email} reaches both cockpits: the header's cockpit switcher lists them")

    def _print_second_steps(self, second_steps: dict[str, list[str]]) -> None:
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(
                "Second step (two-factor authentication) for three of them; "
                "the other demo users sign in with the password alone:"
            )
        )
        width = max(len(email) for email in second_steps)
        for email, (first, *more) in second_steps.items():
            self.stdout.write(f"  {email.ljust(width)}  {first}")
            for line in more:
                self.stdout.write(f"  {' ' * width}    {line}")
