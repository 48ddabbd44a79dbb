"""Writes to users: each one transaction, each told who acts, each validated in full before saving."""

import re

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Language, User
from entities.models import Company, Role

USER_FIELDS_EDITABLE = (
    "email",
    "first_name",
    "last_name",
    "company",
    "mobile_phone",
    "language",
    "sees_all_entities",
    "all_entities_role",
    "is_staff",
    "otp_required",
    "chat_enabled",
)


def normalize_phone(phone: str) -> str:
    """Drop the spaces, dashes, dots and brackets people type; validation then checks E.164."""
    return re.sub(r"[\s\-.()/]", "", phone or "")


@transaction.atomic
def user_save(*, actor: AbstractBaseUser | None, user: User) -> User:
    """Validate and store a new or changed user (the admin's path; the functions below build on it)."""
    if user.sees_all_entities:
        # Seed 003: two-factor authentication is mandatory for those who see all entities.
        user.otp_required = True
    user.full_clean(exclude=["password"])
    user.save()
    return user


@transaction.atomic
def user_create(
    *,
    actor: AbstractBaseUser | None,
    email: str,
    company: Company,
    first_name: str = "",
    last_name: str = "",
    mobile_phone: str = "",
    language: str = Language.GERMAN,
    sees_all_entities: bool = False,
    all_entities_role: Role | None = None,
    is_staff: bool = False,
    otp_required: bool = False,
    chat_enabled: bool = False,
    password: str | None = None,
) -> User:
    """Create a user; without a password the account cannot log in until one is set."""
    user = User(
        email=email,
        company=company,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        mobile_phone=normalize_phone(mobile_phone),
        language=language,
        sees_all_entities=sees_all_entities,
        all_entities_role=all_entities_role,
        is_staff=is_staff,
        otp_required=otp_required,
        chat_enabled=chat_enabled,
    )
    user.set_password(password)
    return user_save(actor=actor, user=user)


@transaction.atomic
def user_update(*, actor: AbstractBaseUser | None, user: User, **changes) -> User:
    """Change a user's profile fields; invalid changes raise ValidationError and leave the row as it was."""
    unknown = set(changes) - set(USER_FIELDS_EDITABLE)
    if unknown:
        raise TypeError(f"user_update cannot change {sorted(unknown)}")
    if "mobile_phone" in changes:
        changes["mobile_phone"] = normalize_phone(changes["mobile_phone"])
    for field, value in changes.items():
        setattr(user, field, value)
    try:
        return user_save(actor=actor, user=user)
    except ValidationError:
        user.refresh_from_db()
        raise
