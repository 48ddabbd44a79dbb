"""Saving a row whose uniqueness another transaction may win meanwhile, with the rule's words instead of a 500.

Validation reads before it writes: two requests for the same email (or the same grant)
both pass it, and the second INSERT waits for the first and fails on the unique index.
By then the first row is committed, so validating again finds it and raises the model's
own ValidationError, as if the second request had come a moment later.
"""

from django.db import IntegrityError, models, transaction


def save_unique(obj: models.Model, **save_kwargs) -> None:
    """obj.save() in a savepoint; a lost race for a unique value becomes that rule's ValidationError."""
    try:
        with transaction.atomic():
            obj.save(**save_kwargs)
    except IntegrityError:
        obj.validate_unique()
        obj.validate_constraints()
        raise
