"""Forms as the pages post them: My account's profile, User Management's new-user form, the user page at the
version it showed, and an external user's roles."""

import re

from django.urls import reverse

from accounts.models import User
from entities.models import Level, Role


def profile(user: User, **changes) -> dict:
    """The profile form as the page fills it in for the user, with `changes`."""
    return {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "language": user.language,
        "mobile_phone": user.mobile_phone,
        "password": "",
        **changes,
    }


def role_id(code):
    return Role.objects.get(code=code).pk


def create_form(company, *, grants=(), entity_grants=(), **overrides):
    """The new-user form for Nora Neu of `company`, with company grants (level, company, role code) and entity grants
    (entity, role code) as rows."""
    data = {
        "email": "neu@owner-a.example",
        "first_name": "Nora",
        "last_name": "Neu",
        "company": company.pk,
        "language": "de",
        "mobile_phone": "+41 79 555 12 12",
        "company-TOTAL_FORMS": str(len(grants)),
        "company-INITIAL_FORMS": "0",
        "entity-TOTAL_FORMS": str(len(entity_grants)),
        "entity-INITIAL_FORMS": "0",
    }
    for index, (level, grant_company, code) in enumerate(grants):
        data.update(
            {
                f"company-{index}-level": level,
                f"company-{index}-company": grant_company.pk,
                f"company-{index}-role": role_id(code),
            }
        )
    for index, (entity, code) in enumerate(entity_grants):
        data.update({f"entity-{index}-entity": f"{entity.name} (#{entity.pk})", f"entity-{index}-role": role_id(code)})
    data.update(overrides)
    return data


def user_page_form(user, company, role, **overrides):
    """The user page's form as it posts for `user`: their profile and one owner-level role (`role`, or none) at
    `company`."""
    data = {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "company": company.pk,
        "language": "en",
        "mobile_phone": "",
        "company-TOTAL_FORMS": "1",
        "company-INITIAL_FORMS": "1",
        "company-0-level": Level.OWNER,
        "company-0-company": company.pk,
        "company-0-role": role.pk if role else "",
        "entity-TOTAL_FORMS": "0",
        "entity-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def edit_url(owner, employee) -> str:
    """The user page of `employee` in the cockpit of `owner`."""
    return reverse("users:user-edit", kwargs={"instance_slug": owner.instance.slug, "pk": employee.pk})


def versioned_edit_form(page, owner, last_name: str) -> dict:
    """The user page's form for Eva (customer at `owner`) with a new last name, at the version the page showed."""
    version = re.search(r'name="version" value="(\w+)"', page.content.decode()).group(1)
    return {
        "version": version,
        "email": "eva@owner-a.example",
        "first_name": "Eva",
        "last_name": last_name,
        "company": owner.pk,
        "language": "de",
        "company-TOTAL_FORMS": "1",
        "company-INITIAL_FORMS": "1",
        "company-0-level": Level.OWNER,
        "company-0-company": owner.pk,
        "company-0-role": Role.objects.get(code="customer").pk,
        "entity-TOTAL_FORMS": "0",
        "entity-INITIAL_FORMS": "0",
    }


def external_form(rows, *, initial):
    """The external user's roles form: rows of (level, company, role, delete), the first `initial` of them rendered."""
    data = {
        "company-TOTAL_FORMS": str(len(rows)),
        "company-INITIAL_FORMS": str(initial),
        "entity-TOTAL_FORMS": "0",
        "entity-INITIAL_FORMS": "0",
    }
    for index, (level, company, role, delete) in enumerate(rows):
        data.update(
            {f"company-{index}-level": level, f"company-{index}-company": company.pk, f"company-{index}-role": role.pk}
        )
        if delete:
            data[f"company-{index}-DELETE"] = "on"
    return data
