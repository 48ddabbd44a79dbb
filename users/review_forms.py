"""The forms of access reviews: starting one, and a reviewer's answers on their page of rows."""

from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from entities.models import Company
from users.models import Decision, ReviewerMode, ReviewSubject, Unanswered
from users.permissions import Reach

# A review runs two weeks unless the starter picks another day.
DEFAULT_DAYS = 14
DEADLINE_IN_THE_PAST = _("The deadline must be today or later.")


class ReviewStartForm(forms.Form):
    company = forms.ModelChoiceField(
        queryset=Company.objects.none(),
        required=False,
        label=_("Scope"),
        help_text=_("One company you manage, or everything within your reach."),
    )
    subject = forms.ChoiceField(
        label=_("What is reviewed"), choices=ReviewSubject.choices, widget=forms.RadioSelect, initial=ReviewSubject.ALL
    )
    reviewer_mode = forms.ChoiceField(
        label=_("Reviewers"), choices=ReviewerMode.choices, widget=forms.RadioSelect, initial=ReviewerMode.STARTER
    )
    deadline = forms.DateField(
        label=_("Deadline"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The review closes at the end of this day (cockpit time) and its decisions are applied."),
    )
    unanswered = forms.ChoiceField(
        label=_("A row without answer at the deadline"),
        choices=Unanswered.choices,
        widget=forms.RadioSelect,
        initial=Unanswered.KEEP,
    )
    inactive_days = forms.IntegerField(
        label=_("Only people who have not signed in for (days)"),
        required=False,
        min_value=1,
        max_value=3650,
        help_text=_("Optional. Empty: everyone."),
    )

    def __init__(self, *args, reach: Reach, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        company = self.fields["company"]
        assert isinstance(company, forms.ModelChoiceField)
        # Any company of the cockpit is accepted here; the service refuses one outside the reach (403), while the
        # picker offers only the reach's.
        company.queryset = Company.objects.filter(instance=reach.instance)
        everything = _("The whole cockpit") if reach.is_operator_staff else _("Everything within my reach")
        company.choices = [("", everything), *((c.pk, c.name) for c in reach.companies())]
        self.fields["deadline"].initial = timezone.localdate() + timedelta(days=DEFAULT_DAYS)

    def clean_deadline(self):
        deadline = self.cleaned_data["deadline"]
        if deadline < timezone.localdate():
            raise forms.ValidationError(DEADLINE_IN_THE_PAST)
        return deadline

    def deadline_at(self) -> datetime:
        """The end of the chosen day in the cockpit's time zone (00:00 of the next)."""
        return timezone.make_aware(datetime.combine(self.cleaned_data["deadline"] + timedelta(days=1), time.min))


class ReviewStopForm(forms.Form):
    apply_decisions = forms.TypedChoiceField(
        label=_("The decisions made so far"),
        choices=[
            ("1", _("Apply them (rows without answer are kept)")),
            ("0", _("Discard them (nothing is removed)")),
        ],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
        initial="1",
    )


def decisions_from(data, row_ids: list[int]) -> dict[int, tuple[str, str]]:
    """The answers a reviewer's page posts: per row `decision-<id>` and `reason-<id>`; with `bulk` set, its decision
    and reason for the chosen rows (`chosen`). Unknown values count as no answer; the service checks the rows."""
    decisions: dict[int, tuple[str, str]] = {}
    for row_id in row_ids:
        decision = data.get(f"decision-{row_id}", "")
        decisions[row_id] = (decision if decision in Decision.values else "", data.get(f"reason-{row_id}", "").strip())
    bulk = data.get("bulk_decision", "")
    if data.get("bulk") and bulk in (Decision.KEEP, Decision.REMOVE):
        reason = data.get("bulk_reason", "").strip()
        chosen = {int(value) for value in data.getlist("chosen") if value.isdigit()}
        for row_id in row_ids if data.get("all_rows") else chosen:
            decisions[row_id] = (bulk, reason or decisions.get(row_id, ("", ""))[1])
    return decisions


def posted_row_ids(data) -> list[int]:
    """The rows a reviewer's page posted (hidden `row` fields, and any chosen)."""
    ids = {int(value) for value in [*data.getlist("row"), *data.getlist("chosen")] if value.isdigit()}
    return sorted(ids)
