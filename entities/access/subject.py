"""The person the access rules decide for, as accounts hands it over."""

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Subject:
    """What the access rules need to know about a person, and nothing else.

    Accounts builds it from the user (accounts.User.access_subject()), so entities
    never reads the user model. `show_all_role_id` is the role the user was given for
    seeing all business entities, None unless that flag is on; whether it counts is
    for the rules to say.
    """

    user_id: int
    home_instance_id: int
    company_id: int
    is_operator: bool
    is_active: bool
    show_all_role_id: int | None = None
    chat_enabled: bool = False


class HasSubject(Protocol):
    """A user object that can say who it is to the access rules."""

    is_authenticated: bool

    def access_subject(self) -> Subject: ...


def subject_of(user: HasSubject | None) -> Subject | None:
    """The subject of a (possibly anonymous) user; None for anonymous users, who see nothing."""
    if user is None or not user.is_authenticated:
        return None
    return user.access_subject()
