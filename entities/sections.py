"""The sections of a business entity page: what each holds and how its input is validated.

Settings sections keep their values in SectionSettings.data, validated by the
section's form; list sections (quality control, tour activities, chat) add rows.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from entities.models import ChatMessage, QualityFeedback, Section, TourActivity

WEEKDAYS = [
    ("mon", _("Monday")),
    ("tue", _("Tuesday")),
    ("wed", _("Wednesday")),
    ("thu", _("Thursday")),
    ("fri", _("Friday")),
    ("sat", _("Saturday")),
    ("sun", _("Sunday")),
]
AREA_TYPES = [
    ("office", _("Office")),
    ("sanitary", _("Sanitary")),
    ("corridor", _("Corridor")),
    ("kitchen", _("Kitchen")),
    ("classroom", _("Classroom")),
    ("stairwell", _("Stairwell")),
]


class MasterDataForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    floor_area_m2 = forms.IntegerField(label=_("Floor area (m²)"), min_value=0, max_value=10_000_000, required=False)
    cost_centre = forms.CharField(label=_("Cost centre"), max_length=50, required=False)
    contact_person = forms.CharField(label=_("Contact person"), max_length=120, required=False)


class FeaturesForm(forms.Form):
    document_manager = forms.BooleanField(label=_("Document manager"), required=False)
    material_ordering = forms.BooleanField(label=_("Material ordering"), required=False)
    quality_control = forms.BooleanField(label=_("Quality control"), required=False)
    order_management = forms.BooleanField(label=_("Order management"), required=False)


def _performance_fields() -> dict[str, forms.Field]:
    return {
        code: forms.DecimalField(
            label=_("%(area)s (m²/h)") % {"area": label},
            min_value=Decimal("0"),
            max_value=Decimal("2000"),
            decimal_places=1,
            required=False,
        )
        for code, label in AREA_TYPES
    }


PerformanceFiguresForm = type("PerformanceFiguresForm", (forms.Form,), _performance_fields())


class CleaningCategoriesForm(forms.Form):
    maintenance_cleaning = forms.BooleanField(label=_("Maintenance cleaning"), required=False)
    basic_cleaning = forms.BooleanField(label=_("Basic cleaning"), required=False)
    window_cleaning = forms.BooleanField(label=_("Window cleaning"), required=False)
    special_cleaning = forms.BooleanField(label=_("Special cleaning"), required=False)


class CleaningProcessForm(forms.Form):
    cleaning_days = forms.MultipleChoiceField(
        label=_("Cleaning days"), choices=WEEKDAYS, widget=forms.CheckboxSelectMultiple
    )
    start_time = forms.TimeField(label=_("Start time"), widget=forms.TimeInput(attrs={"type": "time"}))
    cleaning_agent = forms.ChoiceField(
        label=_("Cleaning agent"),
        choices=[("eco", _("Ecological")), ("standard", _("Standard")), ("disinfecting", _("Disinfecting"))],
    )
    notes = forms.CharField(label=_("Notes"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3}))


class RoutePlanningForm(forms.Form):
    tours_per_day = forms.IntegerField(label=_("Tours per day"), min_value=1, max_value=20)
    max_tour_minutes = forms.IntegerField(label=_("Longest tour (minutes)"), min_value=30, max_value=720)
    start_location = forms.CharField(label=_("Start location"), max_length=200, required=False)


class TourModificationForm(forms.Form):
    allow_swaps = forms.BooleanField(label=_("Cleaners may swap tours"), required=False)
    freeze_days_before = forms.IntegerField(label=_("Tours fixed this many days ahead"), min_value=0, max_value=30)


class CalculationForm(forms.Form):
    hourly_rate = forms.DecimalField(
        label=_("Hourly rate (CHF)"), min_value=Decimal("0"), max_digits=8, decimal_places=2
    )
    monthly_hours = forms.DecimalField(
        label=_("Hours per month"), min_value=Decimal("0"), max_digits=8, decimal_places=1
    )
    surcharge_percent = forms.DecimalField(
        label=_("Surcharge (%)"), min_value=Decimal("0"), max_value=Decimal("100"), decimal_places=1
    )


class AnalyticsForm(forms.Form):
    target_quality_score = forms.DecimalField(
        label=_("Target quality score"), min_value=Decimal("1"), max_value=Decimal("5"), decimal_places=1
    )
    target_completion_percent = forms.IntegerField(label=_("Target completion (%)"), min_value=0, max_value=100)


class IotForm(forms.Form):
    sensors_enabled = forms.BooleanField(label=_("Sensors enabled"), required=False)
    gateway_id = forms.CharField(label=_("Gateway ID"), max_length=64, required=False)
    alert_threshold_percent = forms.IntegerField(label=_("Alert threshold (%)"), min_value=0, max_value=100)


class QualityFeedbackForm(forms.ModelForm):
    class Meta:
        model = QualityFeedback
        fields = ["score", "comment"]
        widgets = {"comment": forms.Textarea(attrs={"rows": 3})}


class TourActivityForm(forms.ModelForm):
    class Meta:
        model = TourActivity
        fields = ["performed_on", "area", "description", "duration_minutes"]
        widgets = {"performed_on": forms.DateInput(attrs={"type": "date"})}

    def clean_performed_on(self) -> datetime.date:
        performed_on = self.cleaned_data["performed_on"]
        if performed_on > datetime.date.today():
            raise forms.ValidationError(_("A tour activity cannot lie in the future."))
        return performed_on


class ChatMessageForm(forms.ModelForm):
    class Meta:
        model = ChatMessage
        fields = ["body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 2, "placeholder": _("Write a message…")})}


@dataclass(frozen=True)
class SectionSpec:
    section: str
    kind: str  # "settings", "master_data", "list"
    form_class: type[forms.Form] | type[forms.ModelForm]

    @property
    def label(self) -> str:
        return str(Section(self.section).label)


# The tabs of an entity page, in order. Users, alpha features, tablets and plan upload
# are rights on other pages, not tabs of an entity.
SECTION_SPECS: dict[str, SectionSpec] = {
    spec.section: spec
    for spec in [
        SectionSpec(Section.MASTER_DATA, "master_data", MasterDataForm),
        SectionSpec(Section.FEATURES, "settings", FeaturesForm),
        SectionSpec(Section.PERFORMANCE_FIGURES, "settings", PerformanceFiguresForm),
        SectionSpec(Section.CLEANING_CATEGORIES, "settings", CleaningCategoriesForm),
        SectionSpec(Section.CLEANING_PROCESS, "settings", CleaningProcessForm),
        SectionSpec(Section.ROUTE_PLANNING, "settings", RoutePlanningForm),
        SectionSpec(Section.TOUR_MODIFICATION, "settings", TourModificationForm),
        SectionSpec(Section.CALCULATION, "settings", CalculationForm),
        SectionSpec(Section.ANALYTICS, "settings", AnalyticsForm),
        SectionSpec(Section.TOUR_ACTIVITIES, "list", TourActivityForm),
        SectionSpec(Section.QUALITY_CONTROL, "list", QualityFeedbackForm),
        SectionSpec(Section.IOT, "settings", IotForm),
        SectionSpec(Section.CHAT, "list", ChatMessageForm),
    ]
}


def to_json(cleaned_data: dict) -> dict:
    """Form values as JSON: decimals and times as text, which the same form reads back."""
    result = {}
    for key, value in cleaned_data.items():
        if isinstance(value, Decimal):
            value = str(value)
        elif isinstance(value, datetime.time):
            value = value.strftime("%H:%M")
        result[key] = value
    return result


def _choice_labels(form_field: forms.ChoiceField) -> dict[Any, Any]:
    # A declared field's choices are a plain list of (value, label) by the time a form class exists.
    return dict(cast("list[tuple[Any, Any]]", form_field.choices))


def display_rows(form_class: type[forms.Form] | type[forms.ModelForm], data: dict) -> list[tuple[str, str]]:
    """(label, shown value) for each field of a settings section, for read-only display."""
    rows = []
    for name, form_field in form_class.base_fields.items():
        value = data.get(name)
        shown: str
        if isinstance(form_field, forms.BooleanField):
            shown = str(_("Yes") if value else _("No"))
        elif isinstance(form_field, forms.MultipleChoiceField):
            labels = _choice_labels(form_field)
            shown = ", ".join(str(labels.get(item, item)) for item in value or []) or "—"
        elif isinstance(form_field, forms.ChoiceField):
            shown = str(_choice_labels(form_field).get(value, value or "—"))
        else:
            shown = "—" if value in (None, "") else str(value)
        rows.append((str(form_field.label), shown))
    return rows
