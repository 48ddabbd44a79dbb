from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from entities.models import Company, Instance, Role
from sharing.modules import ShareLevel, share_role_code

NOTHING_SHARED = _("Give at least Inventory or Customer care.")
COMPANY_OF_THIS_COCKPIT = _(
    "%(company)s is a company of this cockpit; only companies of other cockpits receive shares."
)
END_IN_THE_PAST = _("The end date must be today or later.")


class SharingSettings(models.Model):
    """A cockpit's sharing settings, kept by the operator: the feature flag and the allow-list."""

    instance = models.OneToOneField(
        Instance, on_delete=models.CASCADE, related_name="sharing_settings", verbose_name=_("cockpit")
    )
    is_shareable = models.BooleanField(
        _("Shareable Cockpit"),
        default=False,
        help_text=_("Company admins of this cockpit may share it with single users of the allowed companies."),
    )
    allowed_companies: models.ManyToManyField = models.ManyToManyField(
        Company,
        through="AllowedCompany",
        blank=True,
        related_name="+",
        verbose_name=_("allow-list"),
        help_text=_("Companies of other cockpits whose users may receive shares of this cockpit."),
    )

    class Meta:
        verbose_name = _("sharing settings")
        verbose_name_plural = _("sharing settings")

    def __str__(self) -> str:
        return str(self.instance)


class AllowedCompany(models.Model):
    """One company of the allow-list."""

    settings = models.ForeignKey(SharingSettings, on_delete=models.CASCADE, related_name="allowed")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+", verbose_name=_("company"))

    class Meta:
        verbose_name = _("allowed company")
        verbose_name_plural = _("allow-list")
        constraints = [models.UniqueConstraint("settings", "company", name="allowed_company_once")]

    def __str__(self) -> str:
        return f"{self.company} ({self.company.instance})"

    def clean(self) -> None:
        super().clean()
        if self.company_id and self.settings_id and self.company.instance_id == self.settings.instance_id:
            raise ValidationError(
                {"company": ValidationError(COMPANY_OF_THIS_COCKPIT, params={"company": self.company.name})}
            )


class ShareState(models.TextChoices):
    INVITED = "invited", _("invited")
    ACTIVE = "active", _("active")
    SUSPENDED = "suspended", _("suspended")
    EXPIRED = "expired", _("expired")


INVITATION_DAYS = 7


class Share(models.Model):
    """One cockpit shared with one user of another cockpit: Inventory and Customer care, each none, read or write.

    `role` is the catalogue's share role of those levels (set on save); the access
    rules read it like any grant's role (sharing/access.py).
    """

    instance = models.ForeignKey(Instance, on_delete=models.CASCADE, related_name="shares", verbose_name=_("cockpit"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shares", verbose_name=_("user")
    )
    inventory = models.PositiveSmallIntegerField(_("Inventory"), choices=ShareLevel.choices, default=ShareLevel.NONE)
    customer_care = models.PositiveSmallIntegerField(
        _("Customer care"), choices=ShareLevel.choices, default=ShareLevel.NONE
    )
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="+", editable=False)
    ends_on = models.DateField(
        _("ends on"), null=True, blank=True, help_text=_("Optional: the share stops by itself after this day.")
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("invited"), auto_now_add=True)
    invitation_token_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    invitation_expires_at = models.DateTimeField(_("invitation valid until"), null=True, blank=True, editable=False)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True, editable=False)
    last_visit_at = models.DateTimeField(_("last visit"), null=True, blank=True, editable=False)
    # Whether the history has its "expired" entry already (expiry is a moment, not a write).
    expiry_recorded = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("cockpit share")
        verbose_name_plural = _("cockpit shares")
        constraints = [models.UniqueConstraint("instance", "user", name="share_one_per_user_and_cockpit")]
        # The access rules read a user's shares on every request in a shared cockpit.
        indexes = [models.Index(fields=["user", "instance"], name="share_user_instance_idx")]

    def __str__(self) -> str:
        return f"{self.instance} → {self.user}"

    def save(self, *args, **kwargs) -> None:
        self.role = Role.objects.get(code=share_role_code(self.inventory, self.customer_care))
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        if self.inventory == ShareLevel.NONE and self.customer_care == ShareLevel.NONE:
            raise ValidationError(NOTHING_SHARED, code="nothing_shared")
        if self.ends_on is not None and self.ends_on < timezone.localdate() and self._state.adding:
            raise ValidationError({"ends_on": ValidationError(END_IN_THE_PAST, code="end_in_the_past")})

    def new_invitation_expiry(self):
        return timezone.now() + timedelta(days=INVITATION_DAYS)
