from django import forms
from django.utils.translation import gettext_lazy as _

from entities.models import Instance
from sharing.modules import ShareLevel


class SharePermissionsForm(forms.Form):
    """What a share gives: Inventory and Customer care, each none, read or write, and an optional end date."""

    inventory = forms.TypedChoiceField(label=_("Inventory"), choices=ShareLevel.choices, coerce=int)
    customer_care = forms.TypedChoiceField(label=_("Customer care"), choices=ShareLevel.choices, coerce=int)
    ends_on = forms.DateField(
        label=_("Ends on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Optional: the share stops by itself after this day."),
    )


class ShareForm(SharePermissionsForm):
    """Share the cockpit with one user of another cockpit."""

    cockpit = forms.ModelChoiceField(
        label=_("Cockpit of the user"),
        queryset=Instance.objects.none(),
        help_text=_("Only cockpits with a company on this cockpit's allow-list."),
    )
    email = forms.EmailField(label=_("Email address"), widget=forms.EmailInput(attrs={"autocomplete": "off"}))

    field_order = ["cockpit", "email", "inventory", "customer_care", "ends_on"]

    def __init__(self, *args, offered: list[Instance], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cockpit"].queryset = Instance.objects.filter(pk__in=[cockpit.pk for cockpit in offered])  # type: ignore[attr-defined]
