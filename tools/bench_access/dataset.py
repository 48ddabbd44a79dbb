"""The bench data set: seeding it (bulk_create, inside one transaction), dropping it, and reading its personas."""

import random
import time
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.core.management.base import CommandError, OutputWrapper
from django.db import connection, transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from entities.access import decode_access_key, visible_entities
from entities.models import BusinessEntity, Company, CompanyGrant, EntityGrant, Instance, Level, ProjectForm, Role
from entities.services import hold_role_permission
from sharing.models import AllowedCompany, Share, SharingSettings
from sharing.modules import ShareLevel
from sharing.permissions import WHOLE_COCKPIT
from sharing.services import share_invite

BENCH_SLUG = "bench"
EMAIL_DOMAIN = "bench.example"
BATCH = 5_000

# Roles handed out at each level; none is operator-only (bench users are customers) and
# none is special (special roles are granted on single entities only).
LEVEL_ROLES = {
    Level.OWNER: ["projectmanager", "owner-project-manager", "manager", "projectmanager-extended", "team-leader"],
    Level.SERVICE_PROVIDER: ["provider-project-manager", "team-leader", "manager", "projectmanager"],
    Level.CUSTOMER: ["customer", "customer-expanded", "customer-analytics-only", "quality-feedback-users"],
}
SCOPED_ROLE = "easy-project-leader"  # a few owner grants act on "easy" entities only
ENTITY_ROLES = ["projectmanager", "customer", "team-leader", "tablet-provider", "cad-plan-provider", "manager"]
LEVEL_SHARE = [(Level.OWNER, 0.45), (Level.SERVICE_PROVIDER, 0.20), (Level.CUSTOMER, 0.35)]

KINDS = ["Bürohaus", "Schulhaus", "Klinik", "Logistikzentrum", "Filiale", "Campus", "Werkhof", "Rathaus"]
STREETS = ["Seefeldstrasse", "Bahnhofstrasse", "Limmatquai", "Hardturmstrasse", "Rheingasse", "Marktgasse"]
CITIES = ["8001 Zürich", "8400 Winterthur", "4051 Basel", "3011 Bern", "6003 Luzern", "9000 St. Gallen"]

PERSONAS = ["entity-only", "owner", "provider", "customer", "heavy", "show-all", "share"]
# Both see every entity: a guardian twin would need one object permission per entity of the cockpit.
TWINLESS = {"show-all", "share"}
TWINNED = [name for name in PERSONAS if name not in TWINLESS]
SHOW_ALL_ROLE = "manager"
OPERATOR_NAME = "Bench soobr AG"
# The share persona works in a second cockpit; the whole bench cockpit is shared with it (Inventory read).
PARTNER_SLUG = "bench-partner"
PARTNER_COMPANY = "Bench Partner AG"
SHARE_INVENTORY, SHARE_CUSTOMER_CARE = ShareLevel.READ, ShareLevel.NONE
# Who may share the whole cockpit sees all of it: the show-all persona, a project manager of the operator.
INVITER = "show-all"
OPERATOR_EVERY = 500  # 0.2 % are the operator's own (demo) entities


def persona_email(name: str) -> str:
    return f"persona-{name}@{EMAIL_DOMAIN}"


def twin_email(name: str) -> str:
    return f"twin-{name}@{EMAIL_DOMAIN}"


def zipf_weights(n: int) -> list[float]:
    return [1 / (rank + 1) for rank in range(n)]


