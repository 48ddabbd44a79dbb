from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from plans.uploads import limit_in_mb


class PlanUploadForm(forms.Form):
    """The upload's field; plans.uploads checks the file itself, in the service that stores it."""

    file = forms.FileField(label=_("Plan file"), widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.dwg,.dxf"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("PDF, DWG or DXF, at most %(limit)s MB.") % {
            "limit": limit_in_mb(settings.PLAN_UPLOAD_MAX_BYTES)
        }


class EntitySearchForm(forms.Form):
    q = forms.CharField(label=_("Find a business entity"), max_length=100, required=False)
