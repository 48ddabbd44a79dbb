"""Property test: in seeded random worlds every way of asking the access rules gives the same answer.

For every user and entity of each world: the list (visible_entities), the paged list
(entity_page, at a random page size and cap), the single-entity check (entity_access),
has_perm and the explanation agree. The worlds include the rows that should not exist
and must be ignored alike everywhere: grants on companies and entities of another
cockpit, a company moved to another cockpit after its entities, operator-only roles held
by non-operators, special roles at a company level, deactivated users, grants whose end
date has come (or comes tomorrow), a show-all flag on a customer or on someone who is no
project manager of the operator; and Cockpit Shares (registered grant paths) accepted or
not, ended or not, suspended or not, in shareable cockpits or not, for companies on the
allow-list or not, of the holder's own cockpit, with random scopes (a company of either
cockpit at each level, or the whole cockpit) and random caps.

Beside those rows, each world has givers of every kind (managers of one or more companies,
operator staff, show-all operator employees, people who manage nobody, the deactivated)
who share through the service itself (sharing.services.share_invite) with scopes from their
offer and forged ones, give roles on single entities, give a role at a level to a few people
at once (the bulk action, a CSV import) and are asked whom they may change. Every share the
service makes is held to the rule that bounds all giving: on every entity and section, its
user may do at most what the giver could do there when sharing, and sees no entity the giver
did not see; so is every role the other services give. What a service refuses leaves no row
behind.

Then each world changes at random, once or twice, through the services (a grant given,
changed or revoked, a role's matrix, an entity's companies, a company moved, the sharing
settings, a share left, a person's flags or activation): on the next request the answers the
cache keeps (entities.access.cache: the sidebar's rights and grants, the filters' companies,
whether the cockpit is shareable, a share's kinds of scope, the list's pages) and every answer read beside them
(the list, the single check, has_perm, the explanation) are the same as asked afresh.

ACCESS_WORLDS sets how many worlds (default 1,000, checked in four parts that the test
workers run side by side); ACCESS_WORLDS_SEED replays a run: the seed is in the pytest
header and in every failure message.
"""

import datetime
import os
import random
from collections import Counter
from dataclasses import dataclass, field

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from accounts.services import user_save, user_update
from entities.access import (
    EntityFilter,
    entity_access,
    entity_page,
    explain_access,
    held_rights,
    request_scope,
    role_rights,
    visible_companies,
    visible_entities,
)
from entities.access import cache as access_cache
from entities.access.cache import all_cockpits_version
from entities.access.rules import PATHS, decode_access_key
from entities.models import (
    Access,
    BusinessEntity,
    Company,
    CompanyGrant,
    EntityGrant,
    EntityScope,
    Instance,
    Level,
    ProjectForm,
    Role,
    Section,
)
from entities.selectors import LIST_PAGE_SIZE, entity_list_page, held_company_grants
from entities.services import (
    business_entity_save,
    company_grant_create,
    company_save,
    grant_change_role,
    grant_delete,
    hold_role_permission,
    role_capabilities_set,
)
from sharing.access import cockpits_of
from sharing.models import AllowedCompany, ScopeLevel, Share, ShareCap, ShareScope, SharingSettings
from sharing.modules import share_role_code
from sharing.permissions import access_cockpit_shares, cockpit_is_shareable
from sharing.selectors import share_scope_offers
from sharing.services import share_invite, share_leave, sharing_settings_save
from users.imports import ImportPlan, PlannedPerson, PlannedRole
from users.permissions import manager_reach
from users.services import BulkAction, BulkKind, entity_grants_give, people_import, users_bulk_apply

pytestmark = pytest.mark.django_db

WORLDS = int(os.environ.get("ACCESS_WORLDS", "1000"))
# The worlds are checked in parts that run side by side on the test workers; together they are all WORLDS.
PARTS = 4
NAMES = ["Aarau", "Basel", "Basel", "Chur", "Davos", "Emmen"]  # repeated names test the id tie-break
COMPANY_LEVELS = [Level.OWNER, Level.SERVICE_PROVIDER, Level.CUSTOMER]
MANAGING = {"projectmanager", "provider-project-manager", "admin"}  # roles that manage users


SEED = int(os.environ["ACCESS_WORLDS_SEED"])  # chosen and printed by tests/conftest.py unless given


@dataclass
class GivenShare:
    """A share the service made, and what its giver could do on each entity when sharing (None: not seen)."""

    share: Share
    giver: User
    giver_rights: dict[int, dict[str, int] | None]


