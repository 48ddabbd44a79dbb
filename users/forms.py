"""The forms of User Management: a managed user's profile and their grant rows."""

import re
from typing import Any, cast

from django import forms
from django.http import Http404
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.forms import PhoneNormalizingMixin
from accounts.models import User
from core.query import query_id
from entities.models import COMPANY_LEVELS, BusinessEntity, Role
from entities.models.grants import GRANT_END_NOT_AHEAD
from users.permissions import EMAIL_NOT_USABLE_HERE_CODE, Reach, access_named_entity, email_error
from users.services import BulkAction, BulkKind, CompanyGrantRequest, EntityGrantRequest


class ShowAllAfterGrantsMixin:
    """A user form whose "show all" is checked by the save, not the form.

    "Show all" needs a project-manager role on the operator's company (accounts.User.clean),
    which the grant rows of the same page may be adding: the form cannot see them, so the
    service asks once they are written (users.services._show_all_after_grants, and the
    admin's save_related).
    """

    _errors: Any
    error_class: type
    cleaned_data: dict[str, Any]
    instance: User

    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]
        errors = self._errors.get("sees_all_entities") if self._errors else None
        if errors:
            kept = [error for error in errors.as_data() if error.code != "show_all_not_project_manager"]
            if kept:
                self._errors["sees_all_entities"] = self.error_class(kept)
            else:
                # add_error() took the field's value out of cleaned_data; the model instance still holds it.
                del self._errors["sees_all_entities"]
                self.cleaned_data["sees_all_entities"] = self.instance.sees_all_entities


class ManagedUserForm(ShowAllAfterGrantsMixin, PhoneNormalizingMixin, forms.ModelForm):
    """A user's profile as a manager edits it; operator-only fields only for operator staff."""

    class Meta:
        model = User
        fields = [
            "email",
            "first_name",
            "last_name",
            "company",
            "language",
            "mobile_phone",
            "chat_enabled",
            "otp_required",
            "sees_all_entities",
            "all_entities_role",
        ]
        widgets = {"mobile_phone": forms.TextInput(attrs={"type": "tel", "placeholder": "079 123 45 67"})}

    def __init__(self, *args, reach: Reach, **kwargs):
        super().__init__(*args, **kwargs)
        self.reach = reach
        if not reach.is_operator_staff:
            # Seeing all entities is for operator employees, whom only operator staff manage.
            del self.fields["sees_all_entities"]
            del self.fields["all_entities_role"]
        else:
            cast(forms.ModelChoiceField, self.fields["all_entities_role"]).queryset = Role.objects.filter(
                is_special=False, is_share_role=False
            )
        cast(forms.ModelChoiceField, self.fields["company"]).queryset = reach.user_companies()
        self.fields["email"].widget.attrs["autocomplete"] = "off"
        if self.instance.pk and not self.instance.awaits_first_login:
            # Changing the address of an active account would let a manager take it over.
            self.fields["email"].disabled = True
            self.fields["email"].help_text = _("Fixed once the user has chosen their own password.")

    def _get_validation_exclusions(self) -> set[str]:
        """The model's checks but the address's (its unique field and its case-insensitive constraint):
        clean_email and the service word that one, never telling of a login elsewhere. A request that
        wins the address a moment after clean_email looked is the service's to word."""
        return {*super()._get_validation_exclusions(), "email"}  # type: ignore[misc]

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        error = email_error(self.reach, email, user=self.instance if self.instance.pk else None)
        if error:
            raise error
        return email

    @property
    def offers_share(self) -> bool:
        """Whether the address cannot be used here for a reason the page does not tell: perhaps it is a person of
        another cockpit, whom a share of this one reaches (the page offers it where the manager may share)."""
        return self.has_error("email", EMAIL_NOT_USABLE_HERE_CODE)

    def profile(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields}


ONE_ROLE_PER_LEVEL_AND_COMPANY = _("Only one role per level and company: %(company)s appears twice at this level.")
ONE_ROLE_PER_ENTITY = _("Only one role per business entity: %(entity)s appears twice.")


class RowChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField over objects its formset read once for every row: rows render and validate without queries."""

    def __init__(self, **kwargs):
        super().__init__(queryset=None, **kwargs)
        self.objects: dict[str, object] = {}

    def offer(self, objects: list) -> None:
        self.objects = {str(obj.pk): obj for obj in objects}
        self.choices = [("", self.empty_label), *((obj.pk, self.label_from_instance(obj)) for obj in objects)]

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return self.objects[str(value)]
        except KeyError:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
            ) from None


def level_choices(reach: Reach) -> list[tuple[str, str | Promise]]:
    """The company levels a row offers: those where the manager may give roles."""
    levels = reach.grantable_levels()
    return [(level.value, level.label) for level in COMPANY_LEVELS if level in levels]


def ends_on_field() -> forms.DateField:
    return forms.DateField(
        label=_("Ends on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class EndsOnMixin:
    """A row's optional end date: a new or moved end lies after today (entities.models.grants.validate_grant says
    so too; the row says it first, next to the field)."""

    def clean_ends_on(self):
        ends_on = self.cleaned_data["ends_on"]  # type: ignore[attr-defined]
        unchanged = ends_on == self.initial.get("ends_on")  # type: ignore[attr-defined]
        if ends_on is not None and ends_on <= timezone.localdate() and not unchanged:
            raise forms.ValidationError(GRANT_END_NOT_AHEAD, code="end_not_ahead")
        return ends_on


class CompanyGrantForm(EndsOnMixin, forms.Form):
    """One row of "Add new authorization": level, company, role and an optional end date."""

    level = forms.ChoiceField(label=_("Level"), choices=[(lv.value, lv.label) for lv in COMPANY_LEVELS])
    company = RowChoiceField(label=_("Company"))
    role = RowChoiceField(label=_("Role"))
    ends_on = ends_on_field()

    @staticmethod
    def offered(reach: Reach) -> dict[str, list]:
        """What every row offers, read once per formset: only what the manager may grant."""
        roles = list(Role.objects.filter(is_special=False, is_share_role=False))
        return {"company": list(reach.companies()), "role": reach.grantable_roles(roles)}

    def __init__(self, *args, reach: Reach, offered: dict[str, list], **kwargs):
        super().__init__(*args, **kwargs)
        self.reach = reach
        choices = level_choices(reach)
        cast(forms.ChoiceField, self.fields["level"]).choices = choices
        # A manager of one level picks nothing: the row names the level (only_level) and posts it hidden.
        self.only_level = choices[0][1] if len(choices) == 1 else None
        if self.only_level is not None:
            self.fields["level"].widget = forms.HiddenInput()
            self.fields["level"].initial = choices[0][0]
        for name, objects in offered.items():
            cast(RowChoiceField, self.fields[name]).offer(objects)

    def clean(self):
        cleaned = super().clean() or {}
        if all(cleaned.get(name) for name in ("level", "company", "role")):
            error = self.reach.company_grant_error(cleaned["level"], cleaned["company"].pk, cleaned["role"])
            if error:
                raise forms.ValidationError(error)
        return cleaned


PICK_AN_ENTITY = _("Pick a business entity from the list.")


def entity_from_picker(value: str, reach: Reach) -> BusinessEntity:
    """The entity named by the picker ("Name (#id)") or by its ID, among those the manager may name."""
    match = re.search(r"#([0-9]{1,12})\)?\s*$", value) or re.fullmatch(r"\s*([0-9]{1,12})\s*", value)
    if match is None:
        raise forms.ValidationError(PICK_AN_ENTITY)
    try:
        return access_named_entity(reach, int(match.group(1)))
    except Http404:
        raise forms.ValidationError(PICK_AN_ENTITY) from None


class ExplainEntityForm(forms.Form):
    entity = forms.CharField(label=_("Business entity"), max_length=300)

    def __init__(self, *args, reach: Reach, **kwargs):
        super().__init__(*args, **kwargs)
        self.reach = reach
        self.fields["entity"].widget.attrs.update({"list": "entity-options", "autocomplete": "off"})

    def clean_entity(self) -> BusinessEntity:
        return entity_from_picker(self.cleaned_data["entity"], self.reach)


class EntityGrantForm(EndsOnMixin, forms.Form):
    """A role on one business entity, picked by name from the searchable list (or by its ID), with an optional end."""

    entity = forms.CharField(label=_("Business entity"), max_length=300)
    role = RowChoiceField(label=_("Role"))
    ends_on = ends_on_field()

    @staticmethod
    def offered(reach: Reach) -> dict[str, list]:
        """What every row offers, read once per formset: only roles the manager may grant."""
        return {"role": reach.grantable_roles(list(Role.objects.filter(is_share_role=False)))}

    def __init__(self, *args, reach: Reach, offered: dict[str, list], **kwargs):
        super().__init__(*args, **kwargs)
        self.reach = reach
        for name, objects in offered.items():
            cast(RowChoiceField, self.fields[name]).offer(objects)
        self.fields["entity"].widget.attrs.update({"list": "entity-options", "autocomplete": "off"})

    def clean_entity(self) -> BusinessEntity:
        return entity_from_picker(self.cleaned_data["entity"], self.reach)

    def clean(self):
        cleaned = super().clean() or {}
        if cleaned.get("entity") and cleaned.get("role"):
            error = self.reach.entity_grant_error(cleaned["entity"], cleaned["role"])
            if error:
                raise forms.ValidationError(error)
        return cleaned


FORMSET_TAMPERED = _(
    "The list of authorizations arrived incomplete or changed; nothing was saved. Reload the page and try again."
)


class BaseGrantFormSet(forms.BaseFormSet):
    def __init__(self, *args, reach: Reach, **kwargs):
        self.reach = reach
        self.offered = self.form.offered(reach)
        super().__init__(*args, **kwargs)

    def full_clean(self) -> None:
        """Rows are removed only by ticking "Remove": a count the page never sent changes nothing.

        A negative or shrunken TOTAL_FORMS would otherwise make the rows vanish, and with
        them every grant the user holds.
        """
        super().full_clean()
        if not self.is_bound or not self.management_form.is_valid():
            return
        counts = self.management_form.cleaned_data
        total = counts[forms.formsets.TOTAL_FORM_COUNT] or 0
        initial = counts[forms.formsets.INITIAL_FORM_COUNT] or 0
        if total < 0 or initial != len(self.initial or []) or total < initial:
            self._non_form_errors = self.error_class(
                [forms.ValidationError(FORMSET_TAMPERED, code="tampered")], error_class="nonform"
            )

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "reach": self.reach, "offered": self.offered}

    @property
    def empty_form(self):
        form = self.form(
            auto_id=self.auto_id,
            prefix=self.add_prefix("__prefix__"),
            empty_permitted=True,
            use_required_attribute=False,
            reach=self.reach,
            offered=self.offered,
        )
        self.add_fields(form, None)
        return form

    def live_forms(self):
        """Rows that are valid and not marked for removal (rows with errors report their own)."""
        return [
            form for form in self.forms if form.cleaned_data and not form.errors and not form.cleaned_data.get("DELETE")
        ]


class CompanyGrantFormSet(BaseGrantFormSet):
    @property
    def only_level(self) -> str | Promise | None:
        """The level's name when the manager gives roles at one level only: the rows name it instead of a picker."""
        choices = level_choices(self.reach)
        return choices[0][1] if len(choices) == 1 else None

    def clean(self):
        seen = set()
        for form in self.live_forms():
            key = (form.cleaned_data["level"], form.cleaned_data["company"].pk)
            if key in seen:
                raise forms.ValidationError(ONE_ROLE_PER_LEVEL_AND_COMPANY % {"company": form.cleaned_data["company"]})
            seen.add(key)

    def requests(self) -> list[CompanyGrantRequest]:
        return [
            CompanyGrantRequest(
                f.cleaned_data["level"], f.cleaned_data["company"], f.cleaned_data["role"], f.cleaned_data["ends_on"]
            )
            for f in self.live_forms()
        ]


