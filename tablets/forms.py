"""The tablet pages' forms: what people type; the services decide what is allowed."""

from django import forms
from django.utils.translation import gettext_lazy as _

from entities.models import BusinessEntity
from tablets.bulk import MAX_LINES, MAX_UPLOAD_BYTES, BulkLine, parse_lines
from tablets.models import EDITABLE_STATES, MODEL_MAX_LENGTH, NOTES_MAX_LENGTH, SERIAL_MAX_LENGTH

EDITABLE_STATE_CHOICES = [(state.value, state.label) for state in EDITABLE_STATES]


class TabletAddForm(forms.Form):
    serial_number = forms.CharField(label=_("Serial number"), max_length=SERIAL_MAX_LENGTH)
    model = forms.CharField(label=_("Model"), max_length=MODEL_MAX_LENGTH, required=False)
    notes = forms.CharField(
        label=_("Notes"), max_length=NOTES_MAX_LENGTH, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class TabletEditForm(forms.Form):
    model = forms.CharField(label=_("Model"), max_length=MODEL_MAX_LENGTH, required=False)
    state = forms.ChoiceField(label=_("State"), choices=EDITABLE_STATE_CHOICES)
    notes = forms.CharField(
        label=_("Notes"), max_length=NOTES_MAX_LENGTH, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, with_state: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_state:
            # Assigned and retired tablets change state by assigning, unassigning or retiring.
            del self.fields["state"]


class TabletAssignForm(forms.Form):
    entity: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Business entity"), queryset=BusinessEntity.objects.none(), empty_label=_("Choose an entity")
    )

    def __init__(self, *args, entities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entity"].queryset = entities  # type: ignore[attr-defined]


class TabletRetireForm(forms.Form):
    reason = forms.CharField(label=_("Reason (optional)"), max_length=200, required=False)


class TabletBulkForm(forms.Form):
    lines = forms.CharField(
        label=_("Paste lines"),
        required=False,
        max_length=MAX_UPLOAD_BYTES,
        widget=forms.Textarea(attrs={"rows": 10, "placeholder": "TAB-0001,Galaxy Tab A9\nTAB-0002,iPad 10"}),
        help_text=_("One tablet per line: serial number, then model, separated by a comma; a header line is optional."),
    )
    file = forms.FileField(
        label=_("Or upload a CSV file"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv,text/plain"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("The same two columns; at most %(max)d lines at once.") % {"max": MAX_LINES}

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is None:
            return None
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)d KB.") % {"size": MAX_UPLOAD_BYTES // 1024}, code="too_large"
            )
        raw = upload.read()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(_("The file must be UTF-8 text (CSV)."), code="not_text") from None
        if "\x00" in text:
            # Pasted text is refused for it by the form field; a file must be too (PostgreSQL stores no NUL).
            raise forms.ValidationError(_("The file must be UTF-8 text (CSV)."), code="not_text")
        return text

    def clean(self):
        cleaned = super().clean() or {}
        if not self.errors and not (cleaned.get("lines") or "").strip() and not cleaned.get("file"):
            raise forms.ValidationError(_("Paste lines or choose a file."), code="empty")
        return cleaned

    def parsed_lines(self) -> list[BulkLine]:
        text = self.cleaned_data.get("file") or self.cleaned_data.get("lines") or ""
        return parse_lines(text)