@dataclass
class World:
    instances: list[Instance]
    entities: list[BusinessEntity]
    users: list[User]
    given: list[GivenShare] = field(default_factory=list)
    refused: int = 0
    # How the bulk actions and imports of the world's givers ended: "given" or "refused".
    level_roles: Counter = field(default_factory=Counter)


def ends_on(rng: random.Random) -> datetime.date | None:
    """Mostly no end; else one that came today or before (ignored) or comes tomorrow (still counts)."""
    if rng.random() < 0.8:
        return None
    return timezone.localdate() + datetime.timedelta(days=rng.choice([-3, -1, 0, 1, 30]))


def build_world(rng: random.Random, roles: list[Role], permission, number: int) -> World:
    """A small world, written past validation where a stale row would be."""
    instances = Instance.objects.bulk_create(
        [Instance(slug=f"w{number}-{n}", name=f"World {number}.{n}") for n in range(2)]
    )
    companies = Company.objects.bulk_create(
        [
            Company(instance=instance, name=f"{name} {instance.slug}", is_operator=name == "soobr")
            for instance in instances
            for name in ("soobr", "C0", "C1", "C2")
        ]
    )
    entities = []
    for _ in range(rng.randint(3, 6)):
        instance = instances[0] if rng.random() < 0.8 else instances[1]
        own = [company for company in companies if company.instance_id == instance.pk]
        owner = rng.choice(own)
        entities.append(
            BusinessEntity(
                instance=instance,
                name=rng.choice(NAMES),
                owner=owner,
                service_provider=rng.choice(own),
                customer=rng.choice(own),
                project_form=rng.choice([ProjectForm.STANDARD, ProjectForm.EASY]),
                is_operator_entity=owner.is_operator,
            )
        )
    entities = BusinessEntity.objects.bulk_create(entities)
    if rng.random() < 0.2:
        # A company moved to the other cockpit after its entities were created.
        moved = rng.choice(companies[1:4])
        Company.objects.filter(pk=moved.pk).update(instance=instances[1])
    users = []
    for n in range(rng.randint(2, 4)):
        company = rng.choice(companies)
        show_all = rng.random() < 0.25
        users.append(
            User(
                email=f"u{n}@w{number}.example",
                company=company,
                is_active=rng.random() < 0.9,
                # A show-all flag on a customer is such a stale row, written past validation.
                sees_all_entities=show_all,
                all_entities_role=rng.choice(roles) if show_all else None,
                otp_required=show_all,
                chat_enabled=rng.random() < 0.5,
            )
        )
    users = User.objects.bulk_create(users)
    company_grants, entity_grants = [], []
    project_managers = [role for role in roles if role.is_project_manager]
    for user in users:
        for level, company in {(rng.choice(COMPANY_LEVELS), rng.choice(companies)) for _ in range(rng.randint(0, 4))}:
            company_grants.append(
                CompanyGrant(user=user, level=level, company=company, role=rng.choice(roles), ends_on=ends_on(rng))
            )
        if user.sees_all_entities and rng.random() < 0.7:
            # Mostly as the rules want it: a project manager of the operator of their cockpit.
            operator = next(c for c in companies if c.is_operator and c.instance_id == user.company.instance_id)
            if not any(g.user is user and (g.level, g.company) == (Level.OWNER, operator) for g in company_grants):
                company_grants.append(
                    CompanyGrant(user=user, level=Level.OWNER, company=operator, role=rng.choice(project_managers))
                )
        for entity in rng.sample(entities, k=rng.randint(0, 2)):
            entity_grants.append(
                EntityGrant(
                    user=user,
                    content_object=entity,
                    role=rng.choice(roles),
                    permission=permission,
                    ends_on=ends_on(rng),
                )
            )
    CompanyGrant.objects.bulk_create(company_grants)
    EntityGrant.objects.bulk_create(entity_grants)
    build_shares(rng, instances, companies, users)
    level_roles: Counter = Counter()
    given, refused = give_shares(rng, instances, companies, entities, roles, permission, number, level_roles)
    users = list(User.objects.select_related("company").filter(pk__in=[user.pk for user in users]))
    entities = list(BusinessEntity.objects.filter(pk__in=[entity.pk for entity in entities]).order_by("name", "id"))
    return World(
        instances=instances, entities=entities, users=users, given=given, refused=refused, level_roles=level_roles
    )


