"""Reads of the User Management pages, filtered to the manager's reach in one place."""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.paginator import Page
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from accounts.models import SMSDevice, User
from core.paging import CappedCountPaginator
from core.registry import Registry
from entities.history import OUTSIDE_VIEW, HistoryRow, history_rows
from entities.models import AuditLogEntry, CompanyGrant, EntityGrant, Role
from users.permissions import Reach, listed_external_company_grants

# The user list's "Two-factor authentication" filter: its values and labels, "all" first.
SECOND_FACTOR_FILTERS = {
    "": _("All"),
    "not_set_up": _("Not set up (required)"),
    "set_up": _("Set up"),
    "not_required": _("Not required"),
}


# The user list's "State" filter: a login's way from invitation to removal.
USER_STATES = {
    "": _("All"),
    "invited": _("Invited"),
    "expired": _("Invitation expired"),
    "active": _("Active"),
    "removed": _("Removed"),
}


def user_state() -> Case:
    """Each user's state as SQL, for the list's badge and filter (User.awaits_first_login and
    User.temporary_password_expired say the same of one user)."""
    return Case(
        When(is_active=False, then=Value("removed")),
        When(must_change_password=True, temporary_password_expires_at__lte=timezone.now(), then=Value("expired")),
        When(Q(must_change_password=True) | Q(password__startswith=UNUSABLE_PASSWORD_PREFIX), then=Value("invited")),
        default=Value("active"),
    )


def second_factor_annotations() -> dict[str, Exists | Q]:
    """Per user, what their second-factor status is made of (see second_factor.second_factor_status).

    Only confirmed devices count, and backup codes only while some are left: the same
    devices second_factor.confirmed_devices() lets a user sign in with.
    """
    user = OuterRef("pk")
    return {
        "second_factor_policy": Q(otp_required=True) | Q(is_staff=True) | Q(is_superuser=True),
        "has_passkey": Exists(WebAuthnCredential.objects.filter(user=user, confirmed=True)),
        "has_totp": Exists(TOTPDevice.objects.filter(user=user, confirmed=True)),
        "has_sms": Exists(SMSDevice.objects.filter(user=user, confirmed=True)),
        "has_backup": Exists(StaticDevice.objects.filter(user=user, confirmed=True, token_set__isnull=False)),
    }


def _filter_second_factor(users: QuerySet, second_factor: str) -> QuerySet:
    has_device = Q(has_passkey=True) | Q(has_totp=True) | Q(has_sms=True) | Q(has_backup=True)
    if second_factor == "set_up":
        return users.filter(has_device)
    if second_factor == "not_set_up":
        return users.filter(~has_device, second_factor_policy=True)
    if second_factor == "not_required":
        return users.filter(~has_device, second_factor_policy=False)
    return users


def managed_users(
    *,
    reach: Reach,
    search: str = "",
    company_id: int | None = None,
    role: Role | None = None,
    second_factor: str = "",
    state: str = "",
    kind: str = "",
    order: str = "name",
    entity_grants_shown: int | None = None,
) -> QuerySet:
    """The people User Management lists (Reach.listed_people: the actor too), with what the list shows, in a
    constant number of queries.

    `second_factor` is a key of SECOND_FACTOR_FILTERS, `state` one of USER_STATES, `kind`
    "employees" or "external"; any other value filters nothing; `order` a key of
    USER_ORDERS, "-" first for descending (else by name). Each user carries
    `is_employee` (False: external, employed by a company outside the manager's reach).
    Each user's roles on single entities are in `listed_entity_grants`: with
    `entity_grants_shown`, the first that many by entity name, and `entity_grant_total`
    counts them all (a list row stays small for a person who holds thousands); without
    it, all of them (the export).
    """
    users = User.objects.filter(reach.listed_people()).annotate(
        is_employee=reach.is_employee(),
        changeable_external=Case(
            When(reach.externals(to_change=True), then=Value(True)), default=Value(False), output_field=BooleanField()
        ),
    )
    if kind == "employees":
        users = users.filter(is_employee=True)
    elif kind == "external":
        users = users.filter(is_employee=False)
    if search:
        users = users.filter(
            Q(email__icontains=search) | Q(first_name__icontains=search) | Q(last_name__icontains=search)
        )
    if company_id:
        users = users.filter(company_id=company_id)
    if role is not None:
        users = users.filter(
            Exists(CompanyGrant.objects.filter(user=OuterRef("pk"), role=role))
            | Exists(EntityGrant.objects.filter(user=OuterRef("pk"), role=role))
            | Q(all_entities_role=role)
        )
    users = _filter_second_factor(users.annotate(**second_factor_annotations()), second_factor)
    users = users.annotate(state=user_state())
    if state in USER_STATES and state:
        users = users.filter(state=state)
    entity_grants = EntityGrant.objects.select_related("role", "content_object")
    if entity_grants_shown is not None:
        entity_grants = entity_grants.order_by("content_object__name", "pk")[:entity_grants_shown]
        held = EntityGrant.objects.filter(user=OuterRef("pk")).order_by().values("user").annotate(n=Count("pk"))
        users = users.annotate(entity_grant_total=Coalesce(Subquery(held.values("n")), 0))
    return (
        users.select_related("company", "all_entities_role")
        .prefetch_related(
            Prefetch("company_grants", queryset=CompanyGrant.objects.select_related("role", "company")),
            Prefetch("entitygrant_set", queryset=entity_grants, to_attr="listed_entity_grants"),
        )
        .order_by(*user_order(order))
    )


