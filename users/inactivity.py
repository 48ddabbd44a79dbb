"""Inactive people switched off (docs/user-management.md, "Inactive people"): per cockpit, an operator setting.

A person's **idle days** are counted in the cockpit's local dates (TIME_ZONE): today minus the day they last signed
in, or, never having signed in, the day they joined (were invited), or a later reactivation. On day N − 7 they and
their managers get an email, once per idle stretch (InactivityNotice); from day N, and never sooner than a week after
that email, the worker switches them off. A sign-in starts a new stretch: nothing is switched off, and a new email
comes only when the new stretch reaches N − 7.

Who is switched off and how belongs to the app that owns them: users brings the cockpit's own people (employees and
external people, whose login is deactivated); sharing registers the people of other cockpits holding a Cockpit Share
of this one (whose share is removed). Each is an InactivitySource in INACTIVITY_SOURCES.

The worker runs it daily at 08:00 (a task that queues its next run, the first queued after every migrate);
`manage.py inactive_people_record` runs it at once (after a restore or a long outage of the worker).
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, models, transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from accounts.models import InactivityNotice, InactivityPolicy, User
from core.registry import Registry
from core.tasks import enqueue_once
from entities.audit import audit_record
from entities.models import AuditLogEntry, CompanyGrant, EntityGrant, Instance, entity_at, in_force
from outbox.emails import send_templated_email
from outbox.kinds import MessageKind
from outbox.models import OutgoingMessage
from outbox.services import NothingToSend, message_queue
from users.permissions import Reach
from users.services import user_deactivate_inactive

logger = logging.getLogger("cockpit.inactivity")

# The email goes this many days before the end, and the end never comes sooner after it.
NOTICE_DAYS = 7
RUN_HOUR = time(8)
ONLY_STAFF_INACTIVITY = _("Only operator staff set a cockpit's inactivity policy.")


class PersonKind(models.TextChoices):
    OWN = "own", _("employee")
    EXTERNAL = "external", _("external")
    SHARED = "shared", _("shared")


def limit_of(policy: InactivityPolicy, kind: str) -> int:
    """The days without sign-in after which a person of this kind is switched off."""
    own = {PersonKind.EXTERNAL: policy.external_days, PersonKind.SHARED: policy.shared_days}.get(PersonKind(kind))
    return own or policy.days


@dataclass(frozen=True)
class IdlePerson:
    """Someone whose access to a cockpit runs out for inactivity, as their source found them."""

    user: User
    kind: str
    # The cockpit-local day the idle stretch began, and its exact moment (last sign-in, visit, joining, reactivation).
    idle_since: date
    active_at: datetime
    limit: int
    # Where a manager reads about them (their row in the user list, their share).
    url: str
    # The source's own row, when it is not the user (a share's id; 0: none).
    ref: int = 0

    def idle_days(self, today: date) -> int:
        return (today - self.idle_since).days

    def ends_on(self, noticed_on: date | None, today: date) -> date:
        """The day their access ends: on day N of the stretch, and never sooner than a week after the email
        (not sent yet: it goes today)."""
        warned = noticed_on or today
        return max(self.idle_since + timedelta(days=self.limit), warned + timedelta(days=NOTICE_DAYS))


@dataclass(frozen=True)
class InactivitySource:
    """One kind of people whose access to a cockpit ends for inactivity, registered by the app that owns them.

    `candidates(policy, today, reach)`: those whose stretch reached their limit − NOTICE_DAYS by `today`, in the
    manager's reach if a Reach is given; `managers(instance, person)`: who is told besides the person;
    `end(instance, person, today)`: switch them off, audited with the reason; False if they came back meanwhile.
    """

    candidates: Callable[[InactivityPolicy, date, Reach | None], list[IdlePerson]]
    managers: Callable[[Instance, IdlePerson], list[User]]
    end: Callable[[Instance, IdlePerson, date], bool]


INACTIVITY_SOURCES: Registry[str, InactivitySource] = Registry("inactivity sources")


def day_start(day: date) -> datetime:
    """00:00 of a day in the cockpit's time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


def warned_from(today: date, limit: int) -> datetime:
    """Activity before this moment makes a stretch of at least `limit` − NOTICE_DAYS days by `today`."""
    return day_start(today - timedelta(days=limit - NOTICE_DAYS - 1))


# --- the cockpit's own people: employees and external people ------------------------------------------------------


