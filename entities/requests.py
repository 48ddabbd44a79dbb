"""The request as cockpit views receive it."""

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
