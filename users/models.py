"""Access reviews: a manager has the people within their reach looked at, row by row, by a deadline."""

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from entities.models import Company, Instance, Level, Role


class ReviewSubject(models.TextChoices):
    """What a review looks at (users.review_sources.SUBJECT_SOURCES: which sources each reads)."""

    EXTERNAL = "external", _("External people's roles")
    SHARES = "shares", _("Cockpit Shares")
    ENTITY = "entity", _("Roles on single business entities")
    ALL = "all", _("All of these")


class ReviewerMode(models.TextChoices):
    STARTER = "starter", _("I review everything myself")
    MANAGERS = "managers", _("The user managers of each company")


class Unanswered(models.TextChoices):
    KEEP = "keep", _("Keep the access")
    REMOVE = "remove", _("Remove the access")


class ReviewState(models.TextChoices):
    OPEN = "open", _("Open")
    APPLIED = "applied", _("Applied at the deadline")
    STOPPED_APPLIED = "stopped_applied", _("Stopped early, decisions applied")
    STOPPED_DISCARDED = "stopped_discarded", _("Stopped early, decisions discarded")


class Decision(models.TextChoices):
    NONE = "", _("No answer")
    KEEP = "keep", _("Keep")
    REMOVE = "remove", _("Remove")


class Outcome(models.TextChoices):
    PENDING = "", _("Open")
    KEPT = "kept", _("Kept")
    REMOVED = "removed", _("Removed")
    GONE = "gone", _("Already gone")
    REFUSED = "refused", _("Not removed: outside the remover's reach")


# A row's level beyond the grant levels: what a Cockpit Share gives.
SHARE_LEVEL = "share"


class AccessReview(models.Model):
    """One review of a cockpit's access, started by a user manager or operator staff, applied at its deadline."""

    instance = models.ForeignKey(Instance, on_delete=models.CASCADE, related_name="+", verbose_name=_("cockpit"))
    # None: everything in the starter's reach (the whole cockpit for operator staff).
    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("company")
    )
    subject = models.CharField(_("what is reviewed"), max_length=16, choices=ReviewSubject.choices)
    reviewer_mode = models.CharField(_("reviewers"), max_length=16, choices=ReviewerMode.choices)
    deadline = models.DateTimeField(_("deadline"))
    unanswered = models.CharField(_("a row without answer"), max_length=8, choices=Unanswered.choices)
    inactive_days = models.PositiveIntegerField(_("only people inactive for days"), null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    state = models.CharField(_("state"), max_length=24, choices=ReviewState.choices, default=ReviewState.OPEN)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    created_at = models.DateTimeField(_("started"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("access review")
        verbose_name_plural = _("access reviews")
        indexes = [
            # The worker's backstop finds the open reviews whose deadline has come.
            models.Index(fields=["state", "deadline"], name="review_state_deadline_idx"),
            models.Index(fields=["instance", "state"], name="review_instance_state_idx"),
        ]

    def __str__(self) -> str:
        # Stored as the audit entries' target label, which every reader reads: no words of one language.
        return f"#{self.pk}"

    @property
    def title(self) -> str:
        return str(_("Access review %(number)s") % {"number": self.pk})

    @property
    def is_open(self) -> bool:
        return self.state == ReviewState.OPEN

    @property
    def takes_answers(self) -> bool:
        """Open and before its deadline: answers can still change (after it, the worker applies them)."""
        return self.is_open and self.deadline > timezone.now()

    @property
    def last_day(self) -> date:
        """The last day to answer, in the cockpit's time: the deadline is the end of it (00:00 of the next)."""
        return (timezone.localtime(self.deadline) - timedelta(microseconds=1)).date()


class AccessReviewRow(models.Model):
    """One thing a person holds (a role on a company or entity, a Cockpit Share), as it was when the review started,
    with its reviewer's decision and, once applied, what became of it."""

    review = models.ForeignKey(AccessReview, on_delete=models.CASCADE, related_name="rows")
    # The source that listed it and removes it (users.review_sources.REVIEW_SOURCES) and its object's id there.
    kind = models.CharField(max_length=32)
    object_id = models.PositiveBigIntegerField()
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("person")
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("reviewer")
    )
    # What it was, frozen at the start: the outcome still names what a removal took away.
    role = models.ForeignKey(Role, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("role"))
    level = models.CharField(_("level"), max_length=16)
    place = models.CharField(_("where"), max_length=300, blank=True)
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("given by")
    )
    given_at = models.DateTimeField(_("given"), null=True)
    decision = models.CharField(_("decision"), max_length=8, choices=Decision.choices, blank=True, default="")
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided"), null=True)
    outcome = models.CharField(_("outcome"), max_length=8, choices=Outcome.choices, blank=True, default="")

    class Meta:
        ordering = ["review", "person", "id"]
        verbose_name = _("access review row")
        verbose_name_plural = _("access review rows")
        constraints = [models.UniqueConstraint("review", "kind", "object_id", name="review_row_once")]
        indexes = [
            # A reviewer's rows left to answer (the dashboard) and a review's rows by person (its page).
            models.Index(fields=["reviewer", "decision"], name="review_row_reviewer_idx"),
            models.Index(fields=["review", "person"], name="review_row_review_person_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.level_label}"

    @property
    def level_label(self) -> str:
        if self.level == SHARE_LEVEL:
            return str(_("Cockpit Share"))
        return str(Level(self.level).label) if self.level in Level.values else self.level
