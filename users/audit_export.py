"""What a user manager asks of the audit log's export: the format, one person or all of theirs, a range of days."""

from django import forms
from django.utils.translation import gettext_lazy as _

from entities.audit_export import FORMATS

SINCE_AFTER_UNTIL = _("The first day comes after the last.")
BIGGEST_ID = 2**63 - 1


class AuditExportForm(forms.Form):
    """The export's filters; the entries they find are always within the manager's reach (users.selectors)."""

    file_format = forms.ChoiceField(choices=[(code, code) for code in FORMATS])
    person = forms.IntegerField(required=False, min_value=1, max_value=BIGGEST_ID, widget=forms.HiddenInput)
    since = forms.DateField(required=False, label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            raise forms.ValidationError(SINCE_AFTER_UNTIL, code="since_after_until")
        return cleaned

    def filters(self) -> dict[str, str]:
        """The filters given, as text for the audit entry of the export."""
        return {
            name: str(value)
            for name, value in self.cleaned_data.items()
            if value not in (None, "") and name != "file_format"
        }
