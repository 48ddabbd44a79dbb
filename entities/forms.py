from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from entities.models import Company

COMPANY_FILTERS = ("owner", "service_provider", "customer")


class EntityFilterForm(forms.Form):
    """Search and company filters of the entity list.

    Any company of the cockpit is accepted (the list links each company name to its
    filter), but the drop-downs offer only `offered` plus the chosen one.
    """

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=Company.objects.none(), required=False)
    service_provider = forms.ModelChoiceField(
        label=_("Service provider"), queryset=Company.objects.none(), required=False
    )
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=Company.objects.none(), required=False)

    def __init__(self, *args, instance, offered: QuerySet, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs.update(placeholder=_("Name or address"), type="search")
        choices = [("", _("All"))] + [(company.pk, company.name) for company in offered]
        for name in COMPANY_FILTERS:
            if self.is_bound:
                # Only a submitted filter needs validating against the cockpit's companies.
                self.fields[name].queryset = Company.objects.filter(instance=instance)
            self.fields[name].widget.choices = choices

    def clean_q(self) -> str:
        return self.cleaned_data["q"].strip()

    def clean(self):
        cleaned = super().clean()
        offered_ids = {value for value, _label in self.fields["owner"].widget.choices}
        for name in COMPANY_FILTERS:
            company = cleaned.get(name)
            if company is not None and company.pk not in offered_ids:
                self.fields[name].widget.choices = [*self.fields[name].widget.choices, (company.pk, company.name)]
        return cleaned
