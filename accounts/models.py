from django.conf import settings
from django.contrib.auth import models as auth_models
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from django_otp.models import SideChannelDevice, ThrottlingMixin

from accounts.phone import validate_phone
from entities.access import Subject
from entities.models import Company, CompanyGrant, EntityGrant, Instance, Role

SHOW_ALL_ONLY_FOR_OPERATOR = _(
    "Only operator (soobr) employees may see all business entities; %(company)s is not the operator."
)
SHOW_ALL_NEEDS_ROLE = _("Choose the role this user sees all business entities with.")
SHOW_ALL_ONLY_FOR_PROJECT_MANAGERS = _(
    "Only the operator's project managers may see all business entities: give this user a project-manager role "
    "(e.g. Projectmanager) on %(company)s first."
)
ROLE_ONLY_WITH_SHOW_ALL = _("A role for all business entities is only kept while 'show all' is on.")
OPERATOR_ROLE_FOR_CUSTOMER = _("%(role)s is an operator-only role; %(company)s is not the operator.")
STAFF_ONLY_FOR_OPERATOR = _("Only operator (soobr) employees may use the Django admin.")
SUPERUSER_ONLY_FOR_OPERATOR_STAFF = _("Only operator (soobr) staff may be superusers.")
OTP_REQUIRED_FOR_SHOW_ALL = _("Two-factor authentication is mandatory for users who see all business entities.")
OPERATOR_ROLES_HELD = _(
    "This user holds operator roles; remove them before moving the user out of the operator company."
)
EMAIL_TAKEN = _("A user with this email address already exists.")
SHOW_ALL_ROLE_SPECIAL = _("%(role)s is a special role; it acts only on single business entities, never on all of them.")


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    GERMAN = "de", _("German")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, email: str | None) -> "User":
        # Emails are stored lower-case (User.save), so the exact lookup uses the unique index.
        return self.get(email=(email or "").strip().lower())

    def _create_user(self, email: str, password: str | None, **extra_fields) -> "User":
        if not email:
            raise ValueError("Users log in by email; an email address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields) -> "User":
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields) -> "User":
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        if isinstance(extra_fields.get("company"), int | str):
            extra_fields["company"] = Company.objects.get(pk=extra_fields["company"])
        return self._create_user(email, password, **extra_fields)


class SMSDevice(ThrottlingMixin, SideChannelDevice):
    """A second factor by SMS: a code sent through outbox.sms to the user's stored mobile number.

    The number is the user's own (User.mobile_phone), so changing it, which needs the
    password, moves the device with it. A code is single-use and a new one replaces
    the last (SideChannelDevice); wrong codes slow further tries down (ThrottlingMixin).
    A code counts only in the session that asked for it (OWASP ASVS 6.6.2): the hash of
    that session's challenge is kept with it (accounts.second_factor).
    """

    challenge_hash: "models.CharField[str, str]" = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("SMS device")
        verbose_name_plural = _("SMS devices")

    def get_throttle_factor(self) -> int:
        return settings.OTP_SMS_THROTTLE_FACTOR

    def verify_token(self, token) -> bool:
        allowed, _details = self.verify_is_allowed()
        if not allowed:
            return False
        if super().verify_token(token):
            self.throttle_reset()
            return True
        self.throttle_increment()
        return False


class RequiredFor(models.TextChoices):
    """Who a cockpit's second-factor policy asks for a second factor, beyond the rule that holds everywhere."""

    BUILT_IN = "built_in", _("Nobody beyond the built-in rule (Django admin, show-all, the person's own setting)")
    USER_MANAGERS = "user_managers", _("Everyone who manages users")
    EVERYONE = "everyone", _("Everyone")