def build_shares(rng: random.Random, instances, companies, users) -> None:
    """Sharing settings, allow-lists and shares at random, the stale kinds included."""
    share_roles = {role.code: role for role in Role.objects.filter(is_share_role=True)}
    for instance in instances:
        if rng.random() < 0.7:
            settings = SharingSettings.objects.create(instance=instance, is_shareable=rng.random() < 0.7)
            others = [company for company in companies if company.instance_id != instance.pk]
            AllowedCompany.objects.bulk_create(
                [AllowedCompany(settings=settings, company=company) for company in rng.sample(others, k=2)]
            )
    shares = []
    today = timezone.localdate()
    for user in users:
        for instance in instances:
            if rng.random() < 0.4:  # the holder's own cockpit too: such a share must never count
                inventory, customer_care = rng.choice([(1, 0), (2, 0), (0, 1), (0, 2), (1, 2), (2, 2)])
                shares.append(
                    Share(
                        instance=instance,
                        user=user,
                        inventory=inventory,
                        customer_care=customer_care,
                        role=share_roles[share_role_code(inventory, customer_care)],
                        accepted_at=timezone.now() if rng.random() < 0.8 else None,
                        ends_on=rng.choice([None, None, today, today - datetime.timedelta(days=1)]),
                        suspended_at=timezone.now() if rng.random() < 0.1 else None,
                    )
                )
    Share.objects.bulk_create(shares)
    scopes = []
    for share in shares:
        keys = set()
        for _ in range(rng.randint(0, 3)):
            level = rng.choice(ScopeLevel.values)
            # A company of the other cockpit too: such a scope must never reach an entity.
            keys.add((level, None if level == ScopeLevel.COCKPIT else rng.choice(companies)))
        scopes += [
            ShareScope(share=share, level=level, company=company, entity_scope=rng.choice(EntityScope.values))
            for level, company in keys
        ]
    ShareScope.objects.bulk_create(scopes)
    ShareCap.objects.bulk_create(
        [
            ShareCap(scope=scope, section=section, access=rng.choice(Access.values))
            for scope in scopes
            for section in Section.values
            if rng.random() < 0.9  # a section without a cap row is capped at nothing
        ]
    )


def give_shares(rng: random.Random, instances, companies, entities, roles, permission, number, level_roles: Counter):
    """Givers of every kind share the first cockpit through the service, with offered and forged scopes."""
    home, other = instances
    settings = SharingSettings.objects.filter(instance=home).first()
    if settings is None or not settings.is_shareable or not settings.allowed.exists():
        return [], 0
    allowed = [a.company for a in settings.allowed.select_related("company") if a.company.instance_id == other.pk]
    if not allowed:
        return [], 0
    own = [company for company in companies if company.instance_id == home.pk]
    operator = next(company for company in own if company.is_operator)
    managing = [role for role in roles if role.code in MANAGING]
    given, refused = [], 0
    for n in range(rng.randint(1, 2)):
        kind = rng.choice(["manager", "manager", "staff", "show-all", "nobody", "deactivated"])
        giver = User.objects.create(
            email=f"giver{n}@w{number}.example",
            company=operator if kind in {"staff", "show-all"} else rng.choice(own),
            is_active=kind != "deactivated",
            is_staff=kind == "staff",
        )
        for level, company in {(rng.choice(COMPANY_LEVELS), rng.choice(own)) for _ in range(rng.randint(1, 3))}:
            role = rng.choice(managing) if kind != "nobody" and rng.random() < 0.6 else rng.choice(roles)
            CompanyGrant.objects.create(user=giver, level=level, company=company, role=role)
        for entity in rng.sample(entities, k=rng.randint(0, 2)):
            EntityGrant.objects.create(user=giver, content_object=entity, role=rng.choice(roles), permission=permission)
        if kind in {"staff", "show-all"} and rng.random() < 0.8:
            CompanyGrant.objects.get_or_create(
                user=giver,
                level=Level.CUSTOMER,
                company=operator,
                defaults={"role": Role.objects.get(code="projectmanager")},
            )
            viewing = [role for role in roles if not role.is_special]
            giver.sees_all_entities, giver.all_entities_role, giver.otp_required = True, rng.choice(viewing), True
            giver.save()
        recipient = User.objects.create(email=f"taker{n}@w{number}.example", company=rng.choice(allowed))
        subject = giver.access_subject()
        seen = {entity.pk: entity_access(subject, entity) for entity in entities if entity.instance_id == home.pk}
        give_entity_roles(giver, seen, home, own, roles, entities, rng, f"{number}-{n}")
        level_roles[give_level_roles(giver, home, own, companies, roles, rng, f"{number}-{n}")] += 1
        check_manageable(giver, home)
        try:
            offers = [offer.key for offer in share_scope_offers(access_cockpit_shares(giver, home))]
        except (PermissionDenied, Http404):
            offers = []
        forged = [(rng.choice(COMPANY_LEVELS), rng.choice(companies).pk), (ScopeLevel.COCKPIT, None)]
        chosen = rng.sample(offers, k=min(len(offers), rng.randint(1, 3))) + rng.sample(forged, k=rng.randint(0, 1))
        inventory, customer_care = rng.choice([(1, 0), (2, 0), (0, 1), (0, 2), (1, 2), (2, 2)])
        try:
            with transaction.atomic():
                share, _delivery = share_invite(
                    actor=giver,
                    instance=home,
                    cockpit=other,
                    email=recipient.email,
                    inventory=inventory,
                    customer_care=customer_care,
                    scopes=chosen,
                    accepted=True,
                )
        except (ValidationError, PermissionDenied, Http404):
            assert not Share.objects.filter(user=recipient).exists(), "a refused share left a row"
            refused += 1
            continue
        # Staff may also share a company that is on no entity yet, which their offer leaves out.
        assert giver.is_staff or set(chosen) <= set(offers), f"the service gave {chosen} beyond the offer {offers}"
        assert {company for _level, company in chosen if company} <= {c.pk for c in own}, "a company of elsewhere"
        given.append(
            GivenShare(
                share=share,
                giver=giver,
                giver_rights={pk: access.rights if access else None for pk, access in seen.items()},
            )
        )
    return given, refused


