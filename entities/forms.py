from django import forms
from django.utils.translation import gettext_lazy as _


class EntityFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    owner = forms.TypedChoiceField(label=_("Owner"), required=False, coerce=int, empty_value=None)
    service_provider = forms.TypedChoiceField(label=_("Service provider"), required=False, coerce=int, empty_value=None)
    customer = forms.TypedChoiceField(label=_("Customer"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, companies, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("All"))] + [(company.pk, company.name) for company in companies]
        for name in ("owner", "service_provider", "customer"):
            self.fields[name].choices = choices
        self.fields["q"].widget.attrs.update(placeholder=_("Name or address"), type="search")

    def clean_q(self) -> str:
        return self.cleaned_data["q"].strip()
