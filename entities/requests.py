"""The request as cockpit views receive it, and what its query string says for every list."""

import re

from django.http import HttpRequest

from entities.access import Subject
from entities.models import Instance


class CockpitRequest(HttpRequest):
    """A request under /c/<instance_slug>/, as the cockpit's access middleware leaves it.

    `instance` is the cockpit the user may work in; `subject` is who they are to the
    access rules. Views declare `request: CockpitRequest` so both are typed.
    """

    instance: Instance
    subject: Subject | None


def page_number(value: str | None) -> int:
    """A page number from the query string; anything but plain digits (or 0) means page 1."""
    return max(1, int(value)) if value and re.fullmatch(r"[0-9]{1,6}", value) else 1