def give_entity_roles(giver, seen, home, own, roles, entities, rng: random.Random, tag: str) -> None:
    """The giver gives a role on some entities of their cockpit (seen or not) through the service itself
    (users.services.entity_grants_give), to a new person of one of their companies. What the service gives is
    held to the rule that bounds all giving: only where the giver's own role manages users, never a role with
    more rights in any section than theirs there (operator staff run every cockpit and are exempt). A refused
    action leaves no row behind."""
    # Mostly someone of a company where the giver manages users (whom they may manage), else of any of theirs.
    theirs = [
        g.company for g in CompanyGrant.objects.filter(user=giver, role__code__in=MANAGING).select_related("company")
    ]
    taker = User.objects.create(
        email=f"grantee{tag}@worlds.example",
        company=rng.choice(theirs) if theirs and rng.random() < 0.7 else rng.choice(own),
    )
    own_entities = [entity for entity in entities if entity.instance_id == home.pk]
    # Mostly what the giver's offer would hold (entities where they manage users, a role within theirs), else any.
    managed = [e for e in own_entities if seen.get(e.pk) and seen[e.pk].rights[Section.USERS] >= Access.EDIT]
    pool = managed if managed and rng.random() < 0.7 else own_entities
    chosen = rng.sample(pool, k=min(len(pool), rng.randint(1, 3)))
    all_rights = role_rights([r.pk for r in roles])
    within = [
        r
        for r in roles
        if all(all_rights[r.pk][s] <= seen[e.pk].rights[s] for e in chosen if seen.get(e.pk) for s in Section.values)
    ]
    role = rng.choice(within) if within and rng.random() < 0.7 else rng.choice(roles)
    try:
        with transaction.atomic():
            entity_grants_give(
                actor=giver, instance=home, user=taker, entities=chosen, role=role, lowering_confirmed=True
            )
    except (ValidationError, PermissionDenied, Http404):
        assert not EntityGrant.objects.filter(user=taker).exists(), "a refused action left a role behind"
        return
    if giver.is_operator_staff:
        return
    given = role_rights([role.pk])[role.pk]
    for entity in chosen:
        held = seen.get(entity.pk)
        assert held is not None, f"a role given on entity {entity.pk}, which its giver did not see"
        assert held.rights[Section.USERS] >= Access.EDIT, f"a role given on {entity.pk} by someone managing no users"
        above = {section for section, right in given.items() if right > held.rights[section]}
        assert not above, f"a role given on entity {entity.pk} above its giver's own there: {sorted(above)}"