@dataclass
class Companies:
    """The bench companies' ids; in each list rank 0 is the biggest company of its kind."""

    operator: int
    owners: list[int]
    providers: list[int]
    customers: list[int]

    def at(self, level: str) -> list[int]:
        by_level: dict[str, list[int]] = {
            Level.OWNER: self.owners,
            Level.SERVICE_PROVIDER: self.providers,
            Level.CUSTOMER: self.customers,
        }
        return by_level[level]

    def persona_home(self, name: str) -> int:
        """The company a persona (and its twin) belongs to."""
        return {
            "entity-only": self.customers[len(self.customers) // 2],
            "owner": self.owners[len(self.owners) // 20],
            "provider": self.providers[len(self.providers) // 10],
            "customer": self.customers[len(self.customers) // 10],
            "heavy": self.providers[0],
            "show-all": self.operator,
        }[name]

    def persona_grants(self) -> list[tuple[str, str, int, str]]:
        """(persona, level, company, role code): one grant on a mid-size company each; heavy holds the biggest two."""
        return [
            ("owner", Level.OWNER, self.owners[len(self.owners) // 20], "owner-project-manager"),
            ("provider", Level.SERVICE_PROVIDER, self.providers[len(self.providers) // 10], "provider-project-manager"),
            ("customer", Level.CUSTOMER, self.customers[len(self.customers) // 10], "customer"),
            ("heavy", Level.SERVICE_PROVIDER, self.providers[0], "provider-project-manager"),
            ("heavy", Level.OWNER, self.owners[0], "projectmanager"),
            # Seed 003: "show all" counts only for a project manager of the operator's company.
            ("show-all", Level.OWNER, self.operator, "projectmanager"),
        ]


@dataclass
class Laps:
    """Seconds per seeding step, for the summary the seeding prints."""

    started: float = field(default_factory=time.perf_counter)
    timings: list[tuple[str, float]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.tick = self.started

    def lap(self, label: str) -> None:
        now = time.perf_counter()
        self.timings.append((label, now - self.tick))
        self.tick = now


@dataclass
class Persona:
    """A persona user, its guardian twin (None for TWINLESS personas), and what the bench needs to know about them."""

    name: str
    user: User
    twin: User | None
    visible: int
    twin_rows: int
    entity: BusinessEntity  # the first entity of the persona's list


# ---------------------------------------------------------------------- seeding


def drop_data_set(out: OutputWrapper, instance: Instance) -> None:
    started = time.perf_counter()
    with transaction.atomic():
        Share.objects.filter(instance=instance).delete()
        SharingSettings.objects.filter(instance=instance).delete()  # and its allow-list
        drop_partner()
        EntityGrant.objects.filter(content_object__instance=instance).delete()
        CompanyGrant.objects.filter(company__instance=instance).delete()
        User.objects.filter(company__instance=instance).delete()
        BusinessEntity.objects.filter(instance=instance).delete()
        Company.objects.filter(instance=instance).delete()
        instance.delete()
    out.write(f"Dropped the old bench data set in {time.perf_counter() - started:.1f} s.")


def drop_partner() -> None:
    """The partner cockpit with its company and users (their shares go with them), if there is one."""
    partner = Instance.objects.filter(slug=PARTNER_SLUG).first()
    if partner is not None:
        User.objects.filter(company__instance=partner).delete()
        Company.objects.filter(instance=partner).delete()
        partner.delete()


def seed_data_set(out: OutputWrapper, rng: random.Random, scale: dict[str, int]) -> Instance:
    """Seed the bench instance at `scale`, then analyze the tables and print how long each step took."""
    laps = Laps()
    n_entities, n_users = scale["entities"], scale["users"]
    with transaction.atomic():
        instance = Instance.objects.create(slug=BENCH_SLUG, name="Bench cockpit")
        companies = seed_companies(instance, n_entities=n_entities)
        laps.lap("instance + companies")

        entity_ids = seed_entities(rng, instance, companies, n_entities=n_entities)
        laps.lap(f"{n_entities:,} business entities")

        roles = dict(Role.objects.values_list("code", "id"))
        user_ids, by_email = seed_users(rng, instance, companies, roles, n_users=n_users)
        laps.lap(f"{n_users:,} users + {len(PERSONAS) - 1 + len(TWINNED)} persona/twin users")

        company_grants = seed_company_grants(rng, companies, user_ids, by_email, roles, count=scale["company_grants"])
        validate_show_all(by_email)
        laps.lap(f"{company_grants:,} company grants")

        hold_role = hold_role_permission()
        entity_grants = seed_entity_grants(
            rng, entity_ids, user_ids, by_email, roles, hold_role, count=scale["entity_grants"]
        )
        laps.lap(f"{entity_grants:,} entity grants")

        seed_share(instance)
        laps.lap(f"partner cockpit '{PARTNER_SLUG}' + 1 accepted share")

        twin_rows = seed_twins(instance, by_email, hold_role)
        laps.lap(f"{twin_rows:,} twin object permissions (guardian baseline)")

    analyze()
    laps.lap("VACUUM ANALYZE" if can_vacuum() else "ANALYZE")
    out.write(f"Seeded the bench data set in {time.perf_counter() - laps.started:.1f} s:")
    for label, seconds in laps.timings:
        out.write(f"  {label:<52} {seconds:7.2f} s")
    return instance


def seed_companies(instance: Instance, *, n_entities: int) -> Companies:
    """The operator and owner, provider and customer companies, as many as the entities call for."""
    n_owners = min(200, max(4, n_entities // 500))
    n_providers = min(50, max(3, n_entities // 2_000))
    n_customers = min(200, max(4, n_entities // 500))
    companies = [Company(instance=instance, name=OPERATOR_NAME, is_operator=True)]
    companies += [Company(instance=instance, name=f"Bench Owner {i:03d}") for i in range(n_owners)]
    companies += [Company(instance=instance, name=f"Bench Provider {i:03d}") for i in range(n_providers)]
    companies += [Company(instance=instance, name=f"Bench Customer {i:03d}") for i in range(n_customers)]
    Company.objects.bulk_create(companies, batch_size=BATCH)
    by_name = dict(Company.objects.filter(instance=instance).values_list("name", "id"))
    return Companies(
        operator=by_name[OPERATOR_NAME],
        owners=[by_name[f"Bench Owner {i:03d}"] for i in range(n_owners)],
        providers=[by_name[f"Bench Provider {i:03d}"] for i in range(n_providers)],
        customers=[by_name[f"Bench Customer {i:03d}"] for i in range(n_customers)],
    )


def seed_entities(rng: random.Random, instance: Instance, companies: Companies, *, n_entities: int) -> list[int]:
    """The business entities, ids in creation order; company sizes are Zipf, so a few have 20,000+ entities."""
    owner_of = rng.choices(companies.owners, weights=zipf_weights(len(companies.owners)), k=n_entities)
    provider_of = rng.choices(companies.providers, weights=zipf_weights(len(companies.providers)), k=n_entities)
    customer_of = rng.choices(companies.customers, weights=zipf_weights(len(companies.customers)), k=n_entities)
    entities = []
    for i in range(n_entities):
        is_operator = i % OPERATOR_EVERY == OPERATOR_EVERY - 1
        entities.append(
            BusinessEntity(
                instance=instance,
                name=f"{rng.choice(KINDS)} {rng.choice(STREETS)} {rng.randrange(1, 10**6):06d}",
                address=f"{rng.choice(STREETS)} {rng.randrange(1, 200)}, {rng.choice(CITIES)}",
                project_form=ProjectForm.EASY if rng.random() < 0.1 else ProjectForm.STANDARD,
                owner_id=companies.operator if is_operator else owner_of[i],
                service_provider_id=provider_of[i],
                customer_id=customer_of[i],
                is_operator_entity=is_operator,  # save() is skipped: set the copy of owner.is_operator
            )
        )
    BusinessEntity.objects.bulk_create(entities, batch_size=BATCH)
    del entities
    return list(BusinessEntity.objects.filter(instance=instance).order_by("id").values_list("id", flat=True))


def seed_users(
    rng: random.Random, instance: Instance, companies: Companies, roles: dict[str, int], *, n_users: int
) -> tuple[list[int], dict[str, int]]:
    """The bench users (each in a random non-operator company), then the persona users of the bench cockpit.

    Returns the bench users' ids in creation order and every user's id by email.
    """
    password = make_password(None)  # unusable; the bench logs in with force_login
    non_operator = companies.owners + companies.providers + companies.customers
    users = [
        User(
            email=f"user{i:06d}@{EMAIL_DOMAIN}",
            first_name="Bench",
            last_name=f"User {i:06d}",
            company_id=rng.choice(non_operator),
            language="en",
            password=password,
        )
        for i in range(n_users)
    ]
    users += persona_users(companies, roles, password)
    User.objects.bulk_create(users, batch_size=BATCH)
    del users
    user_ids = list(
        User.objects.filter(company__instance=instance, email__startswith="user")
        .order_by("id")
        .values_list("id", flat=True)
    )
    by_email = dict(User.objects.filter(company__instance=instance).values_list("email", "id"))
    seed_second_factor(by_email[persona_email("show-all")])
    return user_ids, by_email


def persona_users(companies: Companies, roles: dict[str, int], password: str) -> list[User]:
    """A persona and its twin per TWINNED persona, both in the persona's home company; the show-all persona alone.

    Validated as the user services validate (the operator rules: show-all only for an
    operator employee, with a role and the second factor required).
    """
    users = [
        User(
            email=email,
            first_name="Bench",
            last_name=last,
            company_id=companies.persona_home(name),
            language="en",
            password=password,
        )
        for name in TWINNED
        for email, last in ((persona_email(name), f"Persona {name}"), (twin_email(name), f"Twin {name}"))
    ]
    show_all = User(
        email=persona_email("show-all"),
        first_name="Bench",
        last_name="Persona show-all",
        company_id=companies.persona_home("show-all"),
        language="en",
        password=password,
        otp_required=True,
    )
    for user in [*users, show_all]:
        user.full_clean(exclude=["password"])
    # "Show all" also needs the project-manager role it is granted with the personas' grants
    # (seed_company_grants), where validate_show_all() asks again.
    show_all.sees_all_entities, show_all.all_entities_role_id = True, roles[SHOW_ALL_ROLE]
    return [*users, show_all]


def validate_show_all(by_email: dict[str, int]) -> None:
    """The show-all persona passes every rule of the user model, now that it holds its grants."""
    User.objects.get(pk=by_email[persona_email("show-all")]).full_clean(exclude=["password"])


def seed_second_factor(user_id: int) -> None:
    """A confirmed authenticator app, so that the bench can mark the persona's sessions verified."""
    TOTPDevice.objects.create(user_id=user_id, name="Bench authenticator", confirmed=True)


def seed_company_grants(
    rng: random.Random,
    companies: Companies,
    user_ids: list[int],
    by_email: dict[str, int],
    roles: dict[str, int],
    *,
    count: int,
) -> int:
    """`count` random company grants (one role per user, level and company) plus the personas'; returns the rows."""
    grants = random_company_grants(rng, companies, user_ids, roles, count=count)
    rows = [
        CompanyGrant(user_id=user_id, level=level, company_id=company_id, role_id=role_id)
        for (user_id, level, company_id), role_id in grants.items()
    ]
    rows += [
        CompanyGrant(user_id=by_email[persona_email(name)], level=level, company_id=company_id, role_id=roles[code])
        for name, level, company_id, code in companies.persona_grants()
    ]
    CompanyGrant.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


def random_company_grants(
    rng: random.Random, companies: Companies, user_ids: list[int], roles: dict[str, int], *, count: int
) -> dict[tuple[int, str, int], int]:
    """Role id by (user, level, company); gives up after 20 × count draws if duplicates crowd the space."""
    grants: dict[tuple[int, str, int], int] = {}
    levels, shares = zip(*LEVEL_SHARE, strict=True)
    attempts = 0
    while user_ids and len(grants) < count and attempts < 20 * count:
        attempts += 1
        level = rng.choices(levels, weights=shares)[0]
        key = (rng.choice(user_ids), level, rng.choice(companies.at(level)))
        if key in grants:
            continue
        code = SCOPED_ROLE if level == Level.OWNER and rng.random() < 0.03 else rng.choice(LEVEL_ROLES[level])
        grants[key] = roles[code]
    return grants


def seed_entity_grants(
    rng: random.Random,
    entity_ids: list[int],
    user_ids: list[int],
    by_email: dict[str, int],
    roles: dict[str, int],
    hold_role: Permission,
    *,
    count: int,
) -> int:
    """`count` random entity grants plus the entity-only and heavy personas' (10 and 20); returns the rows."""
    grants: dict[tuple[int, int], int] = {}
    attempts = 0
    while user_ids and entity_ids and len(grants) < count and attempts < 20 * count:
        attempts += 1
        key = (rng.choice(user_ids), rng.choice(entity_ids))
        if key not in grants:
            grants[key] = roles[rng.choice(ENTITY_ROLES)]
    for name, persona_count in (("entity-only", 10), ("heavy", 20)):
        for entity_id in rng.sample(entity_ids, min(persona_count, len(entity_ids))):
            grants[(by_email[persona_email(name)], entity_id)] = roles["projectmanager"]
    EntityGrant.objects.bulk_create(
        [
            EntityGrant(user_id=user_id, content_object_id=entity_id, role_id=role_id, permission=hold_role)
            for (user_id, entity_id), role_id in grants.items()
        ],
        batch_size=BATCH,
    )
    return len(grants)


def seed_share(instance: Instance) -> Share:
    """The partner cockpit with one company and the share persona, and that persona's accepted share of `instance`.

    As the services leave them: the cockpit shareable with the partner company on its
    allow-list, the whole cockpit shared by the show-all persona (a project manager of the
    operator, who sees all of it) through the service, capped at what it can do, accepted
    at once (no link), no end date.
    """
    drop_partner()  # a leftover of an interrupted run
    partner = Instance.objects.create(slug=PARTNER_SLUG, name="Bench partner cockpit")
    company = Company.objects.create(instance=partner, name=PARTNER_COMPANY)
    user = User(
        email=persona_email("share"),
        first_name="Bench",
        last_name="Persona share",
        company=company,
        language="en",
        password=make_password(None),
    )
    user.full_clean(exclude=["password"])
    user.save()
    settings = SharingSettings.objects.create(instance=instance, is_shareable=True)
    allowed = AllowedCompany(settings=settings, company=company)
    allowed.full_clean()
    allowed.save()
    inviter = User.objects.select_related("company").get(email=persona_email(INVITER))
    share, _delivery = share_invite(
        actor=inviter,
        instance=instance,
        cockpit=partner,
        email=user.email,
        inventory=SHARE_INVENTORY,
        customer_care=SHARE_CUSTOMER_CARE,
        scopes=[WHOLE_COCKPIT],
        accepted=True,
    )
    return share


def seed_twins(instance: Instance, by_email: dict[str, int], hold_role: Permission) -> int:
    """Each TWINNED persona's visibility materialised as one guardian object permission per entity, held by its twin."""
    twin_rows = 0
    for name in TWINNED:
        persona = User.objects.select_related("company").get(email=persona_email(name))
        twin_id = by_email[twin_email(name)]
        rows = [
            EntityGrant(
                user_id=twin_id,
                content_object_id=entity_id,
                role_id=decode_access_key(access_key)[1],
                permission=hold_role,
            )
            for entity_id, access_key in visible_entities(persona.access_subject(), instance).values_list(
                "id", "access_key"
            )
        ]
        EntityGrant.objects.bulk_create(rows, batch_size=BATCH)
        twin_rows += len(rows)
    return twin_rows


def can_vacuum() -> bool:
    # VACUUM cannot run in a transaction block (e.g. inside a test's transaction); ANALYZE can.
    return connection.vendor == "postgresql" and not connection.in_atomic_block


SEEDED_MODELS = (
    *(Instance, Company, BusinessEntity, User, CompanyGrant, EntityGrant),
    *(SharingSettings, AllowedCompany, Share),
)


def analyze() -> None:
    tables = [model._meta.db_table for model in SEEDED_MODELS]
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute("ANALYZE")
            return
        verb = "VACUUM ANALYZE" if can_vacuum() else "ANALYZE"
        for table in tables:
            cursor.execute(f"{verb} {connection.ops.quote_name(table)}")


# ---------------------------------------------------------------------- reading


def load_personas(instance: Instance) -> dict[str, Persona]:
    """Every persona with its twin, how many entities it sees and the first of them; refuses a data set lacking one."""
    emails = [persona_email(name) for name in PERSONAS] + [twin_email(name) for name in TWINNED]
    users = {
        user.email: user
        for user in User.objects.select_related("company", "company__instance", "all_entities_role").filter(
            email__in=emails
        )
    }
    missing = [name for name in PERSONAS if persona_email(name) not in users]
    missing += [name for name in TWINNED if twin_email(name) not in users and name not in missing]
    if missing:
        raise CommandError(f"The bench data set lacks personas {', '.join(missing)}; run again with --reseed.")
    return {name: load_persona(instance, name, users) for name in PERSONAS}


def load_persona(instance: Instance, name: str, users: dict[str, User]) -> Persona:
    user, twin = users[persona_email(name)], users.get(twin_email(name))
    visible = visible_entities(user.access_subject(), instance)
    first = visible.order_by("name", "id").values_list("id", flat=True).first()
    if not first:
        raise CommandError(f"Persona {name} sees no entity; run again with --reseed at a larger scale.")
    twin_rows = EntityGrant.objects.filter(user=twin).count() if twin is not None else 0
    entity = BusinessEntity.objects.select_related("instance").get(pk=first)
    return Persona(name=name, user=user, twin=twin, visible=visible.count(), twin_rows=twin_rows, entity=entity)


def data_set_counts(instance: Instance, personas: dict[str, Persona]) -> list[tuple[str, int]]:
    twin_ids = [persona.twin.pk for persona in personas.values() if persona.twin is not None]
    persona_ids = [persona.user.pk for persona in personas.values()]
    entity_grants = EntityGrant.objects.filter(content_object__instance=instance)
    company_grants = CompanyGrant.objects.filter(company__instance=instance)
    return [
        ("companies", Company.objects.filter(instance=instance).count()),
        ("business entities", BusinessEntity.objects.filter(instance=instance).count()),
        ("users (incl. personas and twins)", User.objects.filter(company__instance=instance).count()),
        ("company-level grants", company_grants.exclude(user_id__in=persona_ids).count()),
        ("entity-level grants", entity_grants.exclude(user_id__in=twin_ids).exclude(user_id__in=persona_ids).count()),
        (
            "persona grants (company + entity)",
            company_grants.filter(user_id__in=persona_ids).count()
            + entity_grants.filter(user_id__in=persona_ids).count(),
        ),
        ("twin object permissions (guardian baseline)", entity_grants.filter(user_id__in=twin_ids).count()),
        ("accepted shares of the cockpit", Share.objects.filter(instance=instance, accepted_at__isnull=False).count()),
    ]


def print_data_set(out: OutputWrapper, instance: Instance, personas: dict[str, Persona]) -> None:
    out.write("")
    out.write(f"Data set (instance '{BENCH_SLUG}'):")
    for label, count in data_set_counts(instance, personas):
        out.write(f"  {label:<46} {count:>9,}")
    out.write("Personas (entities each sees):")
    for name, persona in personas.items():
        twin = f"twin holds {persona.twin_rows:,} rows" if persona.twin is not None else "no twin: sees every entity"
        out.write(f"  {name:<12} {persona.visible:>9,}   ({twin})")
