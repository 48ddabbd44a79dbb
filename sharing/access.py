"""The Cockpit Share as grant paths of the access rules, and the cockpits a person can reach.

Declared with the rule table's own building blocks (entities.access.rules) and added
to it at start-up (SharingConfig.ready), so the list statement, the single-entity
check and the explanation treat a share like every other grant: no copy of the rules
here. A share's grant rows are its scopes (ShareScope): one path per kind of scope,
reaching entities as a company grant at that (level, company) would, or every entity
of the cockpit. Each scope carries its cap (ShareCap, rules.Cap): the share's role
gives its rights, never above what the giver could do when they gave the scope.

A share counts only outside its holder's own cockpit, once the invitation was
accepted, until its end date, while it is not suspended, while the cockpit is
shareable and while the holder's company is on the cockpit's allow-list; a scope
counts while its company is still of the cockpit, on the entities in its scope.
"""

from dataclasses import dataclass

from django.db import connection
from django.http import Http404
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from entities.access import Subject, context_for
from entities.access.cache import across_cockpits, cached_store
from entities.access.rules import (
    ACTIVE,
    COMPANY,
    ROLE,
    Cap,
    GrantPath,
    RowCondition,
    Source,
    SubjectCondition,
    scope_sql,
)
from entities.models import Instance, Level
from sharing.models import AllowedCompany, ScopeLevel, Share, ShareCap, ShareScope, SharingSettings

OUTSIDE_HOME_COCKPIT = SubjectCondition(
    "outside_home_cockpit",
    # In their own cockpit people have grants; shares are for everyone else's.
    lambda subject, cockpit_id: subject.home_instance_id != cockpit_id,
    _("Ignored: a share counts only in cockpits other than the user's own."),
)
ACCEPTED = RowCondition(
    "share_accepted",
    lambda subject: ("g.accepted_at IS NOT NULL", []),
    lambda role: str(_("Ignored: the invitation has not been accepted yet.")),
)
NOT_ENDED = RowCondition(
    "share_not_ended",
    lambda subject: ("(g.ends_on IS NULL OR g.ends_on >= %s)", [timezone.localdate()]),
    lambda role: str(_("Ignored: the share has ended.")),
)
NOT_SUSPENDED = RowCondition(
    "share_not_suspended",
    lambda subject: ("g.suspended_at IS NULL", []),
    lambda role: str(_("Ignored: the share is suspended: it has no scope within its giver's reach.")),
)
COCKPIT_SHAREABLE = RowCondition(
    "cockpit_shareable",
    lambda subject: ("ss.is_shareable", []),
    lambda role: str(_("Ignored: sharing is switched off for this cockpit (the share is suspended).")),
)
COMPANY_ALLOWED = RowCondition(
    "company_allowed",
    lambda subject: (
        f"EXISTS (SELECT 1 FROM {AllowedCompany._meta.db_table} a WHERE a.settings_id = ss.id AND a.company_id = %s)",
        [subject.company_id],
    ),
    lambda role: str(_("Ignored: the user's company is not on this cockpit's allow-list (the share is suspended).")),
)
SCOPE_COMPANY_IN_COCKPIT = RowCondition(
    "share_company_in_cockpit",
    # A company moved to another cockpit after the share was given takes its scope with it.
    lambda subject: ("c.instance_id = g.instance_id", []),
    lambda role: str(_("Ignored: the share's company now belongs to another cockpit.")),
)
IN_SHARE_SCOPE = RowCondition(
    "in_share_scope",
    scope_sql("s.entity_scope"),
    lambda role: str(
        _("Ignored: the share applies only to the entities its giver's role acts on (e.g. project form 'easy').")
    ),
    on_entity=True,
)


SCOPE_LEVELS = cached_store("share_scope_levels")


def _scope_levels(subject: Subject, cockpit_id: int) -> frozenset[str]:
    """The kinds of scope the subject's share of the cockpit has, read once per request."""
    cache = context_for(subject).store(SCOPE_LEVELS)
    if cockpit_id not in cache:
        cache[cockpit_id] = frozenset(
            ShareScope.objects.filter(share__user_id=subject.user_id, share__instance_id=cockpit_id)
            .order_by()
            .values_list("level", flat=True)
            .distinct()
        )
    return cache[cockpit_id]


def _holds_scope(level: str) -> SubjectCondition:
    # Each kind of scope is a statement of its own; one the share does not have is left out of the
    # list's statement, which PostgreSQL then plans in a third of the time. Never asked at home.
    return SubjectCondition(
        f"holds_{level}_scope",
        lambda subject, cockpit_id: (
            subject.home_instance_id != cockpit_id and level in _scope_levels(subject, cockpit_id)
        ),
        _("Ignored: the share has no scope of this kind."),
    )


# What every scope of a share asks of the share itself: the cockpit gate asks the same.
SHARE_CONDITIONS: tuple[SubjectCondition | RowCondition, ...] = (
    ACTIVE,
    OUTSIDE_HOME_COCKPIT,
    ACCEPTED,
    NOT_ENDED,
    NOT_SUSPENDED,
    COCKPIT_SHAREABLE,
    COMPANY_ALLOWED,
)

SHARE_JOINS = (
    f"JOIN {ROLE} r ON r.id = g.role_id JOIN {SharingSettings._meta.db_table} ss ON ss.instance_id = g.instance_id"
)
CAP = Cap(key="s.id", table=ShareCap._meta.db_table, key_column="scope_id")