def give_level_roles(giver, home, own, companies, roles, rng: random.Random, tag: str) -> str:
    """The giver gives a role at a level and company to a few people at once, through the bulk action
    (users.services.users_bulk_apply) or a CSV import's plan handed straight to the service (people_import,
    as a forged file would reach it). What either gives is held to the rule that bounds all giving: only
    at a company where the giver holds a user-managing role at that level, never an operator-only role,
    never one with more rights in any section than that role of theirs (operator staff are exempt). A
    refused batch or file leaves nothing behind."""
    managing = list(CompanyGrant.objects.filter(user=giver, role__code__in=MANAGING).select_related("company", "role"))
    all_rights = role_rights([r.pk for r in roles])
    role = rng.choice(roles)
    if managing and rng.random() < 0.7:
        # Mostly what the giver's offer would hold: where they manage users, a role within theirs there.
        held = rng.choice(managing)
        level, company = held.level, held.company
        within = [
            r
            for r in roles
            if not r.is_operator_only
            and all(all_rights[r.pk][s] <= all_rights[held.role_id][s] for s in Section.values)
        ]
        role = rng.choice(within) if within and rng.random() < 0.7 else role
    else:
        level, company = rng.choice(COMPANY_LEVELS), rng.choice(companies)
    people_companies = [g.company for g in managing if g.company.instance_id == home.pk] or own
    if rng.random() < 0.5:
        people = [
            User.objects.create(email=f"bulk{tag}-{k}@worlds.example", company=rng.choice(people_companies))
            for k in range(rng.randint(1, 3))
        ]
        try:
            with transaction.atomic():
                users_bulk_apply(
                    actor=giver,
                    instance=home,
                    user_ids=[person.pk for person in people],
                    action=BulkAction(BulkKind.GIVE_ROLE, level, company, role),
                )
        except (ValidationError, PermissionDenied, Http404):
            given = CompanyGrant.objects.filter(user__in=people, level=level, company=company).exists()
            assert not given, "a refused batch left a role behind"
            return "refused"
    else:
        emails = [f"import{tag}-{k}@worlds.example" for k in range(rng.randint(1, 2))]
        plan = ImportPlan(
            [
                PlannedPerson(
                    line=k + 2,
                    email=email,
                    company=rng.choice(people_companies),
                    roles=[PlannedRole(level, company, role)],
                )
                for k, email in enumerate(emails)
            ]
        )
        try:
            with transaction.atomic():
                people_import(actor=giver, instance=home, plan=plan)
        except (ValidationError, PermissionDenied, Http404):
            assert not User.objects.filter(email__in=emails).exists(), "a refused file left a person behind"
            return "refused"
    if giver.is_operator_staff:
        return "given"
    assert not role.is_operator_only, f"{role.code}, operator-only, given at {level} {company}"
    # What the giver holds there, judged by its rights (any role whose users section is editable manages users).
    held = CompanyGrant.objects.filter(user=giver, level=level, company=company).select_related("role").first()
    rights = role_rights([role.pk, *([held.role_id] if held else [])])
    manages = held is not None and rights[held.role_id][Section.USERS] >= Access.EDIT
    assert manages and company.instance_id == home.pk, (
        f"a role given at {level} {company} where its giver manages no users"
    )
    own_role, theirs, given = held.role, rights[held.role_id], rights[role.pk]
    above = {section for section, right in given.items() if right > theirs[section]}
    assert not above, f"{role.code} given at {level} {company} above its giver's {own_role.code}: {sorted(above)}"
    return "given"


def check_manageable(giver, home) -> None:
    """Whom the giver may change, asked of everyone at once (Reach.entity_grants_in_reach, one query), agrees
    with the single-entity check asked of each of their roles on single entities."""
    reach = manager_reach(giver, home)
    people = list(User.objects.filter(company__instance=home).exclude(pk=giver.pk))
    one_by_one = {
        person.pk
        for person in people
        if reach.is_operator_staff
        or all(
            reach.entity_grant_error(grant.content_object, grant.role) is None
            for grant in EntityGrant.objects.filter(user=person).select_related("role", "content_object")
        )
    }
    assert reach.entity_grants_in_reach({person.pk for person in people}) == one_by_one, "whom a manager may change"


def paged(subject, instance, rng: random.Random) -> tuple[list[tuple[int, tuple[str, int]]], int, int]:
    """Every page of the list at a random page size and cap: (rows, total, cap)."""
    per_page, cap = rng.randint(1, 4), rng.randint(1, 8)
    rows, number = [], 1
    while True:
        page = entity_page(subject, instance, number=number, per_page=per_page, cap=cap)
        assert page.number == number or not page.rows
        rows += [(entity.pk, (level, role.pk)) for entity, role, level in page.rows]
        if not page.has_next:
            return rows, page.total, cap
        number += 1


def check_world(world: World, rng: random.Random, decided: Counter) -> int:
    with request_scope():
        checked = _check_world(world, rng, decided)
    for given in world.given:
        check_given_share(given, world)
    return checked


def check_given_share(given: GivenShare, world: World) -> None:
    """Through the share, its user may do at most what its giver could do, entity by entity, section by section."""
    subject = given.share.user.access_subject()
    for entity in (entity for entity in world.entities if entity.instance_id == given.share.instance_id):
        access = entity_access(subject, entity)
        if access is None:
            continue
        held = given.giver_rights[entity.pk]
        assert held is not None, f"the share shows entity {entity.pk}, which its giver did not see"
        above = {section for section, right in access.rights.items() if right > held[section]}
        assert not above, f"the share gives more than its giver held on entity {entity.pk}: {sorted(above)}"