class EntityGrantFormSet(BaseGrantFormSet):
    def clean(self):
        seen = set()
        for form in self.live_forms():
            entity = form.cleaned_data["entity"]
            if entity.pk in seen:
                raise forms.ValidationError(ONE_ROLE_PER_ENTITY % {"entity": entity.name})
            seen.add(entity.pk)

    def requests(self) -> list[EntityGrantRequest]:
        return [
            EntityGrantRequest(f.cleaned_data["entity"], f.cleaned_data["role"], f.cleaned_data["ends_on"])
            for f in self.live_forms()
        ]


company_grant_formset = cast(
    type[CompanyGrantFormSet],
    forms.formset_factory(CompanyGrantForm, formset=CompanyGrantFormSet, extra=0, can_delete=True),
)
entity_grant_formset = cast(
    type[EntityGrantFormSet],
    forms.formset_factory(EntityGrantForm, formset=EntityGrantFormSet, extra=0, can_delete=True),
)


class IdsField(forms.Field):
    """The ids of checked rows (checkboxes of one name); a value that is no id is refused, never looked up."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[int]:
        values = value if isinstance(value, list | tuple) else ([value] if value else [])
        ids = [query_id(str(item)) for item in values]
        if any(pk is None for pk in ids):
            raise forms.ValidationError(_("Choose rows from the list."), code="invalid")
        return list(dict.fromkeys(pk for pk in ids if pk is not None))


class EntityRoleChoiceForm(forms.Form):
    """The role a list action gives: one of those the manager may grant on a single entity."""

    role = RowChoiceField(label=_("Role"))

    def __init__(self, *args, reach: Reach, **kwargs):
        super().__init__(*args, **kwargs)
        cast(RowChoiceField, self.fields["role"]).offer(EntityGrantForm.offered(reach)["role"])


class EntityGrantsGiveForm(EndsOnMixin, EntityRoleChoiceForm):
    """Give a role on the business entities checked among the search's results, or on all that match it."""

    entities = IdsField(required=False)
    all_matching = forms.BooleanField(required=False)
    ends_on = ends_on_field()


