"""The seeded role catalogue and capability matrix, checked against seed 003's table and wording."""

import pytest

from entities.models import Access, Capability, EntityScope, Role, Section

pytestmark = pytest.mark.django_db

# Seed 003's table, row by row: name, chat. The seed's "Sales ready only" is its typo for read only.
SEED_003_ROLES = [
    ("Admin", False),
    ("Superuser extended", False),
    ("Superuser", False),
    ("Projectmanager extended", True),
    ("Projectmanager", True),
    ("Provider project manager", True),
    ("Owner project manager", True),
    ("Team leader", True),
    ("Manager", False),
    ("Customer expanded", False),
    ("Customer all without calculations", False),
    ("Customer", False),
    ("Customer analytics only", False),
    ("Quality feedback users", False),
    ("Customer tour activities and QC", True),
    ("Customer modify tour only", True),
    ("Customer with IoT access", True),
    ("Sales (soobr)", True),
    ("Sales read only (soobr)", False),
    ("Easy project leader", True),
    ("Inventory manager", False),
    ("Tablet provider", False),
    ("CAD plan provider", False),
]
OPERATOR_ROLES = {"Admin", "Superuser extended", "Superuser", "Sales (soobr)", "Sales read only (soobr)"}
SPECIAL_ROLES = {"Inventory manager", "Tablet provider", "CAD plan provider"}


def rights_of(code: str) -> dict[str, int]:
    return dict(Capability.objects.filter(role__code=code).values_list("section", "access"))


def test_catalogue_holds_every_role_of_seed_003_with_its_chat_flag():
    catalogue = dict(Role.objects.filter(is_share_role=False).values_list("name", "chat_allowed"))

    assert catalogue == dict(SEED_003_ROLES)


def test_catalogue_flags_exactly_the_operator_roles_and_special_roles():
    assert set(Role.objects.filter(is_operator_only=True).values_list("name", flat=True)) == OPERATOR_ROLES
    assert set(Role.objects.filter(is_special=True).values_list("name", flat=True)) == SPECIAL_ROLES


def test_capability_matrix_has_a_row_for_every_role_and_section():
    for role in Role.objects.all():
        assert set(rights_of(role.code)) == set(Section.values), role.name


def test_chat_section_is_open_exactly_for_roles_that_allow_chat():
    for role in Role.objects.all():
        assert (rights_of(role.code)[Section.CHAT] > Access.NONE) == role.chat_allowed, role.name


def test_manager_views_everything_and_edits_nothing():
    rights = rights_of("manager")

    assert Access.EDIT not in rights.values()
    business = set(Section.values) - {Section.CHAT, Section.ALPHA_FEATURES, Section.TABLETS, Section.PLAN_UPLOAD}
    assert {section for section, access in rights.items() if access == Access.VIEW} == business


def test_provider_project_manager_edits_performance_figures_and_route_planning_but_views_cleaning_categories():
    rights = rights_of("provider-project-manager")

    assert rights[Section.PERFORMANCE_FIGURES] == Access.EDIT
    assert rights[Section.ROUTE_PLANNING] == Access.EDIT
    assert rights[Section.CLEANING_CATEGORIES] == Access.VIEW
    assert rights[Section.USERS] == Access.EDIT  # "Can create and delete users."


def test_owner_project_manager_edits_cleaning_process_sees_no_performance_figures_only_views_route_planning():
    rights = rights_of("owner-project-manager")

    assert rights[Section.CLEANING_PROCESS] == Access.EDIT
    assert rights[Section.PERFORMANCE_FIGURES] == Access.NONE
    assert rights[Section.ROUTE_PLANNING] == Access.VIEW


def test_projectmanager_edits_all_entity_data_features_and_users():
    rights = rights_of("projectmanager")

    for section in (Section.MASTER_DATA, Section.FEATURES, Section.CLEANING_PROCESS, Section.USERS):
        assert rights[section] == Access.EDIT


def test_customer_analytics_only_sees_only_analytics():
    rights = rights_of("customer-analytics-only")

    assert {section for section, access in rights.items() if access} == {Section.ANALYTICS}
    assert rights[Section.ANALYTICS] == Access.VIEW


def test_customer_all_without_calculations_is_read_only_without_calculation():
    rights = rights_of("customer-all-without-calculations")

    assert rights[Section.CALCULATION] == Access.NONE
    assert Access.EDIT not in rights.values()
    assert rights[Section.PERFORMANCE_FIGURES] == Access.VIEW


def test_customer_tour_activities_and_qc_sees_only_those_tabs_and_chat():
    rights = rights_of("customer-tour-activities-and-qc")

    assert {section for section, access in rights.items() if access} == {
        Section.TOUR_ACTIVITIES,
        Section.QUALITY_CONTROL,
        Section.CHAT,
    }


def test_special_roles_act_only_on_their_own_objects():
    assert {s for s, a in rights_of("inventory-manager").items() if a} == {Section.TABLETS}
    assert {s for s, a in rights_of("tablet-provider").items() if a} == {Section.TABLETS}
    assert {s for s, a in rights_of("cad-plan-provider").items() if a} == {Section.PLAN_UPLOAD}


def test_sales_roles_act_only_on_operator_entities_and_easy_leader_only_on_easy_entities():
    assert Role.objects.get(code="sales").entity_scope == EntityScope.OPERATOR_ENTITIES
    assert Role.objects.get(code="sales-read-only").entity_scope == EntityScope.OPERATOR_ENTITIES
    assert Role.objects.get(code="easy-project-leader").entity_scope == EntityScope.EASY_ENTITIES
    assert Access.EDIT not in rights_of("sales-read-only").values()