# The user list's sort keys; the name breaks ties so every order is stable across pages.
USER_ORDERS = {
    "name": ["last_name", "first_name", "email"],
    "company": ["company__name"],
    "last_login": ["last_login"],
    "state": ["state"],
}
NAME_ORDER = USER_ORDERS["name"]


def user_order(order: str) -> list:
    """ORDER BY of a sort key ("company", "-last_login", …); never-logged-in users last either way."""
    descending = order.startswith("-")
    fields = USER_ORDERS.get(order.lstrip("-"), NAME_ORDER)
    ordered = [F(name).desc(nulls_last=True) if descending else F(name).asc(nulls_last=True) for name in fields]
    return [*ordered, *([] if fields is NAME_ORDER else NAME_ORDER), "pk"]


# What the user page edits, so that a save in between, by any page, changes the version.
USER_VERSION_FIELDS = (
    "email",
    "first_name",
    "last_name",
    "company_id",
    "mobile_phone",
    "language",
    "chat_enabled",
    "otp_required",
    "sees_all_entities",
    "all_entities_role_id",
    "is_active",
)


def user_edit_version(user_id: int) -> str:
    """A fingerprint of a user's profile and company roles as stored: the edit page carries it to tell a save in
    between. Roles on single entities change row by row on their own list (entity_grant_page), never with it."""
    profile = User.objects.filter(pk=user_id).values_list(*USER_VERSION_FIELDS).get()
    company = sorted(
        CompanyGrant.objects.filter(user_id=user_id).values_list("level", "company_id", "role_id", "ends_on")
    )
    return hashlib.sha256(repr((profile, company)).encode()).hexdigest()[:32]


ENTITY_GRANTS_PER_PAGE = 50


@dataclass
class EntityGrantRow:
    """One role of the person on a single entity, as the manager may read it."""

    pk: int
    entity: str
    address: str
    role: Role
    granted_by: str
    granted_at: object
    changeable: bool
    ends_on: object = None


@dataclass
class EntityGrantPage:
    rows: list[EntityGrantRow]
    page: Page
    total: int
    # At least CappedCountPaginator.COUNT_CAP: the total says "at least" (a search narrows the list).
    capped: bool = False


def entity_grants_of(reach: Reach, user: User, *, external: bool, search: str = "", to_change: bool = True) -> QuerySet:
    """The person's roles on single entities of this cockpit that the manager's page lists (for an external user,
    those at the manager's companies; at the companies whose users a reader sees, not `to_change`), searched in
    the entity's name and address."""
    grants = EntityGrant.objects.filter(user=user, content_object__instance=reach.instance)
    if external:
        grants = grants.filter(reach.entities_in_reach(to_change=to_change, prefix="content_object__"))
    if search:
        grants = grants.filter(Q(content_object__name__icontains=search) | Q(content_object__address__icontains=search))
    return grants


def entity_grant_page(
    reach: Reach, user: User, *, external: bool, search: str = "", number: int = 1, to_change: bool = True
) -> EntityGrantPage:
    """One page of the person's roles on single entities, by entity name: a fixed number of statements however many
    the person holds (the page, its count, and the manager's access to the page's entities)."""
    grants = (
        entity_grants_of(reach, user, external=external, search=search, to_change=to_change)
        .select_related("role", "content_object", "granted_by")
        .order_by("content_object__name", "pk")
    )
    paginator = CappedCountPaginator(grants, ENTITY_GRANTS_PER_PAGE)
    page = paginator.get_page(number)
    listed = list(page.object_list)
    reach.prime_entities([grant.content_object for grant in listed])
    rows = []
    for grant in listed:
        entity = grant.content_object
        seen = reach.sees_entity(entity)
        rows.append(
            EntityGrantRow(
                pk=grant.pk,
                entity=reach.entity_label(entity),
                address=entity.address if seen else "",
                role=grant.role,
                granted_by=grant.granted_by.get_full_name() or grant.granted_by.email if grant.granted_by else "",
                granted_at=grant.created_at,
                changeable=reach.grant_in_reach(grant),
                ends_on=grant.ends_on,
            )
        )
    return EntityGrantPage(rows=rows, page=page, total=paginator.count, capped=paginator.capped)


