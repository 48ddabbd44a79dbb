"""Writes to tablets: each one transaction, each told who acts and checking their right, each audited.

Adding needs the tablets right view (a Tablet provider); every other change needs edit
(an Inventory manager), whatever page or forged request calls in (tablets.permissions).
The Django admin's own save (tablet_save) is for operator staff, whom the admin admits.

Audit entries store codes and ids (a state's code, an entity's id), so the history reads
in each reader's language and names only what the reader may see (tablets.selectors).
"""

from collections.abc import Sequence

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from accounts.models import User
from core.integrity import save_unique
from entities.audit import audit_record, diff
from entities.models import Access, BusinessEntity, Instance
from tablets.bulk import MAX_LINES, BulkLine
from tablets.models import EDITABLE_STATES, MODEL_MAX_LENGTH, SERIAL_MAX_LENGTH, Tablet, TabletState
from tablets.permissions import require_tablet_right

AUDITED_FIELDS = ("serial_number", "model", "state", "entity", "notes", "added_by_company")


def _snapshot(tablet: Tablet | None) -> dict:
    """The audited fields as codes and ids: the history turns them into words for each reader."""
    if tablet is None:
        return {}
    return {
        name: getattr(tablet, f"{name}_id" if name in ("entity", "added_by_company") else name)
        for name in AUDITED_FIELDS
    }


def _locked(tablet: Tablet) -> Tablet:
    """The stored tablet, locked for this transaction: a decision is taken on what is stored, not on a stale copy."""
    return Tablet.objects.select_for_update(of=("self",)).select_related("entity", "added_by_company").get(pk=tablet.pk)


def _store(
    *, actor: User | None, tablet: Tablet, before: dict, action: str, changes: dict | None = None, checked=False
) -> Tablet:
    # `checked`: the caller compared the serials already (bulk); the database's constraint still holds.
    tablet.full_clean(validate_unique=not checked, validate_constraints=not checked)
    save_unique(tablet)
    audit_record(
        actor=actor,
        action=action,
        target=tablet,
        instance=tablet.instance,
        changes={**diff(before, _snapshot(tablet)), **(changes or {})},
    )
    return tablet


@transaction.atomic
def tablet_add(*, actor: User, instance: Instance, serial_number: str, model: str = "", notes: str = "") -> Tablet:
    """Add a tablet to the cockpit, in stock, as added by the actor's company; a taken serial is refused."""
    require_tablet_right(actor, instance, Access.VIEW)
    tablet = Tablet(
        instance=instance,
        serial_number=serial_number.strip(),
        model=model.strip(),
        notes=notes.strip(),
        state=TabletState.IN_STOCK,
        added_by_company=actor.company,
        created_by=actor,
    )
    return _store(actor=actor, tablet=tablet, before={}, action="tablet.added")


def _line_problems(instance: Instance, lines: Sequence[BulkLine]) -> list[tuple[int, str]]:
    """(line number, what is wrong) for every wrong line; serials compare ignoring case, as the constraint does."""
    problems: list[tuple[int, str]] = []
    first_seen: dict[str, BulkLine] = {}
    for line in lines:
        key = line.serial_number.lower()
        if line.problem:
            problems.append((line.number, line.problem))
        elif not line.serial_number:
            problems.append((line.number, _("serial missing")))
        elif len(line.serial_number) > SERIAL_MAX_LENGTH:
            problems.append((line.number, _("serial longer than %(max)d characters") % {"max": SERIAL_MAX_LENGTH}))
        elif len(line.model) > MODEL_MAX_LENGTH:
            problems.append((line.number, _("model longer than %(max)d characters") % {"max": MODEL_MAX_LENGTH}))
        elif key in first_seen:
            problems.append(
                (
                    line.number,
                    _("serial %(serial)s appears twice (also line %(line)d)")
                    % {"serial": line.serial_number, "line": first_seen[key].number},
                )
            )
        else:
            first_seen[key] = line
    keys = list(first_seen)
    taken: set[str] = set()
    for start in range(0, len(keys), 500):
        taken.update(
            Tablet.objects.filter(instance=instance)
            .annotate(key=Lower("serial_number"))
            .filter(key__in=keys[start : start + 500])
            .values_list("key", flat=True)
        )
    for key in taken & set(keys):
        line = first_seen[key]
        problems.append((line.number, _("serial %(serial)s already exists") % {"serial": line.serial_number}))
    return sorted(problems)


