from django import forms
from django.utils.translation import gettext_lazy as _

from entities.models import Instance
from sharing.modules import ShareLevel
from sharing.permissions import ScopeKey
from sharing.selectors import parse_scope_value


class SharePermissionsForm(forms.Form):
    """What a share gives and where: Inventory and Customer care, each none, read or write; its scopes; an end date.

    `scope_choices` are the scopes the giver may share (selectors.share_scope_offers), worded
    as what the share will show; the service checks them again.
    """

    scopes = forms.MultipleChoiceField(
        label=_("Where the share applies"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Only the business entities of companies where you manage users. On each, the share gives at most "
            "what you can do there yourself."
        ),
        error_messages={"required": _("Choose at least one: where the share applies.")},
    )
    inventory = forms.TypedChoiceField(label=_("Inventory"), choices=ShareLevel.choices, coerce=int)
    customer_care = forms.TypedChoiceField(label=_("Customer care"), choices=ShareLevel.choices, coerce=int)
    ends_on = forms.DateField(
        label=_("Ends on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Optional: the share stops by itself after this day."),
    )

    def __init__(self, *args, scope_choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scopes"].choices = scope_choices  # type: ignore[attr-defined]

    def clean_scopes(self) -> list[ScopeKey]:
        keys = [parse_scope_value(value) for value in self.cleaned_data["scopes"]]
        return [key for key in keys if key is not None]


class ShareForm(SharePermissionsForm):
    """Share the cockpit with one user of another cockpit."""

    cockpit = forms.ModelChoiceField(
        label=_("Cockpit of the user"),
        queryset=Instance.objects.none(),
        help_text=_("Only cockpits with a company on this cockpit's allow-list."),
    )
    email = forms.EmailField(label=_("Email address"), widget=forms.EmailInput(attrs={"autocomplete": "off"}))

    field_order = ["cockpit", "email", "scopes", "inventory", "customer_care", "ends_on"]

    def __init__(self, *args, offered: list[Instance], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cockpit"].queryset = Instance.objects.filter(pk__in=[cockpit.pk for cockpit in offered])  # type: ignore[attr-defined]
