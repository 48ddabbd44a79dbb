"""The admin base classes: malformed values answer a form error or 400, never a 500; saves go through services.

Django's admin trusts two things it should not: an autocomplete widget renders the
submitted value by asking the database for it, whatever it is ("abc", a number beyond
any column), and a changelist filter passes a number beyond any column to the database.
Every admin page of ours uses this mixin, so both are checked before they reach SQL.
"""

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import ValidationError
from django.db import DataError, models, transaction
from django.db.models import QuerySet
from django.http import HttpResponseBadRequest, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from core.query import query_id

BIGGEST = 2**63 - 1  # the widest integer column there is (BIGINT)


def _fits(field: Any, value) -> bool:
    """Whether `value` can be a value of `field` at all, as the database will be asked for it."""
    try:
        value = field.to_python(value)
    except (ValidationError, TypeError, ValueError):
        return False
    return not isinstance(value, int) or -BIGGEST - 1 <= value <= BIGGEST


def _oversized_number(text: str) -> bool:
    """A run of ASCII digits beyond any integer column (an other digit, "²", is text: its column says no)."""
    stripped = text.strip().lstrip("-")
    return query_id(stripped) is None and stripped.isascii() and stripped.isdigit()


class _RendersOnlyPossibleValues:
    """An autocomplete that shows the chosen values that can exist; the form's own validation names the rest."""

    field: models.ForeignKey

    def optgroups(self, name, value, attr=None):
        related = self.field.remote_field
        options = related.model._meta
        target = options.get_field(getattr(related, "field_name", None) or options.pk.name)
        return super().optgroups(name, [item for item in value if item in ("", None) or _fits(target, item)], attr)  # type: ignore[misc]


class SafeAutocompleteSelect(_RendersOnlyPossibleValues, AutocompleteSelect):
    pass


class SafeAutocompleteSelectMultiple(_RendersOnlyPossibleValues, AutocompleteSelectMultiple):
    pass


class BoundedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Refuses ids that cannot exist (text, numbers beyond any column) as the field's own invalid choice."""

    def _check_values(self, value):
        options = cast(QuerySet, self.queryset).model._meta
        target = options.get_field(self.to_field_name) if self.to_field_name else options.pk
        for item in value or []:
            if not _fits(target, item):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": item}
                )
        return super()._check_values(value)  # type: ignore[misc]


def filter_out_of_range(request) -> bool:
    """Whether a changelist filter or id is beyond any integer column; a search term may be any text (it matches text
    columns)."""
    return any(_oversized_number(value) for key, values in request.GET.lists() if key != "q" for value in values)


SAFE_WIDGETS = {AutocompleteSelect: SafeAutocompleteSelect, AutocompleteSelectMultiple: SafeAutocompleteSelectMultiple}


class SafeInputAdmin:
    """For ModelAdmin and inline classes: autocompletes that survive any value, changelists that refuse huge numbers."""

    def _safe(self, formfield):
        if formfield is not None and type(formfield.widget) in SAFE_WIDGETS:
            formfield.widget.__class__ = SAFE_WIDGETS[type(formfield.widget)]
        return formfield

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return self._safe(super().formfield_for_foreignkey(db_field, request, **kwargs))  # type: ignore[misc]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        return self._safe(super().formfield_for_manytomany(db_field, request, **kwargs))  # type: ignore[misc]

    def changelist_view(self, request, extra_context=None):
        if filter_out_of_range(request):
            return HttpResponseBadRequest("A filter value is out of range.")
        try:
            # The changelist counts its rows here, so a value its column refuses fails inside this savepoint,
            # not in the page's transaction: the database's DataError, or the driver's ValueError before it
            # (psycopg for an IP address filtered with "abc").
            with transaction.atomic():
                return super().changelist_view(request, extra_context)  # type: ignore[misc]
        except (DataError, ValueError):
            return HttpResponseBadRequest("A filter value does not fit its column.")


NOTHING_SAVED = _("Nothing was saved: %(errors)s")


class ServiceSavesAdmin(SafeInputAdmin, admin.ModelAdmin):
    """An admin page whose saves go through services: a refused save rolls back whole and says why.

    A service raises ValidationError for what the admin's forms cannot see (rows other
    pages changed meanwhile, rules across the object and its inlines). Letting it leave
    the admin's own transaction rolls back the object and every inline together;
    transaction.set_rollback() instead would make the admin's log entry, written next,
    fail with a 500.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            messages.error(request, NOTHING_SAVED % {"errors": "; ".join(error.messages)})
            return HttpResponseRedirect(request.get_full_path())