def _check_world(world: World, rng: random.Random, decided: Counter) -> int:
    checked = 0
    # The world's users in both cockpits; the users of the service's shares in the cockpit shared with them
    # (their givers are users like the world's own, checked in other worlds).
    checks = [(user, world.instances) for user in world.users]
    checks += [(given.share.user, [given.share.instance]) for given in world.given]
    for user, instances in checks:
        subject = user.access_subject()
        for instance in instances:
            listed = {
                entity.pk: decode_access_key(entity.access_key)
                for entity in visible_entities(subject, instance).order_by("name", "id")
            }
            in_order = [pk for pk in (entity.pk for entity in world.entities) if pk in listed]
            rows, total, cap = paged(subject, instance, rng)
            assert rows == [(pk, listed[pk]) for pk in in_order[:cap]], "paged list"
            assert total == len(listed) if len(listed) <= cap else total > cap, "capped total"
            for entity in (entity for entity in world.entities if entity.instance_id == instance.pk):
                expected = listed.get(entity.pk)
                # The check, fresh; has_perm then answers through the permission backend from the
                # request's memory of it, as on a page.
                access = entity_access(subject, entity)
                assert ((access.level, access.role.pk) if access else None) == expected, "single-entity check"
                explanation = explain_access(subject, entity)
                explained = (explanation.deciding.level, explanation.deciding.role.pk) if explanation.visible else None
                assert explained == expected, "explain"
                section = rng.choice(Section.values)
                may_view = access is not None and access.rights[section] >= Access.VIEW
                assert user.has_perm(f"entities.view_{section}", entity) == may_view, "has_perm"
                if access is not None:
                    assert explanation.rights == access.rights, "explained rights"
                    decided[access.level] += 1
                checked += 1
    return checked


REFUSED = (ValidationError, PermissionDenied, Http404)
CHANGES = ["revoke", "give", "role", "matrix", "entity", "move", "settings", "leave", "flags", "activation"]


def cached_questions(user: User, instance: Instance) -> tuple:
    """What the cache keeps: the layout's questions (the switcher's cockpits, rights, company grants, shareable) and
    the filters' companies."""
    subject = user.access_subject()
    return (
        tuple(
            (reachable.instance.pk, reachable.instance.access_version, reachable.shared)
            for reachable in cockpits_of(user)
        ),
        tuple(sorted(held_rights(subject, instance.pk).items())),
        tuple(
            sorted((g.level, g.company.pk, g.role_id, g.users_access) for g in held_company_grants(subject, instance))
        ),
        tuple(
            (level, tuple(c.pk for c in companies)) for level, companies in visible_companies(subject, instance).items()
        ),
        cockpit_is_shareable(user, instance),
    )


def listed(user: User, instance: Instance) -> dict[int, tuple[str, int]]:
    """The list: each entity the person sees, with the (level, role) that decides it."""
    return {
        entity.pk: decode_access_key(entity.access_key)
        for entity in visible_entities(user.access_subject(), instance).order_by("name", "id")
    }


def read_afresh(user: User, instance: Instance, search: str) -> tuple:
    """What a request reads with nothing from the cache: the cached questions, the list page searched for `search`
    and the list."""
    page = entity_page(
        user.access_subject(), instance, per_page=LIST_PAGE_SIZE, entity_filter=EntityFilter(search=search)
    )
    with request_scope():
        return cached_questions(user, instance), page, listed(user, instance)


def read_as_a_page_does(user: User, instance: Instance, search: str, rng: random.Random | None = None) -> tuple:
    """As a cockpit page's request: its person's memory filled from the cache first, what was missing kept after,
    and the list page searched for `search` as the list's view asks for it (entities.selectors.entity_list_page,
    kept in the cache by itself).

    Without rng, only what the cache keeps is asked (the first request, which fills it). With it, also
    the list and, for every entity of the cockpit, the single check, the explanation and has_perm (each
    reads the cached kinds of a share's scope): as (level, role) or None, and whether has_perm agreed."""
    subject = user.access_subject()
    with request_scope():
        primed = access_cache.primed(subject, instance)
        answers: tuple = (
            cached_questions(user, instance),
            entity_list_page(subject=subject, instance=instance, search=search),
        )
        if rng is not None:
            single = {}
            for entity in BusinessEntity.objects.filter(instance=instance):
                access = entity_access(subject, entity)
                explanation = explain_access(subject, entity)
                section = rng.choice(Section.values)
                may_view = access is not None and access.rights[section] >= Access.VIEW
                single[entity.pk] = (
                    (access.level, access.role.pk) if access else None,
                    (explanation.deciding.level, explanation.deciding.role.pk) if explanation.visible else None,
                    user.has_perm(f"entities.view_{section}", entity) == may_view,
                )
            answers += (listed(user, instance), single)
        access_cache.kept(subject, instance, primed)
        return answers


