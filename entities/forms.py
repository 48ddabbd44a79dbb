from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from entities.access import CompanyChoices
from entities.models import Company

COMPANY_FILTERS = ("owner", "service_provider", "customer")


class EntityFilterForm(forms.Form):
    """Search and company filters of the entity list.

    Any company of the cockpit is accepted (the list links each company name to its
    filter), but each drop-down offers only its `offered` companies, those in its column
    of the visible entities, so no company name is shown that the user does not already
    see there.
    """

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=Company.objects.none(), required=False)
    service_provider = forms.ModelChoiceField(
        label=_("Service provider"), queryset=Company.objects.none(), required=False
    )
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=Company.objects.none(), required=False)

    def __init__(self, *args, instance, offered: dict[str, CompanyChoices], **kwargs):
        super().__init__(*args, **kwargs)
        for name in COMPANY_FILTERS:
            if self.is_bound:
                # Only a submitted filter needs validating against the cockpit's companies.
                cast(forms.ModelChoiceField, self.fields[name]).queryset = Company.objects.filter(instance=instance)
        # Each drop-down's companies, which the template tag company_filters writes out: never a widget's
        # choices, which Django copies and normalizes option by option (hundreds for show-all users).
        self.offered = {name: offered[name] for name in COMPANY_FILTERS}
        # A chosen company its drop-down does not offer, as (id, label), after the offered ones.
        self.added: dict[str, tuple[int, str]] = {}

    def show_chosen(self, visible_company_ids: set[int]) -> None:
        """Add a chosen company to its drop-down, named only if the filtered rows show its name anyway."""
        if not self.is_valid():
            return
        for name in COMPANY_FILTERS:
            company = self.cleaned_data.get(name)
            if company is not None and company.pk not in self.offered[name].ids:
                label = company.name if company.pk in visible_company_ids else str(_("Chosen company"))
                self.added[name] = (company.pk, label)