class SecondFactorPolicy(models.Model):
    """A cockpit's second-factor policy, set by operator staff (accounts.second_factor.second_factor_policy_set).

    A cockpit without a row has the default: the built-in rule only, every offered method counts.
    """

    instance = models.OneToOneField(
        Instance, on_delete=models.CASCADE, related_name="second_factor_policy", verbose_name=_("cockpit")
    )
    required_for = models.CharField(
        _("second factor required for"), max_length=16, choices=RequiredFor.choices, default=RequiredFor.BUILT_IN
    )
    sms_counts = models.BooleanField(
        _("SMS counts as a second factor"),
        default=True,
        help_text=_(
            "Off: people of this cockpit use another method than SMS. SMS never counts for people who may open "
            "the Django admin."
        ),
    )
    grace_days = models.PositiveSmallIntegerField(
        _("grace period (days)"),
        default=0,
        validators=[MaxValueValidator(90)],
        help_text=_(
            "Days in which a person the policy newly asks for a second factor may still work without one, "
            "reminded by a banner; afterwards the password step leads only to the set-up."
        ),
    )
    # From when the policy asks what it asks now: a grace period counts from here (or from the person's joining).
    required_since = models.DateTimeField(_("required since"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("second-factor policy")
        verbose_name_plural = _("second-factor policies")

    def __str__(self) -> str:
        return str(self.instance)


# A week's warning must fit before the end (users.inactivity.NOTICE_DAYS), and then some.
INACTIVITY_MIN_DAYS = 14
INACTIVITY_MAX_DAYS = 3650


def _inactivity_days(verbose_name, **kwargs) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        verbose_name,
        validators=[MinValueValidator(INACTIVITY_MIN_DAYS), MaxValueValidator(INACTIVITY_MAX_DAYS)],
        **kwargs,
    )


class InactivityPolicy(models.Model):
    """A cockpit's rule for people who stay away, set by operator staff (users.inactivity.inactivity_policy_set).

    A cockpit without a row, or with the rule off, switches nobody off.
    """

    instance = models.OneToOneField(
        Instance, on_delete=models.CASCADE, related_name="inactivity_policy", verbose_name=_("cockpit")
    )
    enabled = models.BooleanField(
        _("switch off inactive people"),
        default=False,
        help_text=_(
            "People who have not signed in for the days below are deactivated, after an email to them and their "
            "manager a week before."
        ),
    )
    days = _inactivity_days(_("days without sign-in"), default=90)
    external_days = _inactivity_days(
        _("days for external people"),
        null=True,
        blank=True,
        help_text=_("People of another company of this cockpit who hold roles here; empty: as everyone."),
    )
    shared_days = _inactivity_days(
        _("days for shared people"),
        null=True,
        blank=True,
        help_text=_(
            "Users of other cockpits with a Cockpit Share of this one, counted from their last visit; their share "
            "is removed, not their login. Empty: as everyone."
        ),
    )
    include_operator_staff = models.BooleanField(
        _("operator staff too"),
        default=False,
        help_text=_("Off: operator staff (Django admin users) are never switched off for inactivity."),
    )

    class Meta:
        verbose_name = _("inactivity policy")
        verbose_name_plural = _("inactivity policies")

    def __str__(self) -> str:
        return str(self.instance)


class InactivityNotice(models.Model):
    """The warning a person got that their access to a cockpit ends for inactivity: one per idle stretch.

    The stretch is named by the day it began (their last sign-in, visit, joining or reactivation), so a
    new sign-in starts a new stretch, and the worker's next run, a restart or a second worker never warn twice.
    """

    instance = models.ForeignKey(Instance, on_delete=models.CASCADE, related_name="+", verbose_name=_("cockpit"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    idle_since = models.DateField(_("idle since"))
    sent_at = models.DateTimeField(_("warned"))

    class Meta:
        verbose_name = _("inactivity warning")
        verbose_name_plural = _("inactivity warnings")
        constraints = [
            models.UniqueConstraint("instance", "user", "idle_since", name="inactivity_notice_once_per_stretch")
        ]

    def __str__(self) -> str:
        return f"{self.instance} · {self.user_id} · {self.idle_since}"


class RateLimitCounter(models.Model):
    """One counter of the database rate-limit store (accounts/throttle.py), shared by every worker."""

    key = models.CharField(max_length=400, unique=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"


class User(AbstractBaseUser, PermissionsMixin):  # type: ignore[django-manager-missing]  # django-otp is untyped
    """A person with a login; belongs to one company and so to one home instance."""

    email = models.EmailField(_("email address"), max_length=254, unique=True)
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="users", verbose_name=_("company"))
    mobile_phone = models.CharField(
        _("mobile phone"),
        max_length=16,
        blank=True,
        validators=[validate_phone],
        help_text=_("As you dial it, e.g. 079 123 45 67; other countries with their code, e.g. +49 151 2345 6789."),
    )
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.GERMAN)
    sees_all_entities = models.BooleanField(
        _("show this user all business entities"),
        default=False,
        help_text=_("Only for operator (soobr) employees."),
    )
    all_entities_role = models.ForeignKey(
        Role,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("role for all business entities"),
        limit_choices_to={"is_share_role": False, "is_special": False},
    )
    chat_enabled = models.BooleanField(
        _("chat"), default=False, help_text=_("Only while one of the user's roles allows chat.")
    )
    otp_required = models.BooleanField(
        _("two-factor authentication required"),
        default=False,
        help_text=_("Always on for operator employees who see all business entities."),
    )
    must_change_password = models.BooleanField(_("must change password"), default=False, editable=False)
    temporary_password_expires_at = models.DateTimeField(
        _("temporary password expires"), null=True, blank=True, editable=False
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("operator staff"), default=False, help_text=_("May log in to the Django admin (operator employees only).")
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    # Part of every session's auth hash: raising it ends all of the user's sessions at once.
    session_generation = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["company"]

    class Meta:
        ordering = ["last_name", "first_name", "email"]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_unique_email_ci", violation_error_message=EMAIL_TAKEN),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def save(self, *args, **kwargs) -> None:
        # The operator rules are guarded here as well as in clean(): saves that skip
        # validation (scripts, shell, bulk tools) must not hand a customer every entity.
        update_fields = kwargs.get("update_fields")
        if update_fields is None or not {
            "sees_all_entities",
            "all_entities_role",
            "is_staff",
            "company",
            "otp_required",
            "is_superuser",
        }.isdisjoint(update_fields):
            self._validate_operator_rules()
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).strip().lower()
        if self.email and User.objects.filter(email=self.email).exclude(pk=self.pk).exists():
            raise ValidationError({"email": ValidationError(EMAIL_TAKEN, code="email_taken")})
        if self.sees_all_entities:
            # Seed 003: two-factor authentication is mandatory for those who see all entities:
            # switched on here for every form and service, not asked for.
            self.otp_required = True
        self._validate_operator_rules()
        if self.sees_all_entities and not self.holds_operator_project_manager_role():
            # Asked of validated writes, not in save(): the grant it needs is written after the user. The
            # access rules ignore "show all" without it anyway (rules.PROJECT_MANAGER_OF_OPERATOR).
            raise ValidationError(
                {
                    "sees_all_entities": ValidationError(
                        SHOW_ALL_ONLY_FOR_PROJECT_MANAGERS,
                        code="show_all_not_project_manager",
                        params={"company": self.company.name if self.company_id else "-"},
                    )
                }
            )

    def holds_operator_project_manager_role(self) -> bool:
        """Seed 003: a project-manager role on the operator's own company of the user's cockpit."""
        return (
            bool(self.pk and self.company_id)
            and CompanyGrant.objects.in_force()
            .filter(
                user_id=self.pk,
                company__is_operator=True,
                company__instance_id=self.company.instance_id,
                role__is_project_manager=True,
            )
            .exists()
        )

    def _validate_operator_rules(self) -> None:
        errors: dict[str, ValidationError] = {}
        is_operator = self.is_operator_employee
        company_name = self.company.name if self.company_id else "-"
        if self.sees_all_entities:
            if not is_operator:
                errors["sees_all_entities"] = ValidationError(
                    SHOW_ALL_ONLY_FOR_OPERATOR, code="show_all_not_operator", params={"company": company_name}
                )
            elif self.all_entities_role_id is None:
                errors["all_entities_role"] = ValidationError(SHOW_ALL_NEEDS_ROLE, code="show_all_needs_role")
        elif self.all_entities_role_id is not None:
            errors["all_entities_role"] = ValidationError(ROLE_ONLY_WITH_SHOW_ALL, code="role_without_show_all")
        role = self.all_entities_role if self.all_entities_role_id is not None else None
        if role is not None and "sees_all_entities" not in errors and role.is_operator_only and not is_operator:
            errors["all_entities_role"] = ValidationError(
                OPERATOR_ROLE_FOR_CUSTOMER,
                code="operator_role",
                params={"role": role.label, "company": company_name},
            )
        if role is not None and role.is_special:
            errors["all_entities_role"] = ValidationError(
                SHOW_ALL_ROLE_SPECIAL, code="special_role", params={"role": role.label}
            )
        if self.sees_all_entities and not self.otp_required and "sees_all_entities" not in errors:
            errors["otp_required"] = ValidationError(OTP_REQUIRED_FOR_SHOW_ALL, code="otp_required")
        if self.pk and not is_operator and self._holds_operator_roles():
            errors["company"] = ValidationError(OPERATOR_ROLES_HELD, code="operator_roles_held")
        if self.is_staff and not is_operator:
            errors["is_staff"] = ValidationError(STAFF_ONLY_FOR_OPERATOR, code="staff_not_operator")
        if self.is_superuser and not (is_operator and self.is_staff):
            # A superuser outranks every manager, so a customer superuser would leave the operator's
            # User Management while their company's manager still ran them.
            errors["is_superuser"] = ValidationError(SUPERUSER_ONLY_FOR_OPERATOR_STAFF, code="superuser_not_staff")
        if errors:
            raise ValidationError(errors)

    def _holds_operator_roles(self) -> bool:
        return (
            CompanyGrant.objects.filter(user_id=self.pk, role__is_operator_only=True).exists()
            or EntityGrant.objects.filter(user_id=self.pk, role__is_operator_only=True).exists()
        )

    @property
    def is_operator_employee(self) -> bool:
        return bool(self.company_id) and self.company.is_operator

    @property
    def is_operator_staff(self) -> bool:
        """Operator staff manage every user of every cockpit (but other staff)."""
        return bool(self.is_active and self.is_staff and self.is_operator_employee)

    @property
    def awaits_first_login(self) -> bool:
        """Active and never chose a password of their own: what they need is a welcome email (again).

        A user created in the admin with password-based sign-in disabled has no usable
        password and so awaits it too; a removed user does not (their password is unusable as well).
        """
        return self.is_active and (self.must_change_password or not self.has_usable_password())

    @property
    def temporary_password_expired(self) -> bool:
        return (
            self.must_change_password
            and self.temporary_password_expires_at is not None
            and timezone.now() >= self.temporary_password_expires_at
        )

    @property
    def instance_id(self) -> int | None:
        return self.company.instance_id if self.company_id else None

    def access_subject(self) -> Subject:
        """Who this user is to the access rules; the rules decide what of it counts."""
        return Subject(
            user_id=self.pk,
            home_instance_id=self.company.instance_id,
            company_id=self.company_id,
            is_operator=self.company.is_operator,
            is_active=self.is_active,
            show_all_role_id=self.all_entities_role_id if self.sees_all_entities else None,
            chat_enabled=self.chat_enabled,
        )

    def has_perm(self, perm: str, obj=None) -> bool:
        # Rights on a business entity come from roles only: a superuser is no exception there.
        if obj is not None and obj._meta.label == "entities.BusinessEntity":
            # PermissionsMixin's own helper: asks every backend, a PermissionDenied ends the question.
            return self.is_active and auth_models._user_has_perm(self, perm, obj)  # type: ignore[attr-defined]
        return super().has_perm(perm, obj)

    def get_session_auth_hash(self) -> str:
        return self._session_hash(secret=None)

    def get_session_auth_fallback_hash(self):
        for fallback_secret in settings.SECRET_KEY_FALLBACKS:
            yield self._session_hash(secret=fallback_secret)

    def _session_hash(self, *, secret: str | bytes | None) -> str:
        # Django's own hash covers the password; the generation lets us end sessions without changing it.
        return salted_hmac(
            "accounts.User.get_session_auth_hash",
            f"{self.password}:{self.session_generation}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name or self.email