def _own_candidates(policy: InactivityPolicy, today: date, reach: Reach | None) -> list[IdlePerson]:
    instance = policy.instance
    people = User.objects.filter(company__instance=instance, is_active=True)
    if reach is not None:
        people = people.filter(reach.listed_users())
    if not policy.include_operator_staff:
        people = people.filter(is_staff=False, is_superuser=False)
    # The latest change of the active flag of someone active now brought them back (a reactivation, the admin's box).
    back = (
        AuditLogEntry.objects.filter(subject_user=OuterRef("pk"), changes__has_key="is_active")
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    elsewhere = Exists(
        CompanyGrant.objects.filter(in_force(today), user=OuterRef("pk"), company__instance=instance).exclude(
            company=OuterRef("company_id")
        )
    ) | Exists(
        EntityGrant.objects.filter(in_force(today), user=OuterRef("pk"), content_object__instance=instance).exclude(
            entity_at(OuterRef("company_id"), prefix="content_object__")
        )
    )
    shortest = min(limit_of(policy, PersonKind.OWN), limit_of(policy, PersonKind.EXTERNAL))
    people = (
        people.annotate(
            active_at=Greatest(Coalesce("last_login", "date_joined"), Coalesce(Subquery(back), "date_joined")),
            holds_elsewhere=elsewhere,
        )
        .filter(active_at__lt=warned_from(today, shortest))
        .select_related("company")
        .order_by("pk")
    )
    list_url = reverse("users:user-list", kwargs={"instance_slug": instance.slug})
    found = []
    for user in people:
        external = user.holds_elsewhere and not user.company.is_operator
        kind = PersonKind.EXTERNAL if external else PersonKind.OWN
        person = IdlePerson(
            user=user,
            kind=kind,
            idle_since=timezone.localdate(user.active_at),
            active_at=user.active_at,
            limit=limit_of(policy, kind),
            url=f"{list_url}?{urlencode({'q': user.email})}",
        )
        if person.idle_days(today) >= person.limit - NOTICE_DAYS:
            found.append(person)
    return found


def _own_managers(instance: Instance, person: IdlePerson) -> list[User]:
    """Who gave them their roles in force here and is still active; else the user managers of their company."""
    user, today = person.user, timezone.localdate()
    others = User.objects.filter(is_active=True, company__instance=instance).exclude(pk=user.pk).order_by("pk")
    givers = others.filter(
        Q(pk__in=CompanyGrant.objects.filter(in_force(today), user=user).values("granted_by"))
        | Q(pk__in=EntityGrant.objects.filter(in_force(today), user=user).values("granted_by"))
    )
    if managers := list(givers):
        return managers
    managing = CompanyGrant.objects.managing_users().filter(
        in_force(today), user=OuterRef("pk"), company_id=user.company_id
    )
    return list(others.filter(Exists(managing)))


def _own_end(instance: Instance, person: IdlePerson, today: date) -> bool:
    return user_deactivate_inactive(
        instance=instance, user=person.user, idle_days=person.idle_days(today), limit=person.limit
    )


OWN_PEOPLE = InactivitySource(candidates=_own_candidates, managers=_own_managers, end=_own_end)


# --- the email a week before ------------------------------------------------------------------------------------


def _send_notice(message: OutgoingMessage) -> None:
    payload = message.payload
    notice = InactivityNotice.objects.select_related("instance", "user").filter(pk=payload["notice"]).first()
    if notice is None or not notice.user.is_active:
        raise NothingToSend
    recipient, person, cockpit = message.recipient, notice.user, notice.instance
    own = recipient.pk == person.pk
    link = reverse("cockpit:dashboard", kwargs={"instance_slug": cockpit.slug}) if own else payload["url"]
    send_templated_email(
        user=recipient,
        template="users/email/inactivity_notice",
        context={
            "user": recipient,
            "person": person,
            "own": own,
            "shared": payload["kind"] == PersonKind.SHARED,
            "cockpit": cockpit,
            "idle_since": notice.idle_since,
            "ends_on": date.fromisoformat(payload["ends_on"]),
            "limit": payload["limit"],
            "link": settings.COCKPIT_BASE_URL + link,
        },
    )


INACTIVITY_NOTICE_EMAILS = MessageKind(
    code="inactivity_notice", label=_("Notice of access ending for inactivity"), send=_send_notice
)


def _warn(instance: Instance, source: InactivitySource, person: IdlePerson, today: date) -> bool:
    """Record the warning of this stretch and queue the emails, in one transaction; False if it was given already."""
    try:
        with transaction.atomic():
            notice = InactivityNotice.objects.create(
                instance=instance, user=person.user, idle_since=person.idle_since, sent_at=timezone.now()
            )
            # An earlier stretch ended with a sign-in (or a reactivation): its warning is spent.
            earlier = InactivityNotice.objects.filter(instance=instance, user=person.user)
            earlier.filter(idle_since__lt=person.idle_since).delete()
            payload = {
                "notice": notice.pk,
                "kind": str(person.kind),
                "ends_on": person.ends_on(today, today).isoformat(),
                "limit": person.limit,
                "url": person.url,
            }
            recipients = {person.user.pk: person.user} | {
                manager.pk: manager for manager in source.managers(instance, person)
            }
            for recipient in recipients.values():
                message_queue(kind=INACTIVITY_NOTICE_EMAILS.code, recipient=recipient, payload=payload, supersede=False)
    except IntegrityError:
        return False  # another run warned them first
    return True


# --- the daily run --------------------------------------------------------------------------------------------------


def _noticed(instance: Instance, people: list[IdlePerson]) -> dict[tuple[int, date], date]:
    """When each of these people was warned of their present stretch, as a cockpit-local day."""
    notices = InactivityNotice.objects.filter(instance=instance, user__in=[person.user.pk for person in people])
    return {
        (notice.user_id, notice.idle_since): timezone.localdate(notice.sent_at)
        for notice in notices.only("user_id", "idle_since", "sent_at")
    }


def inactive_people_record(*, today: date | None = None) -> dict[str, int]:
    """Warn and switch off, in every cockpit whose policy is on, whoever is due `today` (the cockpit-local day);
    how many were warned and switched off. Harmless to run again: nobody is warned twice for one stretch."""
    today = today or timezone.localdate()
    counts = {"warned": 0, "ended": 0}
    for policy in InactivityPolicy.objects.filter(enabled=True).select_related("instance").order_by("pk"):
        instance = policy.instance
        for source in INACTIVITY_SOURCES.values():
            people = source.candidates(policy, today, None)
            noticed = _noticed(instance, people)
            for person in people:
                noticed_on = noticed.get((person.user.pk, person.idle_since))
                if noticed_on is None:
                    counts["warned"] += _warn(instance, source, person, today)
                elif today >= person.ends_on(noticed_on, today):
                    with transaction.atomic():
                        counts["ended"] += source.end(instance, person, today)
    logger.info("Inactivity: %(warned)d warned, %(ended)d switched off", counts)
    return counts


def _next_run(now: datetime) -> datetime:
    local = timezone.localtime(now)
    run = timezone.make_aware(datetime.combine(local.date(), RUN_HOUR))
    return run if run > now else timezone.make_aware(datetime.combine(local.date() + timedelta(days=1), RUN_HOUR))


@task()
def inactive_people_check() -> dict[str, int]:
    """The worker's daily run: the next one is queued first, so a failing run does not end the schedule."""
    inactivity_schedule(run_after=_next_run(timezone.now()))
    return inactive_people_record()


def inactivity_schedule(*, run_after: datetime | None = None) -> bool:
    """Queue a run unless one is waiting already; False where there is no worker's queue (the tests')."""
    return enqueue_once(inactive_people_check, run_after=run_after)


def inactivity_scheduled(**kwargs) -> None:
    """After every migrate (each deploy), a run waits in the queue for the worker."""
    inactivity_schedule()


# --- the operator's setting ---------------------------------------------------------------------------------------

POLICY_FIELDS = ("enabled", "days", "external_days", "shared_days", "include_operator_staff")


@transaction.atomic
def inactivity_policy_set(
    *,
    actor: User,
    instance: Instance,
    enabled: bool,
    days: int,
    external_days: int | None,
    shared_days: int | None,
    include_operator_staff: bool,
) -> InactivityPolicy:
    """Operator staff set a cockpit's inactivity policy; the change is audited.

    Switching it on starts every warning afresh: one given before it was last switched off does not count.
    """
    if not (isinstance(actor, User) and actor.is_operator_staff):
        raise PermissionDenied(ONLY_STAFF_INACTIVITY)
    stored = InactivityPolicy.objects.select_for_update().filter(instance=instance).first()
    policy = stored if stored is not None else InactivityPolicy(instance=instance)
    before = {name: getattr(policy, name) for name in POLICY_FIELDS}
    policy.enabled, policy.days, policy.include_operator_staff = enabled, days, include_operator_staff
    policy.external_days, policy.shared_days = external_days, shared_days
    policy.full_clean()
    policy.save()
    if enabled and not before["enabled"]:
        InactivityNotice.objects.filter(instance=instance).delete()
    changes = {name: (before[name], getattr(policy, name)) for name in POLICY_FIELDS}
    changes = {name: values for name, values in changes.items() if values[0] != values[1]}
    if changes or stored is None:
        audit_record(actor=actor, action="inactivity.policy_changed", target=policy, instance=instance, changes=changes)
    return policy


# --- for the dashboard --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deactivation:
    """Someone in a manager's reach whose access ends for inactivity soon: who, of which kind, on which day, where
    to read about them."""

    user: User
    kind: str
    on: date
    url: str

    @property
    def kind_label(self) -> str:
        return str(PersonKind(self.kind).label)


def people_to_deactivate(reach: Reach, within_days: int = NOTICE_DAYS) -> list[Deactivation]:
    """The people the manager sees whose access ends for inactivity within `within_days` days, soonest first.

    A fixed number of queries per source, however many people.
    """
    if not reach.is_viewer:
        return []
    policy = InactivityPolicy.objects.filter(instance=reach.instance, enabled=True).select_related("instance").first()
    if policy is None:
        return []
    today = timezone.localdate()
    due = []
    for source in INACTIVITY_SOURCES.values():
        people = source.candidates(policy, today, reach)
        noticed = _noticed(reach.instance, people)
        for person in people:
            on = person.ends_on(noticed.get((person.user.pk, person.idle_since)), today)
            if on <= today + timedelta(days=within_days):
                due.append(Deactivation(user=person.user, kind=person.kind, on=on, url=person.url))
    return sorted(due, key=lambda item: (item.on, str(item.user), item.user.pk))