def entity_grant_count(reach: Reach, user: User, *, external: bool) -> tuple[int, bool]:
    """How many roles on single entities the person's page names, up to the cap, and whether there are more."""
    cap = CappedCountPaginator.COUNT_CAP
    counted = entity_grants_of(reach, user, external=external).order_by()[:cap].count()
    return counted, counted >= cap


def holds_no_role(user: User, *, company_grants: list[CompanyGrant], entity_grant_count: int) -> bool:
    """Whether the person holds no role in the cockpit (on no company, no single entity, not all entities): they
    see nothing in it until given one. From what the user's page reads anyway: their company roles and the count
    of their roles on single entities."""
    return not company_grants and not entity_grant_count and not user.sees_all_entities


def user_history(*, user: User, instance, limit: int = 50) -> QuerySet:
    """The newest audit entries about a user in one cockpit (entries filed under no cockpit are the user's own).

    Another cockpit's entries about the person (a share it gave them, say) are that cockpit's business.
    """
    return (
        AuditLogEntry.objects.filter(subject_user=user)
        .filter(Q(instance=instance) | Q(instance__isnull=True))
        .order_by("-created_at", "-id")[:limit]
    )


@dataclass(frozen=True)
class OutsideMember:
    """Someone of another cockpit with access to this one, as a higher app (Cockpit Shares) reports them."""

    user: User
    cockpit: str
    company: str
    access: str
    state: str
    state_label: str
    url: str


OutsideMembers = Callable[[Reach, str], list[OutsideMember]]
# The people of other cockpits a higher app lets into a cockpit, by app (sharing registers its shares).
OUTSIDE_MEMBERS: Registry[str, OutsideMembers] = Registry("outside members")


def outside_members(*, reach: Reach, search: str = "") -> list[OutsideMember]:
    """The people of other cockpits with access to the manager's cockpit, for User Management's list."""
    return [member for source in OUTSIDE_MEMBERS.values() for member in source(reach, search)]


def roles_in_reach(reach: Reach) -> QuerySet:
    """The roles the actor's list shows (held by the people it lists), for its role filter.

    Asked per role of the (small) catalogue, each stopping at its first holder: the grants of
    everyone listed, external people included, would be read in full (9.9 s for a company admin
    of 200 companies on the bench data set, 0.12 s asked this way).
    """
    listed = User.objects.filter(reach.listed_people())
    return (
        Role.objects.filter(is_share_role=False)
        .filter(
            Exists(CompanyGrant.objects.filter(role=OuterRef("pk"), user__in=listed))
            | Exists(EntityGrant.objects.filter(role=OuterRef("pk"), user__in=listed))
        )
        .order_by("position", "name")
    )


def listed_user_reading(
    reach: Reach, target: User, *, page: int = 1
) -> tuple[list[CompanyGrant], EntityGrantPage, list[HistoryRow]]:
    """What a reader who may not change `target` reads of them: roles (those on single entities a page at a
    time) and history.

    An employee of the reader's companies: all their roles and this cockpit's history,
    without their private fields. Someone employed elsewhere: only the roles at the
    reader's companies, and none of their history. `target` comes from access_listed_user.
    """
    employee = target.is_employee  # type: ignore[attr-defined]  # annotated by access_listed_user
    entity_grants = entity_grant_page(reach, target, external=not employee, number=page, to_change=False)
    if employee:
        history = history_rows(
            user_history(user=target, instance=reach.instance), visible_entities=reach.visible_entity_ids
        )
        return list(target.company_grants.all()), entity_grants, history
    return listed_external_company_grants(reach, target), entity_grants, []


def user_counts(reach: Reach) -> dict[str, int]:
    """How many of the people the reader's User Management lists (themselves too) are active, invited, or whose
    invitation expired."""
    users = User.objects.filter(reach.listed_people()).annotate(state=user_state())
    return users.aggregate(**{state: Count("pk", filter=Q(state=state)) for state in ("active", "invited", "expired")})


def latest_access_changes(reach: Reach, *, limit: int = 5) -> list[HistoryRow]:
    """The newest changes this cockpit recorded about users whose history the reader reads (their employees)."""
    employees = User.objects.filter(reach.listed_users() & reach.employees())
    entries = (
        AuditLogEntry.objects.filter(instance=reach.instance, subject_user__in=employees)
        .select_related("subject_user")
        .order_by("-created_at", "-id")[:limit]
    )
    return history_rows(entries, visible_entities=reach.visible_entity_ids)


