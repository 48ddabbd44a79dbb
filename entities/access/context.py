"""Request-scoped memory of what the access rules answered, so a page asks each question once.

The cockpit's middleware opens a scope for every request (`request_scope()`); within
it, `context_for(subject)` hands out one `AccessContext` per person, which views,
permission backends and selectors share. Outside a request (commands, shell, most
tests) every call gets a fresh context: nothing is remembered, so a changed grant
counts from the very next question. Rights therefore change from the next request
on, never in the middle of one.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from entities.access.subject import Subject


@dataclass
class AccessContext:
    """One person's answers within one request: named stores the resolver and its callers fill."""

    subject: Subject
    stores: dict[str, dict[Any, Any]] = field(default_factory=dict)

    def store(self, name: str) -> dict[Any, Any]:
        return self.stores.setdefault(name, {})


_scope: ContextVar[dict[Subject, AccessContext] | None] = ContextVar("access_request_scope", default=None)


@contextmanager
def request_scope() -> Iterator[None]:
    """Remember answers until the block ends (one request)."""
    token = _scope.set({})
    try:
        yield
    finally:
        _scope.reset(token)


@contextmanager
def reading_scope() -> Iterator[None]:
    """One reader's call remembers what it asks more than once (a condition every path of it asks), even outside
    a request; within a request, the request's memory serves. As a decorator on the readers' entry points."""
    if _scope.get() is not None:
        yield
        return
    with request_scope():
        yield


def context_for(subject: Subject) -> AccessContext:
    """The subject's context for this request, or a fresh one outside a request."""
    scope = _scope.get()
    if scope is None:
        return AccessContext(subject)
    # Keyed by the whole subject: a user whose flags changed mid-request is asked afresh.
    return scope.setdefault(subject, AccessContext(subject))