def change_at_random(world: World, rng: random.Random, roles: list[Role], staff: User) -> str:
    """One change through a service, at random; what it was (a refused change changes nothing)."""
    users = [user for user in world.users]
    # Roles any grant may hold: neither special (entities only) nor the operator's own.
    plain = [role for role in roles if not role.is_special and not role.is_operator_only]
    kind = rng.choice(CHANGES)
    try:
        with transaction.atomic():
            if kind == "revoke":
                grants = [*CompanyGrant.objects.filter(user__in=users), *EntityGrant.objects.filter(user__in=users)]
                if grants:
                    grant_delete(actor=None, grant=rng.choice(grants))
            elif kind == "give":
                # Mostly what the rules let stand (a company of the person's cockpit, a role for a level that is
                # not the operator's own), else any: given at random, three in four were refused, and a part of
                # 250 worlds saw fewer than three go through now and then.
                user = rng.choice(users)
                companies = list(Company.objects.filter(instance__in=world.instances))
                home = [company for company in companies if company.instance_id == user.company.instance_id]
                if home and rng.random() < 0.7:
                    company = rng.choice(home)
                    role = rng.choice(plain)
                else:
                    company, role = rng.choice(companies), rng.choice(roles)
                company_grant_create(
                    actor=None, user=user, level=rng.choice(COMPANY_LEVELS), company=company, role=role
                )
            elif kind == "role":
                grants = [*CompanyGrant.objects.filter(user__in=users), *EntityGrant.objects.filter(user__in=users)]
                if grants:
                    # Mostly a role any grant may hold, else any.
                    role = rng.choice(plain if rng.random() < 0.5 else roles)
                    grant_change_role(actor=None, grant=rng.choice(grants), role=role)
            elif kind == "matrix":
                role_capabilities_set(
                    actor=None, role=rng.choice(roles), rights={rng.choice(Section.values): rng.choice(Access.values)}
                )
            elif kind == "entity":
                entity = BusinessEntity.objects.get(pk=rng.choice(world.entities).pk)
                own = list(Company.objects.filter(instance_id=entity.instance_id))
                setattr(entity, rng.choice(["owner", "service_provider", "customer"]), rng.choice(own))
                entity.project_form = rng.choice([ProjectForm.STANDARD, ProjectForm.EASY])
                business_entity_save(actor=None, entity=entity)
            elif kind == "move":
                # Mostly a company the rules let move (no people, entities or roles), which may hold share scopes.
                companies = list(Company.objects.filter(instance__in=world.instances))
                movable = [
                    c
                    for c in companies
                    if not User.objects.filter(company=c).exists()
                    and not BusinessEntity.objects.filter(Q(owner=c) | Q(service_provider=c) | Q(customer=c)).exists()
                    and not CompanyGrant.objects.filter(company=c).exists()
                ]
                company = rng.choice(movable if movable and rng.random() < 0.8 else companies)
                company.instance = next(i for i in world.instances if i.pk != company.instance_id)
                company_save(actor=None, company=company)
            elif kind == "settings":
                instance = rng.choice(world.instances)
                settings = SharingSettings.objects.filter(instance=instance).first() or SharingSettings(
                    instance=instance
                )
                others = list(Company.objects.exclude(instance=instance).filter(instance__in=world.instances))
                sharing_settings_save(
                    actor=staff,
                    settings=settings,
                    is_shareable=rng.random() < 0.5,
                    allowed_companies=rng.sample(others, k=rng.randint(0, len(others))),
                )
            elif kind == "leave":
                # Mostly a share the service gave (accepted, in reach), else any of the world's.
                given = [g.share for g in world.given if Share.objects.filter(pk=g.share.pk).exists()]
                shares = given if given and rng.random() < 0.7 else list(Share.objects.filter(user__in=users))
                if shares:
                    share = rng.choice(shares)
                    share_leave(user=share.user, instance=share.instance)
            elif kind == "flags":
                user = User.objects.get(pk=rng.choice(users).pk)
                user_update(actor=None, user=user, chat_enabled=not user.chat_enabled)
            else:
                user = User.objects.get(pk=rng.choice(users).pk)
                user.is_active = not user.is_active
                user_save(actor=None, user=user)
    except REFUSED:
        return f"{kind} (refused)"
    return kind


