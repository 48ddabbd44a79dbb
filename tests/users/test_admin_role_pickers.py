"""The admin's user and grant pages: their headings read right in both languages, and their role pickers offer the
roles the grant may hold, without icons that add, change or delete a catalogue role from there."""

import pytest
from django.urls import reverse

from accounts.models import User
from entities.models import Level, Role
from entities.selectors import grantable_roles

pytestmark = pytest.mark.django_db


def reading_in(operator_admin, language):
    User.objects.filter(pk=operator_admin.pk).update(language=language)


def user_page(admin_client, user):
    return admin_client.get(reverse("admin:accounts_user_change", args=[user.pk])).content.decode()


def role_options(response, field_name):
    """The roles a page's role picker offers, by code."""
    return set(response.context["adminform"].form.fields[field_name].queryset.values_list("code", flat=True))


# --- headings --------------------------------------------------------------------------------------------------


def test_user_page_heads_the_company_roles_in_english(admin_client, user):
    page = user_page(admin_client, user)

    assert "Roles on companies (levels)" in page
    assert "(level)s" not in page


def test_user_page_heads_the_company_roles_in_german(admin_client, operator_admin, user):
    reading_in(operator_admin, "de")

    page = user_page(admin_client, user)

    assert "Rollen für Firmen (Ebenen)" in page
    assert "(Ebene)s" not in page


@pytest.mark.parametrize("language", ["en", "de"])
def test_no_inline_heading_is_its_singular_with_an_s(rf, operator_admin, language):
    """Django makes a missing plural from the singular and an "s": "Role on a company (level)s"."""
    from django.contrib import admin
    from django.utils import translation

    request = rf.get("/admin/")
    request.user = operator_admin
    with translation.override(language):
        made_up = [
            f"{model_admin}: {inline.verbose_name_plural}"
            for model_admin in admin.site._registry.values()
            for inline in model_admin.get_inline_instances(request, model_admin.model())
            if str(inline.verbose_name_plural) == f"{inline.verbose_name}s"
        ]

    assert made_up == []


# --- no icons on role pickers ----------------------------------------------------------------------------------


ICONS = ("add_id_{field}", "change_id_{field}", "delete_id_{field}", "view_id_{field}")


def test_user_page_role_pickers_carry_no_add_change_or_delete_icons(admin_client, user):
    page = user_page(admin_client, user)

    for field in ("company_grants-__prefix__-role", "all_entities_role"):
        assert not [icon for icon in ICONS if icon.format(field=field) in page], field


def test_user_page_company_picker_keeps_its_icons(admin_client, user):
    """Only role pickers lose them: the catalogue is what a slip there would change."""
    page = user_page(admin_client, user)

    assert "add_id_company_grants-__prefix__-company" in page


def test_entity_grant_page_role_picker_carries_no_icons(admin_client):
    page = admin_client.get(reverse("admin:entities_entitygrant_add")).content.decode()

    assert not [icon for icon in ICONS if icon.format(field="role") in page]


def test_role_page_is_where_roles_are_added(admin_client):
    page = admin_client.get(reverse("admin:entities_role_changelist")).content.decode()

    assert reverse("admin:entities_role_add") in page


# --- special roles only where the rules use them ---------------------------------------------------------------


def test_grantable_roles_at_a_company_level_leave_out_special_and_share_roles():
    codes = set(grantable_roles(Level.OWNER).values_list("code", flat=True))

    assert "inventory-manager" not in codes and "cad-plan-provider" not in codes
    assert "projectmanager" in codes
    assert not Role.objects.filter(code__in=codes, is_share_role=True).exists()


def test_grantable_roles_on_an_entity_include_the_special_roles():
    codes = set(grantable_roles(Level.ENTITY).values_list("code", flat=True))

    assert {"inventory-manager", "tablet-provider", "cad-plan-provider"} <= codes
    assert not Role.objects.filter(code__in=codes, is_share_role=True).exists()


def test_user_page_company_role_picker_offers_no_special_role(admin_client, user):
    response = admin_client.get(reverse("admin:accounts_user_change", args=[user.pk]))

    formsets = {inline.formset.prefix: inline.formset for inline in response.context["inline_admin_formsets"]}
    offered = formsets["company_grants"].empty_form.fields["role"].queryset
    assert set(offered.values_list("code", flat=True)) == set(
        grantable_roles(Level.OWNER).values_list("code", flat=True)
    )
    assert not offered.filter(is_special=True).exists()


def test_entity_grant_page_offers_the_special_roles(admin_client):
    response = admin_client.get(reverse("admin:entities_entitygrant_add"))

    assert "inventory-manager" in role_options(response, "role")


def test_user_page_show_all_picker_offers_no_special_role(admin_client, user):
    response = admin_client.get(reverse("admin:accounts_user_change", args=[user.pk]))

    assert "inventory-manager" not in role_options(response, "all_entities_role")