@dataclass(frozen=True)
class GrantEnding:
    """One role that ends soon, as the dashboard lists it: whose, which, where, and its first day without access."""

    person: User
    role: Role
    place: str
    level: str | None
    ends_on: date
    # Employed by a company whose users the manager sees (their page is the user's page; else the external one).
    is_employee: bool


def grants_ending_soon(reach: Reach, *, within_days: int = 14, limit: int = 10) -> tuple[list[GrantEnding], int]:
    """The roles of people this manager's User Management lists that end within `within_days` (still in force
    today), soonest first, at most `limit` of them, and how many there are in all; never a role outside reach.

    Company grants and entity grants each in one query; the entities' names in one more.
    """
    today = timezone.localdate()
    window = Q(ends_on__gt=today, ends_on__lte=today + timedelta(days=within_days))
    people = User.objects.filter(reach.listed_users())
    company_grants, entity_grants = CompanyGrant.objects.all(), EntityGrant.objects.all()
    if not reach.is_operator_staff:
        company_in_reach, entity_in_reach = reach.grants_in_reach()
        company_grants, entity_grants = company_grants.filter(company_in_reach), entity_grants.filter(entity_in_reach)
    company_grants = company_grants.filter(window, company__instance=reach.instance, user__in=people)
    entity_grants = entity_grants.filter(window, content_object__instance=reach.instance, user__in=people)
    seen_companies = {company_id for _level, company_id in reach.viewed}

    def is_employee(person: User) -> bool:
        return reach.is_operator_staff or (person.company_id in seen_companies and not person.company.is_operator)

    rows = [
        GrantEnding(
            grant.user,
            grant.role,
            grant.company.name,
            grant.get_level_display(),
            grant.ends_on,
            is_employee(grant.user),
        )
        for grant in company_grants.select_related("user__company", "role", "company").order_by("ends_on", "pk")[:limit]
    ]
    entity_rows = list(
        entity_grants.select_related("user__company", "role", "content_object").order_by("ends_on", "pk")[:limit]
    )
    visible = reach.visible_entity_ids({grant.content_object_id for grant in entity_rows}) if entity_rows else set()
    rows += [
        GrantEnding(
            grant.user,
            grant.role,
            grant.content_object.name if grant.content_object_id in visible else str(OUTSIDE_VIEW),
            None,
            grant.ends_on,
            is_employee(grant.user),
        )
        for grant in entity_rows
    ]
    rows.sort(key=lambda row: (row.ends_on, row.person.email))
    total = len(rows)
    if total >= limit:
        total = company_grants.count() + entity_grants.count()
    return rows[:limit], total


@dataclass(frozen=True)
class OwnAccess:
    """The roles a user holds in one cockpit, as their dashboard lists them."""

    company_grants: list[CompanyGrant]
    entity_grants: list[EntityGrant]
    entity_grant_count: int
    all_entities_role: Role | None

    @property
    def more_entity_grants(self) -> int:
        """Roles on single entities beyond those listed."""
        return self.entity_grant_count - len(self.entity_grants)


def own_access(user: User, instance, *, entities_shown: int = 5) -> OwnAccess:
    """The user's own roles in the cockpit: on companies, on the first single entities by name, and on all entities."""
    entity_grants = EntityGrant.objects.filter(user=user, content_object__instance=instance)
    return OwnAccess(
        company_grants=list(
            CompanyGrant.objects.filter(user=user, company__instance=instance)
            .select_related("role", "company")
            .order_by("level", "company__name")
        ),
        entity_grants=list(
            entity_grants.select_related("role", "content_object").order_by("content_object__name")[:entities_shown]
        ),
        entity_grant_count=entity_grants.count(),
        all_entities_role=(
            user.all_entities_role if user.sees_all_entities and user.company.instance_id == instance.pk else None
        ),
    )


def audit_entries_in_reach(reach: Reach, *, person_id: int | None = None, since=None, until=None) -> QuerySet:
    """The audit entries a manager may export: those about the people whose history they read (the employees their
    User Management lists), filed under this cockpit or under none (a person's own sign-in), newest first.

    `since` and `until` are dates, both included, in the active time zone.
    """
    employees = User.objects.filter(reach.listed_users() & reach.employees())
    entries = AuditLogEntry.objects.filter(subject_user__in=employees).filter(
        Q(instance=reach.instance) | Q(instance__isnull=True)
    )
    if person_id is not None:
        entries = entries.filter(subject_user_id=person_id)
    if since is not None:
        entries = entries.filter(created_at__gte=_day_start(since))
    if until is not None:
        entries = entries.filter(created_at__lt=_day_start(until + timedelta(days=1)))
    return entries.order_by("-created_at", "-id")


def _day_start(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))