class EntityGrantsActionForm(EndsOnMixin, EntityRoleChoiceForm):
    """Change the role of, set the end date of, or remove, the person's roles on the entities checked in their
    list."""

    ACTIONS = (("change", _("Change role")), ("end", _("Set end date")), ("remove", _("Remove")))

    grants = IdsField()
    action = forms.ChoiceField(choices=ACTIONS)
    ends_on = ends_on_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only "Change role" needs one (the view says so); "Remove" posts the same form.
        self.fields["role"].required = False


class BulkActionForm(EndsOnMixin, forms.Form):
    """What a bulk action on the user list does: its kind and, for a role, where, which and until when."""

    kind = forms.ChoiceField(label=_("Action"), choices=BulkKind.choices)
    level = forms.ChoiceField(label=_("Level"), required=False, choices=[("", "---------")])
    company = RowChoiceField(label=_("Company"), required=False)
    role = RowChoiceField(label=_("Role"), required=False)
    ends_on = ends_on_field()
    users = IdsField(required=False)
    all_matching = forms.BooleanField(required=False)

    def __init__(self, *args, reach: Reach, **kwargs):
        super().__init__(*args, **kwargs)
        offered = CompanyGrantForm.offered(reach)
        cast(forms.ChoiceField, self.fields["level"]).choices = [("", "---------"), *level_choices(reach)]
        cast(RowChoiceField, self.fields["company"]).offer(offered["company"])
        cast(RowChoiceField, self.fields["role"]).offer(offered["role"])

    def action(self) -> BulkAction:
        data = self.cleaned_data
        return BulkAction(
            kind=data["kind"], level=data["level"], company=data["company"], role=data["role"], ends_on=data["ends_on"]
        )


class PeopleFileForm(forms.Form):
    """A CSV file of people to import (users.imports), in User Management and in the Django admin."""

    file = forms.FileField(label=_("CSV file"))
