"""The request as cockpit views receive it: one declaration for every app's cockpit pages."""

from core.requests import SignedInRequest
from entities.access import Subject
from entities.models import Instance


class CockpitRequest(SignedInRequest):
    """A request under /c/<instance_slug>/, as the cockpit's access middleware leaves it.

    `instance` is the cockpit the user may work in; `subject` is who they are to the
    access rules. Views declare `request: CockpitRequest` so both are typed.
    """

    instance: Instance
    subject: Subject | None