@transaction.atomic
def tablets_add_bulk(*, actor: User, instance: Instance, lines: Sequence[BulkLine]) -> list[Tablet]:
    """Add many tablets at once, all or none: any wrong line refuses them all, each wrong line named.

    A ValidationError lists one message per wrong line ("Line 3: serial TAB-001 already exists").
    """
    require_tablet_right(actor, instance, Access.VIEW)
    if not lines:
        raise ValidationError(_("There is no tablet to add: paste lines or choose a file."), code="empty")
    if len(lines) > MAX_LINES:
        raise ValidationError(
            _("At most %(max)d tablets at once; this has %(count)d lines.") % {"max": MAX_LINES, "count": len(lines)},
            code="too_many",
        )
    problems = _line_problems(instance, lines)
    if problems:
        raise ValidationError(
            [
                ValidationError(_("Line %(line)d: %(problem)s") % {"line": number, "problem": problem}, code="line")
                for number, problem in problems
            ]
        )
    tablets = []
    for line in lines:
        tablets.append(
            _store(
                actor=actor,
                tablet=Tablet(
                    instance=instance,
                    serial_number=line.serial_number,
                    model=line.model,
                    state=TabletState.IN_STOCK,
                    added_by_company=actor.company,
                    created_by=actor,
                ),
                before={},
                action="tablet.added",
                checked=True,
            )
        )
    return tablets


@transaction.atomic
def tablet_update(*, actor: User, tablet: Tablet, model: str, notes: str, state: str | None = None) -> Tablet:
    """Change a tablet's model, notes and (in stock or in repair only) its state; assigning has its own service."""
    require_tablet_right(actor, tablet.instance, Access.EDIT)
    tablet = _locked(tablet)
    before = _snapshot(tablet)
    if state is not None and state != tablet.state:
        if tablet.state not in EDITABLE_STATES or state not in EDITABLE_STATES:
            raise ValidationError(
                {
                    "state": _(
                        "Only a tablet in stock or in repair changes between the two; "
                        "assign, unassign or retire it instead."
                    )
                },
                code="state_not_editable",
            )
        tablet.state = state
    tablet.model = model.strip()
    tablet.notes = notes.strip()
    if _snapshot(tablet) == before:
        return tablet
    return _store(actor=actor, tablet=tablet, before=before, action="tablet.changed")


@transaction.atomic
def tablet_assign(*, actor: User, tablet: Tablet, entity: BusinessEntity) -> Tablet:
    """Assign a tablet to a business entity of its cockpit (or move it to another); never a retired one."""
    require_tablet_right(actor, tablet.instance, Access.EDIT)
    tablet = _locked(tablet)
    if tablet.state == TabletState.RETIRED:
        raise ValidationError({NON_FIELD_ERRORS: _("A retired tablet cannot be assigned.")}, code="retired")
    if tablet.entity_id == entity.pk:
        return tablet
    before = _snapshot(tablet)
    tablet.state, tablet.entity = TabletState.ASSIGNED, entity
    return _store(actor=actor, tablet=tablet, before=before, action="tablet.assigned")


@transaction.atomic
def tablet_unassign(*, actor: User, tablet: Tablet) -> Tablet:
    """Take an assigned tablet back into stock."""
    require_tablet_right(actor, tablet.instance, Access.EDIT)
    tablet = _locked(tablet)
    if tablet.state != TabletState.ASSIGNED:
        raise ValidationError({NON_FIELD_ERRORS: _("This tablet is not assigned.")}, code="not_assigned")
    before = _snapshot(tablet)
    tablet.state, tablet.entity = TabletState.IN_STOCK, None
    return _store(actor=actor, tablet=tablet, before=before, action="tablet.unassigned")


@transaction.atomic
def tablet_retire(*, actor: User, tablet: Tablet, reason: str = "") -> Tablet:
    """Retire a tablet for good (an assigned one leaves its entity); the reason, if any, goes into the history."""
    require_tablet_right(actor, tablet.instance, Access.EDIT)
    tablet = _locked(tablet)
    if tablet.state == TabletState.RETIRED:
        raise ValidationError({NON_FIELD_ERRORS: _("This tablet is retired already.")}, code="retired")
    before = _snapshot(tablet)
    tablet.state, tablet.entity = TabletState.RETIRED, None
    reason = reason.strip()
    return _store(
        actor=actor,
        tablet=tablet,
        before=before,
        action="tablet.retired",
        changes={"reason": ("", reason)} if reason else None,
    )


@transaction.atomic
def tablet_save(*, actor: User | None, tablet: Tablet) -> Tablet:
    """Validate and store a tablet as the Django admin edits it: every field at once, audited like the pages' changes.

    A new tablet is "added"; a change that assigns, unassigns or retires it is recorded as such.
    """
    stored = _locked(tablet) if tablet.pk else None
    before = _snapshot(stored)
    if stored is None:
        action = "tablet.added"
    elif tablet.state == TabletState.RETIRED and stored.state != TabletState.RETIRED:
        action = "tablet.retired"
    elif tablet.entity_id and tablet.entity_id != stored.entity_id:
        action = "tablet.assigned"
    elif stored.entity_id and not tablet.entity_id:
        action = "tablet.unassigned"
    else:
        action = "tablet.changed"
    if stored is not None and _snapshot(tablet) == before:
        return tablet
    return _store(actor=actor, tablet=tablet, before=before, action=action)