def _scopes(level: str):
    company = f" JOIN {COMPANY} c ON c.id = s.company_id" if level != ScopeLevel.COCKPIT else ""

    def grants(subject: Subject) -> tuple[str, str, list]:
        return (
            f"{ShareScope._meta.db_table} s JOIN {Share._meta.db_table} g ON g.id = s.share_id {SHARE_JOINS}{company}",
            f"g.user_id = %s AND s.level = '{level}'",
            [subject.user_id],
        )

    return grants


SHARE_COCKPIT = "share_cockpit"


def share_level(scope_level: str) -> str:
    """The level of the access rules under which a share's scope of this level decides."""
    return SHARE_COCKPIT if scope_level == ScopeLevel.COCKPIT else f"share_{scope_level}"


def _company_scope_path(level: str, label: Promise) -> GrantPath:
    return GrantPath(
        level=share_level(level),
        label=label,
        source=Source(
            grants=_scopes(level),
            reaches=f"e.{level}_id = s.company_id AND e.instance_id = g.instance_id",
            fans_out=True,
            grant_key="s.id",
            company_id="s.company_id",
            company_name="c.name",
            cockpit="g.instance_id",
            cap=CAP,
        ),
        conditions=(*SHARE_CONDITIONS, _holds_scope(level), SCOPE_COMPANY_IN_COCKPIT, IN_SHARE_SCOPE),
        reason=_(
            "The cockpit is shared with the user for this company's entities: the share's Inventory and "
            "Customer care decide, at most what its giver could do here."
        ),
    )


# Of the user's share, a scope on a company reaches its entities as a company grant would; the
# whole cockpit comes last. One share, so among them precedence only picks which cap applies.
SHARE_PATHS = (
    _company_scope_path(Level.OWNER, _("Cockpit Share (owner)")),
    _company_scope_path(Level.SERVICE_PROVIDER, _("Cockpit Share (service provider)")),
    _company_scope_path(Level.CUSTOMER, _("Cockpit Share (customer)")),
    GrantPath(
        level=SHARE_COCKPIT,
        label=_("Cockpit Share (whole cockpit)"),
        source=Source(
            grants=_scopes(ScopeLevel.COCKPIT),
            reaches="e.instance_id = g.instance_id",
            fans_out=True,
            grant_key="s.id",
            cockpit="g.instance_id",
            whole_cockpit=True,
            cap=CAP,
        ),
        conditions=(*SHARE_CONDITIONS, _holds_scope(ScopeLevel.COCKPIT), IN_SHARE_SCOPE),
        reason=_(
            "The whole cockpit is shared with the user: the share's Inventory and Customer care decide, "
            "at most what its giver could do here."
        ),
    ),
)
SHARE_LEVELS = frozenset(path.level for path in SHARE_PATHS)


SHARED_FIELDS = ["id", "slug", "name", "is_active", "access_version"]


def shared_cockpits(subject: Subject | None) -> list[Instance]:
    """The active cockpits shared with the subject whose share counts now, by name, in one query.

    The shares' own conditions decide, so the header's switcher and the cockpit gate
    agree with what the entity pages show.
    """
    if subject is None:
        return []
    row_conditions = [c for c in SHARE_CONDITIONS if isinstance(c, RowCondition)]
    conditions, condition_params = [], []
    for condition in row_conditions:
        sql, params = condition.sql(subject)
        conditions.append(sql)
        condition_params += params
    fields = SHARED_FIELDS
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(f'i.{field}' for field in fields)} FROM {Share._meta.db_table} g {SHARE_JOINS}"
            f" JOIN {Instance._meta.db_table} i ON i.id = g.instance_id"
            f" WHERE g.user_id = %s AND {' AND '.join(conditions)} AND i.is_active ORDER BY i.name, i.id",
            [subject.user_id, *condition_params],
        )
        found = [Instance.from_db(connection.alias, fields, row) for row in cursor.fetchall()]
    subject_conditions = [c for c in SHARE_CONDITIONS if isinstance(c, SubjectCondition)]
    return [
        instance for instance in found if all(condition.holds(subject, instance.pk) for condition in subject_conditions)
    ]


@dataclass(frozen=True)
class ReachableCockpit:
    instance: Instance
    shared: bool


def cockpits_of(user: User) -> list[ReachableCockpit]:
    """The cockpits the user can reach now: their own first, then those shared with them (read once per request).

    The shared ones come from the cache while access stands where it stood in every cockpit (the user's
    `all_cockpits_version`, read with them at sign-in's `get_user`): a share, its cockpit's settings and
    allow-list, the cockpit itself and the share roles are all audited in the share's cockpit or in all.
    """
    if not (user.is_authenticated and user.is_active):
        return []
    subject = user.access_subject()
    store = context_for(subject).store("reachable_cockpits")
    if "all" not in store:
        home = user.company.instance
        rows = across_cockpits(
            subject,
            getattr(user, "all_cockpits_version", None),
            "shared_cockpits",
            lambda: [tuple(getattr(i, field) for field in SHARED_FIELDS) for i in shared_cockpits(subject)],
        )
        shared = [Instance.from_db(connection.alias, SHARED_FIELDS, row) for row in rows]
        store["all"] = ([ReachableCockpit(home, False)] if home.is_active else []) + [
            ReachableCockpit(instance, True) for instance in shared
        ]
    return store["all"]


def access_cockpit(user: User, slug: str) -> Instance:
    """The active cockpit `slug` if the user may work in it (their own, or shared with them now); else Http404.

    A missing cockpit and one that is not theirs answer alike.
    """
    for reachable in cockpits_of(user):
        if reachable.instance.slug == slug:
            return reachable.instance
    raise Http404("No such cockpit.")
