"""The Cockpit Share as a grant path of the access rules, and the cockpits a person can reach.

Declared with the rule table's own building blocks (entities.access.rules) and added
to it at start-up (SharingConfig.ready), so the list statement, the single-entity
check and the explanation treat a share like every other grant: no copy of the rules
here. A share counts only outside its holder's own cockpit, once the invitation was
accepted, until its end date, while the cockpit is shareable and while the holder's
company is on the cockpit's allow-list.
"""

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from entities.access import Subject
from entities.access.rules import (
    ACTIVE,
    ROLE,
    GrantPath,
    RowCondition,
    Source,
    SubjectCondition,
    row_conditions_sql,
)
from entities.models import Instance
from sharing.models import AllowedCompany, Share, SharingSettings

SHARE = "share"

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


def _shares(subject: Subject) -> tuple[str, str, list]:
    return (
        f"{Share._meta.db_table} g JOIN {ROLE} r ON r.id = g.role_id"
        f" JOIN {SharingSettings._meta.db_table} ss ON ss.instance_id = g.instance_id",
        "g.user_id = %s",
        [subject.user_id],
    )


SHARE_PATH = GrantPath(
    level=SHARE,
    label=_("Cockpit Share"),
    source=Source(
        grants=_shares,
        reaches="e.instance_id = g.instance_id",
        fans_out=True,
        grant_key="g.id",
        cockpit="g.instance_id",
        whole_cockpit=True,
    ),
    conditions=(ACTIVE, OUTSIDE_HOME_COCKPIT, ACCEPTED, NOT_ENDED, COCKPIT_SHAREABLE, COMPANY_ALLOWED),
    reason=_("The cockpit is shared with the user: the share's Inventory and Customer care decide."),
)


def shared_cockpits(subject: Subject | None) -> list[Instance]:
    """The active cockpits shared with the subject whose share counts now, by name, in one query.

    The share path's own conditions decide, so the header's switcher and the cockpit
    gate agree with what the entity pages show.
    """
    if subject is None:
        return []
    grants_from, grants_where, params = _shares(subject)
    conditions, condition_params = row_conditions_sql(SHARE_PATH, subject)
    fields = ["id", "slug", "name", "is_active"]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(f'i.{field}' for field in fields)} FROM {grants_from}"
            f" JOIN {Instance._meta.db_table} i ON i.id = g.instance_id"
            f" WHERE {grants_where} AND {conditions} AND i.is_active ORDER BY i.name, i.id",
            [*params, *condition_params],
        )
        found = [Instance.from_db(connection.alias, fields, row) for row in cursor.fetchall()]
    return [instance for instance in found if not SHARE_PATH.failing_subject_conditions(subject, instance.pk)]
