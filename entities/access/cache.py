"""What every cockpit page asks about its person, kept in the shared cache from one request to the next.

The layout (the sidebar's rights and company grants, whether the cockpit is shareable, the
kinds of scope a share has) and the entity list's filters ask the same questions on every
request, and their answers change only when access changes. A request of a cockpit page
starts with its person's memory for the cockpit (context.py) filled from the cache
(`primed`) and, once answered, keeps what it asked that the cache did not hold (`kept`).

Correct by construction: the key holds the cockpit's access version, which the audit write
moves on in the same transaction as every change that can alter access (entities.audit),
today's date in the cockpit's time zone (a share ends at midnight; so does a future end
date), and the whole subject (a user's own flags). A later request reads a new key; an old
entry is never read again and expires by itself at midnight. Only stores registered here
(`cached_store`) and the entity list's pages (`list_page`, each under a key of its own) are
kept; every other question is asked afresh on every request, among them the single-entity
check, has_perm and the explanation, which use these answers only to leave out grant paths
that cannot decide.
"""

import datetime
import hashlib
import logging
from collections.abc import Callable
from dataclasses import astuple, dataclass
from typing import Protocol, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db.models import F, PositiveBigIntegerField, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from redis.exceptions import RedisError

from entities.access.context import context_for
from entities.access.subject import Subject

log = logging.getLogger(__name__)

CACHED_STORES: set[str] = set()
# A list page (some 12 KB) is kept while its person is likely to come back to it, not all day: the memory
# the pages take stays in proportion to the pages asked in the last minutes.
PAGE_TIMEOUT = 5 * 60
T = TypeVar("T")


def cached_store(name: str) -> str:
    """Register a store of the request's memory (keyed by cockpit id) whose answers the cache may keep."""
    CACHED_STORES.add(name)
    return name


class Cockpit(Protocol):
    """What the key needs of a cockpit: its id and the access version read in this request."""

    pk: int
    access_version: int


def _key(*parts: object, subject: Subject) -> str:
    """A key of `parts`, today's date in the cockpit's time zone and every field of the subject."""
    who = "-".join(str(value) for value in astuple(subject))
    return ":".join(["access", *map(str, parts), timezone.localdate().isoformat(), who])


def _until_midnight() -> int:
    now = timezone.localtime()
    midnight = datetime.datetime.combine(now.date() + datetime.timedelta(days=1), datetime.time(), now.tzinfo)
    return max(1, int((midnight - now).total_seconds()))


@dataclass(frozen=True)
class Primed:
    """What a request's memory got from the cache: under which key (one per request, even past midnight), and
    which stores."""

    key: str
    served: frozenset[str]


NOTHING = Primed("", frozenset())


def _read(key: str):
    """The cached value, or None: a cache that does not answer (Redis down) or an entry of an older release that no
    longer unpickles is a miss, costing the statements it would have saved and no more."""
    try:
        return cache.get(key)
    except Exception:  # noqa: BLE001 - see the docstring
        log.warning("Access cache unreadable; asking the database", exc_info=True)
        return None


def _write(key: str, value, *, timeout: int | None = None) -> None:
    """Keep `value` for `timeout` seconds, or until midnight, after which its key (with today's date) is not read."""
    try:
        cache.set(key, value, timeout=timeout or _until_midnight())
    except RedisError:
        log.warning("Access cache unwritable; the next request asks the database", exc_info=True)


def primed(subject: Subject | None, cockpit: Cockpit) -> Primed:
    """Fill the subject's memory for this request with the cached answers about the cockpit.

    Within a request scope only (context.request_scope), where the memory outlives this call.
    """
    if subject is None:
        return NOTHING
    key = _key(cockpit.pk, cockpit.access_version, subject=subject)
    answers = _read(key) or {}
    context = context_for(subject)
    for name, answer in answers.items():
        context.store(name)[cockpit.pk] = answer
    return Primed(key, frozenset(answers))


def kept(subject: Subject | None, cockpit: Cockpit, primed: Primed) -> None:
    """Keep the request's answers about the cockpit that the cache did not serve (after a read-only request)."""
    if subject is None or not primed.key:
        return
    context = context_for(subject)
    answers = {
        name: context.stores[name][cockpit.pk]
        for name in CACHED_STORES
        if name in context.stores and cockpit.pk in context.stores[name]
    }
    if answers.keys() - primed.served:
        _write(primed.key, answers)


def all_cockpits_version() -> Coalesce:
    """Where access stands in every cockpit at once: the sum of their versions, which moves whenever any moves.

    An annotation for the statement that loads the signed-in user, so it costs no round trip of its own.
    """
    from entities.models import Instance

    total = Instance.objects.order_by().annotate(one=Value(1)).values("one").annotate(total=Sum("access_version"))
    return Coalesce(Subquery(total.values("total")[:1]), Value(0), output_field=PositiveBigIntegerField())


def _read_or_compute(key: str, compute: Callable[[], T], *, timeout: int | None = None) -> T:
    found = _read(key)
    if found is None:
        found = compute()
        _write(key, found, timeout=timeout)
    return found


def across_cockpits(subject: Subject, version: int | None, name: str, compute: Callable[[], T]) -> T:
    """An answer about the person in every cockpit (the cockpits they reach), from the cache under the sum of all
    cockpits' versions (`all_cockpits_version`), or computed and kept; computed alone when the version is unknown."""
    if version is None:
        return compute()
    return _read_or_compute(_key("all", name, version, subject=subject), compute)


def list_page(subject: Subject | None, cockpit: Cockpit, asked: tuple, compute: Callable[[], T]) -> T:
    """A page of the entity list, from the cache under the cockpit's access version, or computed and kept.

    `asked` is everything the page depends on beyond the key's own parts: its filters, its number and the
    reader's language (the roles are named in it). `cockpit` is the cockpit as read in this request.

    The rows also name entities, companies and roles: every change of those is audited like a change of
    access (entities.audit, KEEPS_ACCESS), so the version moves on with it and a page is never older than
    the last change. ACCESS_CACHE_PAGES=0 asks the database for every page (the benchmark's cold rows).
    """
    if subject is None or not settings.ACCESS_CACHE_PAGES:
        return compute()
    # The search is what a person typed: a digest keeps the key short whatever they typed.
    digest = hashlib.blake2b(repr(asked).encode(), digest_size=16).hexdigest()
    key = _key(cockpit.pk, cockpit.access_version, "page", digest, subject=subject)
    return _read_or_compute(key, compute, timeout=PAGE_TIMEOUT)


def every_answer_outdated(*, apps=None, using: str = "default", **kwargs) -> None:
    """Move every cockpit's access version on (after `migrate`): a release may have changed the rules, or a
    data migration the rows they read, past the audit. Asked of the models as the migrations left them, so
    that migrating back to before the version exists does nothing."""
    from django.apps import apps as current_apps

    instance = (apps or current_apps).get_model("entities", "Instance")
    if any(field.name == "access_version" for field in instance._meta.concrete_fields):
        instance.objects.using(using).update(access_version=F("access_version") + 1)
