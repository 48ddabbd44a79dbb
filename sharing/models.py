from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from entities.models import Access, Company, EntityScope, Instance, Level, Role, Section
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
        blank=True,
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
    suspended_at = models.DateTimeField(
        _("suspended"),
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "Set when the share could not be given a scope within its giver's reach; it gives nothing until a "
            "manager or operator staff give it a scope again."
        ),
    )

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


class ScopeLevel(models.TextChoices):
    """Where a share applies: the entities of one company at one of their three levels, or the whole cockpit."""

    OWNER = Level.OWNER.value, Level.OWNER.label
    SERVICE_PROVIDER = Level.SERVICE_PROVIDER.value, Level.SERVICE_PROVIDER.label
    CUSTOMER = Level.CUSTOMER.value, Level.CUSTOMER.label
    COCKPIT = "cockpit", _("Whole cockpit")


SCOPE_COMPANY_MISSING = _("Choose the company whose business entities the share covers.")
SCOPE_COMPANY_FOR_COCKPIT = _("A share of the whole cockpit names no company.")
SCOPE_COMPANY_ELSEWHERE = _("%(company)s is a company of another cockpit.")


class ShareScope(models.Model):
    """Where a share applies, within its giver's reach, and at most what its giver could do there.

    The entities whose `level` company is `company` (as a company grant at that pair
    reaches them), or every entity of the cockpit; in both cases only those in
    `entity_scope`, the scope of the giver's own role there. The cap (ShareCap rows) is
    what the giver could do on those entities when they gave the scope: the access rules
    never give the share's user more on any section (sharing/access.py).
    """

    share = models.ForeignKey(Share, on_delete=models.CASCADE, related_name="scopes", verbose_name=_("share"))
    level = models.CharField(_("level"), max_length=16, choices=ScopeLevel.choices)
    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("company")
    )
    entity_scope = models.CharField(
        _("acts on"), max_length=32, choices=EntityScope.choices, default=EntityScope.ALL, editable=False
    )
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("given by"),
    )
    given_at = models.DateTimeField(_("given"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["share", "level", "id"]
        verbose_name = _("where the share applies")
        verbose_name_plural = _("where the share applies")
        constraints = [
            models.UniqueConstraint("share", "level", "company", name="share_scope_once"),
            models.UniqueConstraint("share", condition=models.Q(level="cockpit"), name="share_scope_cockpit_once"),
            models.CheckConstraint(
                condition=models.Q(level="cockpit", company__isnull=True)
                | (~models.Q(level="cockpit") & models.Q(company__isnull=False)),
                name="share_scope_company_iff_level",
            ),
        ]
        # The access rules read a share's scopes of one level on every request in a shared cockpit.
        indexes = [models.Index(fields=["share", "level"], name="share_scope_share_level_idx")]

    def __str__(self) -> str:
        if self.level == ScopeLevel.COCKPIT:
            return str(ScopeLevel.COCKPIT.label)
        return f"{self.get_level_display()} · {self.company}"

    def clean(self) -> None:
        super().clean()
        if self.level == ScopeLevel.COCKPIT and self.company_id is not None:
            raise ValidationError({"company": ValidationError(SCOPE_COMPANY_FOR_COCKPIT, code="company_for_cockpit")})
        if self.level != ScopeLevel.COCKPIT and self.company_id is None:
            raise ValidationError({"company": ValidationError(SCOPE_COMPANY_MISSING, code="company_missing")})
        if self.company is not None and self.share_id and self.company.instance_id != self.share.instance_id:
            raise ValidationError(
                {
                    "company": ValidationError(
                        SCOPE_COMPANY_ELSEWHERE, code="company_elsewhere", params={"company": self.company.name}
                    )
                }
            )


class ShareCap(models.Model):
    """One section of a scope's cap: the most a share may give there (what its giver could do when sharing)."""

    scope = models.ForeignKey(ShareScope, on_delete=models.CASCADE, related_name="caps", verbose_name=_("scope"))
    section = models.CharField(_("section"), max_length=32, choices=Section.choices)
    access = models.PositiveSmallIntegerField(_("at most"), choices=Access.choices, default=Access.NONE)

    class Meta:
        ordering = ["scope", "section"]
        verbose_name = _("share cap")
        verbose_name_plural = _("share caps")
        constraints = [models.UniqueConstraint("scope", "section", name="share_cap_once")]

    def __str__(self) -> str:
        return f"{self.scope}: {self.get_section_display()} ≤ {self.get_access_display()}"
