"""The one way a higher app adds what it brings to a lower one: a registry the lower app owns.

A lower app may not import a higher one, yet some of its lists are completed by apps
above it: the audit log's action names (entities), the grant paths of the access rules
(entities), the outside members of User Management (users), the kinds of queued message
with their senders (outbox). The lower app declares a Registry; each app registers its
entries from its AppConfig.ready(), so by the first request every entry is in, and the
same registration twice (a test's reload) is harmless while a clash is refused at start-up.
"""

from collections.abc import Callable, Iterator, Mapping
from typing import Generic, TypeVar

from django.core.exceptions import ImproperlyConfigured

Key = TypeVar("Key")
Entry = TypeVar("Entry")


class Registry(Generic[Key, Entry]):
    """Entries by key, in the order they were registered (which may matter: the grant paths' precedence)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._entries: dict[Key, Entry] = {}
        self._on_change: list[Callable[[], None]] = []

    def register(self, key: Key, entry: Entry) -> None:
        """Add one entry; the same entry again is nothing, another one under a known key is refused."""
        known = self._entries.get(key)
        if known is not None and known != entry:
            raise ImproperlyConfigured(f"{self.name}: {key!r} is registered already, as {known!r}")
        if known is None:
            self._entries[key] = entry
            for forget in self._on_change:
                forget()

    def register_all(self, entries: Mapping[Key, Entry]) -> None:
        for key, entry in entries.items():
            self.register(key, entry)

    def on_change(self, forget: Callable[[], None]) -> None:
        """Call `forget` whenever an entry is added: for what a reader derived from the entries and keeps."""
        self._on_change.append(forget)

    def get(self, key: Key, default: Entry | None = None) -> Entry | None:
        return self._entries.get(key, default)

    def __getitem__(self, key: Key) -> Entry:
        try:
            return self._entries[key]
        except KeyError:
            raise KeyError(f"{self.name}: nothing is registered as {key!r}") from None

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __iter__(self) -> Iterator[Key]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def items(self):
        return self._entries.items()

    def values(self):
        return self._entries.values()

    def __repr__(self) -> str:
        return f"<Registry {self.name}: {len(self)} entries>"