def check_cached_answers(world: World, rng: random.Random, roles: list[Role], staff: User, made: Counter) -> bool:
    """After random changes, a page's request reads what a fresh one does; whether any answer changed.

    `made` counts the changes by kind (a refused one as "<kind> (refused)")."""
    cache.clear()  # ids of a rolled-back world come again on SQLite: its answers must not
    # Three of the world's people in a cockpit, and the holder of a share the service gave when there is one.
    people = [(user.pk, instance.pk) for user in world.users for instance in world.instances]
    pairs = rng.sample(people, k=min(3, len(people)))
    pairs += [(given.share.user_id, given.share.instance_id) for given in world.given[:1]]
    # The list page each asks for, the same before and after: all of it or searched (repeated names, a letter).
    searches = {pair: rng.choice(["", "", "Basel", "a", "Emmen"]) for pair in pairs}

    def fresh(user_id: int, instance_id: int) -> tuple[User, Instance]:
        # The next request reads both rows anew, as the sign-in (with where access stands in all cockpits,
        # which the switcher's cache follows) and the cockpit gate do.
        users = User.objects.select_related("company__instance").annotate(all_cockpits_version=all_cockpits_version())
        return users.get(pk=user_id), Instance.objects.get(pk=instance_id)

    before = {pair: read_as_a_page_does(*fresh(*pair), searches[pair])[0] for pair in pairs}
    changes = [change_at_random(world, rng, roles, staff) for _ in range(rng.randint(1, 2))]
    made.update(changes)
    altered = False
    for pair in pairs:
        user, instance = fresh(*pair)
        reader = User.objects.select_related("company__instance").get(pk=user.pk)
        questions, page, in_list = read_afresh(reader, instance, searches[pair])
        cached, cached_page, cached_list, single = read_as_a_page_does(user, instance, searches[pair], rng)
        assert cached == questions, f"cached answers after {changes}"
        assert cached_page == page, f"the cached list page after {changes}"
        assert cached_list == in_list, f"the list beside cached answers after {changes}"
        for pk, (check, explained, has_perm_agrees) in single.items():
            assert check == explained == in_list.get(pk), f"the single check or explain of {pk} after {changes}"
            assert has_perm_agrees, f"has_perm on {pk} after {changes}"
        altered = altered or questions != before[pair]
    return altered


@pytest.mark.parametrize("part", range(PARTS))
def test_every_way_of_asking_the_access_rules_agrees_in_random_worlds(part):
    roles = list(Role.objects.filter(is_share_role=False))
    permission = hold_role_permission()
    rng = random.Random(SEED)
    seeds = [rng.randrange(10**9) for _ in range(WORLDS)]
    numbers = range(part, WORLDS, PARTS)
    checked, decided, given, refused, level_roles, altered, made = 0, Counter(), 0, 0, Counter(), 0, Counter()
    for number in numbers:
        world_seed = seeds[number]
        world_rng = random.Random(world_seed)
        with transaction.atomic():
            world = build_world(world_rng, roles, permission, number)
            given, refused = given + len(world.given), refused + world.refused
            level_roles += world.level_roles
            try:
                checked += check_world(world, world_rng, decided)
                staff = User.objects.create(
                    email=f"staff@w{number}.example",
                    company=Company.objects.get(instance=world.instances[0], is_operator=True),
                    is_staff=True,
                )
                altered += check_cached_answers(world, world_rng, roles, staff, made)
            except AssertionError as error:
                raise AssertionError(
                    f"world {number} (seed {world_seed}) disagrees: {error}; replay with ACCESS_WORLDS_SEED={SEED}"
                ) from error
            transaction.set_rollback(True)
    assert checked > len(numbers)  # every world checked pairs
    if len(numbers) >= 200:
        # The worlds reach every grant path of the table, so each reader is compared on each.
        assert set(decided) == {path.level for path in PATHS}, decided
        # Givers both shared and were refused, often: the bound was held to many shares.
        assert given > len(numbers) / 10 and refused > len(numbers) / 10, (given, refused)
        # So were their bulk actions and imports. About one giver's batch in five goes through (some 40 of the
        # 175 givers of 250 worlds, give or take 6; 20 came once): a tenth of the worlds as the bar failed a run by
        # chance now and then, a twenty-fifth is still far from none.
        assert min(level_roles["given"], level_roles["refused"]) > len(numbers) / 25, level_roles
        # The random changes altered someone's answers in many worlds: the cache was held to real changes.
        assert altered > len(numbers) / 10, altered
        # Every kind of change went through its service in some worlds.
        assert all(made[kind] >= 3 for kind in CHANGES), made
