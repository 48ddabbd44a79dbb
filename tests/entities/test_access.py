"""The access rules of docs/access-rules.md, seed 003's example first; the single-entity checks of
entities/permissions.py, and answers kept per person within a request."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.http import Http404

from entities.access import (
    decode_access_key,
    entity_access,
    request_scope,
    subject_of,
    visible_entities,
)
from entities.models import Access, CompanyGrant, EntityGrant, Level, ProjectForm, Section
from entities.permissions import access_entity, section_right, user_can_edit_section
from entities.services import grant_change_role, grant_delete
from tests.factories import (
    BusinessEntityFactory,
    CompanyFactory,
    OperatorCompanyFactory,
    UserFactory,
    grant_company_role,
    grant_entity_role,
    owned_by,
)
from tests.support.access import agreed_answers

pytestmark = pytest.mark.django_db


def seen(user, instance) -> dict[str, tuple[str, str]]:
    """Entity name -> (level that decided, deciding role code), as the resolver lists them."""
    from entities.models import Role

    roles = dict(Role.objects.values_list("id", "code"))
    result = {}
    for entity in visible_entities(user.access_subject(), instance):
        level, role_id = decode_access_key(entity.access_key)
        result[entity.name] = (level, roles[role_id])
    return result


@pytest.fixture
def world(instance):
    """Seed 003's cast: owner A, provider B, and companies that are neither."""
    return {
        "A": CompanyFactory(instance=instance, name="Owner A"),
        "B": CompanyFactory(instance=instance, name="Provider B"),
        "X": CompanyFactory(instance=instance, name="Other owner X"),
        "Y": CompanyFactory(instance=instance, name="Other provider Y"),
        "C": CompanyFactory(instance=instance, name="Customer C"),
    }


def entity(instance, name, owner, provider, customer, **kwargs):
    return BusinessEntityFactory(
        instance=instance, name=name, owner=owner, service_provider=provider, customer=customer, **kwargs
    )


def test_seed_003_owner_a_and_provider_b_sees_b_with_b_rights_and_a_owned_with_a_rights(instance, world):
    # given: U has the owner role at A and the service provider role at B
    u = UserFactory(company=world["B"])
    grant_company_role(u, Level.OWNER, world["A"], "owner-project-manager")
    grant_company_role(u, Level.SERVICE_PROVIDER, world["B"], "provider-project-manager")
    entity(instance, "B's, not owned by A", world["X"], world["B"], world["C"])
    entity(instance, "B's, owned by A", world["A"], world["B"], world["C"])
    entity(instance, "owned by A, other provider", world["A"], world["Y"], world["C"])
    entity(instance, "neither A nor B", world["X"], world["Y"], world["C"])

    # when / then: every entity of provider B; those not owned by A with B's rights,
    # those owned by A with A's (owner) rights; entities of A with other providers with A's rights.
    assert seen(u, instance) == {
        "B's, not owned by A": (Level.SERVICE_PROVIDER, "provider-project-manager"),
        "B's, owned by A": (Level.OWNER, "owner-project-manager"),
        "owned by A, other provider": (Level.OWNER, "owner-project-manager"),
    }


def test_entity_without_a_matching_grant_is_invisible_and_has_no_access(instance, world, user):
    grant_company_role(user, Level.CUSTOMER, world["C"], "customer")
    hidden = entity(instance, "hidden", world["X"], world["Y"], CompanyFactory(instance=instance))

    assert hidden.name not in seen(user, instance)
    assert entity_access(user.access_subject(), hidden) is None


def test_entity_grant_decides_over_an_owner_grant(instance, world, user):
    building = entity(instance, "Klinik", world["A"], world["B"], world["C"])
    grant_company_role(user, Level.OWNER, world["A"], "projectmanager")
    grant_entity_role(user, building, "customer-analytics-only")

    assert seen(user, instance) == {"Klinik": (Level.ENTITY, "customer-analytics-only")}
    assert entity_access(user.access_subject(), building).role.code == "customer-analytics-only"


def test_owner_grant_decides_over_provider_and_customer_grants(instance, world, user):
    entity(instance, "Klinik", world["A"], world["B"], world["C"])
    grant_company_role(user, Level.CUSTOMER, world["C"], "customer")
    grant_company_role(user, Level.SERVICE_PROVIDER, world["B"], "team-leader")
    grant_company_role(user, Level.OWNER, world["A"], "manager")

    assert seen(user, instance) == {"Klinik": (Level.OWNER, "manager")}


def test_provider_grant_decides_over_a_customer_grant(instance, world, user):
    entity(instance, "Klinik", world["X"], world["B"], world["C"])
    grant_company_role(user, Level.CUSTOMER, world["C"], "customer")
    grant_company_role(user, Level.SERVICE_PROVIDER, world["B"], "team-leader")

    assert seen(user, instance) == {"Klinik": (Level.SERVICE_PROVIDER, "team-leader")}


def test_customer_grant_alone_shows_the_customers_entities(instance, world, user):
    entity(instance, "mine", world["X"], world["Y"], world["C"])
    entity(instance, "not mine", world["X"], world["Y"], CompanyFactory(instance=instance))
    grant_company_role(user, Level.CUSTOMER, world["C"], "customer")

    assert seen(user, instance) == {"mine": (Level.CUSTOMER, "customer")}


def test_easy_project_leader_acts_only_on_easy_entities(instance, world, user):
    entity(instance, "easy", world["A"], world["Y"], world["C"], project_form=ProjectForm.EASY)
    entity(instance, "standard", world["A"], world["Y"], world["C"])
    grant_company_role(user, Level.OWNER, world["A"], "easy-project-leader")

    assert seen(user, instance) == {"easy": (Level.OWNER, "easy-project-leader")}


def test_a_scoped_role_that_does_not_apply_lets_the_next_grant_decide(instance, world, user):
    entity(instance, "standard", world["A"], world["B"], world["C"])
    grant_company_role(user, Level.OWNER, world["A"], "easy-project-leader")
    grant_company_role(user, Level.SERVICE_PROVIDER, world["B"], "manager")

    assert seen(user, instance) == {"standard": (Level.SERVICE_PROVIDER, "manager")}


def test_sales_roles_act_only_on_the_operators_own_entities(instance, world):
    soobr = OperatorCompanyFactory(instance=instance)
    sales = UserFactory(company=soobr)
    entity(instance, "demo", soobr, world["B"], world["C"])
    entity(instance, "customer's", world["A"], world["B"], world["C"])
    grant_company_role(sales, Level.SERVICE_PROVIDER, world["B"], "sales")

    assert seen(sales, instance) == {"demo": (Level.SERVICE_PROVIDER, "sales")}


def test_operator_only_role_cannot_be_granted_to_a_customer(world, user):
    with pytest.raises(ValidationError, match="operator-only role"):
        grant_company_role(user, Level.OWNER, world["A"], "sales")
    assert not CompanyGrant.objects.exists()


def test_one_role_per_user_level_and_company(world, user):
    grant_company_role(user, Level.OWNER, world["A"], "manager")

    with pytest.raises(ValidationError, match="already has a role at this level for this company"):
        grant_company_role(user, Level.OWNER, world["A"], "customer")
    assert CompanyGrant.objects.count() == 1


def test_one_role_per_user_and_entity(instance, world, user):
    building = entity(instance, "Klinik", world["A"], world["B"], world["C"])
    grant_entity_role(user, building, "manager")

    with pytest.raises(ValidationError, match="already has a role on this business entity"):
        grant_entity_role(user, building, "customer")
    assert EntityGrant.objects.count() == 1


def test_show_all_operator_sees_every_entity_with_the_chosen_role_unless_a_grant_decides(instance, world):
    soobr = OperatorCompanyFactory(instance=instance)
    from entities.models import Role

    pm = UserFactory(
        company=soobr, sees_all_entities=True, otp_required=True, all_entities_role=Role.objects.get(code="superuser")
    )
    entity(instance, "one", world["A"], world["B"], world["C"])
    entity(instance, "two", world["X"], world["Y"], world["C"])
    grant_company_role(pm, Level.OWNER, world["A"], "manager")

    assert seen(pm, instance) == {"one": (Level.OWNER, "manager"), "two": ("all", "superuser")}


def test_show_all_flag_forced_onto_a_customer_row_gives_nothing(instance, world, user):
    # Even if the flag reached the database behind the services' back, the resolver ignores it.
    from accounts.models import User
    from entities.models import Role

    entity(instance, "one", world["A"], world["B"], world["C"])
    User.objects.filter(pk=user.pk).update(sees_all_entities=True, all_entities_role=Role.objects.get(code="admin"))
    user.refresh_from_db()

    assert seen(user, instance) == {}


def test_show_all_of_an_operator_employee_without_a_project_manager_role_gives_nothing(instance, world):
    # Seed 003: "show all" is for soobr project managers only; a stale flag without the role is ignored.
    from entities.access import explain_access
    from entities.models import Role

    soobr = OperatorCompanyFactory(instance=instance)
    employee = UserFactory(
        company=soobr,
        sees_all_entities=True,
        otp_required=True,
        all_entities_role=Role.objects.get(code="superuser"),
        operator_project_manager=False,
    )
    grant_company_role(employee, Level.OWNER, soobr, "manager")  # a role at the operator, but no project manager's
    one = entity(instance, "one", world["A"], world["B"], world["C"])

    assert seen(employee, instance) == {}
    assert "no project-manager role" in explain_access(employee.access_subject(), one).grants[0].note

    grant_change_role(actor=None, grant=employee.company_grants.get(), role=Role.objects.get(code="projectmanager"))
    assert seen(employee, instance) == {"one": ("all", "superuser")}


def test_entities_of_another_instance_are_never_listed(instance, other_instance, world, user):
    entity(instance, "mine", world["A"], world["B"], world["C"])
    elsewhere = BusinessEntityFactory(instance=other_instance, name="elsewhere")
    grant_company_role(user, Level.OWNER, world["A"], "manager")

    assert seen(user, other_instance) == {}
    assert entity_access(user.access_subject(), elsewhere) is None


def test_revoking_a_grant_takes_effect_on_the_next_lookup(instance, world, user):
    building = entity(instance, "Klinik", world["A"], world["B"], world["C"])
    grant = grant_company_role(user, Level.OWNER, world["A"], "manager")
    assert entity_access(user.access_subject(), building) is not None

    grant_delete(actor=None, grant=grant)

    fresh_request_user = type(user).objects.get(pk=user.pk)
    assert entity_access(fresh_request_user.access_subject(), building) is None


def test_lowering_a_grant_takes_effect_on_the_next_lookup(instance, world, user):
    from entities.models import Role

    building = entity(instance, "Klinik", world["A"], world["B"], world["C"])
    grant = grant_company_role(user, Level.OWNER, world["A"], "projectmanager")

    grant_change_role(actor=None, grant=grant, role=Role.objects.get(code="customer-analytics-only"))

    assert (
        entity_access(type(user).objects.get(pk=user.pk).access_subject(), building).role.code
        == "customer-analytics-only"
    )


def test_listing_visible_entities_is_one_query_whatever_the_grants(instance, world, user, django_assert_num_queries):
    for n in range(5):
        entity(instance, f"e{n}", world["A"], world["B"], world["C"])
    grant_company_role(user, Level.OWNER, world["A"], "manager")
    grant_company_role(user, Level.SERVICE_PROVIDER, world["B"], "team-leader")
    grant_company_role(user, Level.CUSTOMER, world["C"], "customer")
    grant_entity_role(user, BusinessEntityFactory(instance=instance), "customer")

    with django_assert_num_queries(1):
        rows = list(visible_entities(user.access_subject(), instance).order_by("name"))
    assert len(rows) == 6


def test_explain_names_every_matching_grant_and_the_one_that_decides(instance, world, user):
    from entities.access import explain_access

    building = entity(instance, "Klinik", world["A"], world["B"], world["C"], project_form=ProjectForm.STANDARD)
    grant_company_role(user, Level.OWNER, world["A"], "easy-project-leader")
    grant_company_role(user, Level.SERVICE_PROVIDER, world["B"], "manager")
    grant_company_role(user, Level.CUSTOMER, world["C"], "customer")

    explanation = explain_access(user.access_subject(), building)

    assert [(g.level, g.role.code, g.applies, g.decided) for g in explanation.grants] == [
        (Level.OWNER, "easy-project-leader", False, False),
        (Level.SERVICE_PROVIDER, "manager", True, True),
        (Level.CUSTOMER, "customer", True, False),
    ]
    assert "acts only on entities of project form 'easy'" in explanation.grants[0].note
    assert "service provider grant decides" in explanation.reason
    assert explanation.rights["master_data"] == 1


def test_explain_says_why_an_entity_is_invisible(instance, world, user):
    from entities.access import explain_access

    building = entity(instance, "Klinik", world["A"], world["B"], world["C"])

    explanation = explain_access(user.access_subject(), building)

    assert not explanation.visible
    assert "invisible" in explanation.reason


def test_explain_always_agrees_with_the_resolver(instance, world):
    """Every combination of grants on a small world: explain, the list resolver and the one-entity lookup agree."""
    import itertools

    from entities.access import explain_access
    from entities.models import Role

    soobr = OperatorCompanyFactory(instance=instance)
    entities = [
        entity(instance, f"{o}-{p}-{form}", world[o], world[p], world["C"], project_form=form)
        for o, p, form in itertools.product("AX", "BY", [ProjectForm.STANDARD, ProjectForm.EASY])
    ] + [entity(instance, "demo", soobr, world["B"], world["C"])]
    roles = ["manager", "easy-project-leader", "customer", None]
    checked = 0
    for owner_role, provider_role, customer_role in itertools.product(roles, repeat=3):
        user = UserFactory(company=soobr)
        for level, company, role in (
            (Level.OWNER, "A", owner_role),
            (Level.SERVICE_PROVIDER, "B", provider_role),
            (Level.CUSTOMER, "C", customer_role),
        ):
            if role:
                grant_company_role(user, level, world[company], role)
        if owner_role == "manager":
            grant_entity_role(user, entities[0], "customer-analytics-only")
        if customer_role is None:
            user.sees_all_entities, user.all_entities_role = True, Role.objects.get(code="sales-read-only")
            user.otp_required = True
            user.save()
        listed = {e.pk: decode_access_key(e.access_key) for e in visible_entities(user.access_subject(), instance)}
        for building in entities:
            explanation = explain_access(user.access_subject(), building)
            expected = (explanation.deciding.level, explanation.deciding.role.pk) if explanation.visible else None
            assert listed.get(building.pk) == expected, (owner_role, provider_role, customer_role, building.name)
            one = entity_access(type(user).objects.get(pk=user.pk).access_subject(), building)
            assert ((one.level, one.role.pk) if one else None) == expected, (owner_role, provider_role, building.name)
            checked += 1
    assert checked == 64 * len(entities)


def test_entity_pages_list_exactly_what_the_resolver_lists_in_the_same_order(instance, world):
    """The paged fast path (index heads per grant) agrees with the one-query resolver, page by page."""
    from entities.access import entity_page
    from entities.models import Role

    soobr = OperatorCompanyFactory(instance=instance)
    for number in range(30):
        owner = world["A"] if number % 3 else world["X"]
        provider = world["B"] if number % 2 else world["Y"]
        form = ProjectForm.EASY if number % 5 == 0 else ProjectForm.STANDARD
        entity(instance, f"E{(number * 7) % 30:02d}", owner, provider, world["C"], project_form=form)
    mixed = UserFactory(company=world["B"])
    grant_company_role(mixed, Level.OWNER, world["A"], "easy-project-leader")
    grant_company_role(mixed, Level.SERVICE_PROVIDER, world["B"], "manager")
    grant_entity_role(mixed, entity(instance, "E99", world["X"], world["Y"], world["C"]), "customer")
    operator = UserFactory(
        company=soobr, sees_all_entities=True, otp_required=True, all_entities_role=Role.objects.get(code="manager")
    )
    grant_company_role(operator, Level.CUSTOMER, world["C"], "customer")

    for user in (mixed, operator):
        expected = [
            (e.pk, decode_access_key(e.access_key))
            for e in visible_entities(user.access_subject(), instance).order_by("name", "id")
        ]
        listed, number, more = [], 1, True
        while more:
            page = entity_page(user.access_subject(), instance, number=number, per_page=7)
            listed += [(e.pk, (level, role.pk)) for e, role, level in page.rows]
            assert page.total == len(expected)
            number, more = number + 1, page.has_next
        assert listed == expected


def test_entity_page_counts_exactly_up_to_the_cap_and_says_more_beyond(instance, world, user):
    from entities.access import count_visible_entities, entity_page

    for number in range(6):
        entity(instance, f"E{number}", world["A"], world["B"], world["C"])
    grant_company_role(user, Level.OWNER, world["A"], "manager")

    exact = entity_page(user.access_subject(), instance, cap=6)
    capped = entity_page(user.access_subject(), instance, cap=5)

    assert (exact.total, exact.capped) == (6, False)
    assert capped.capped and capped.total > 5
    assert count_visible_entities(user.access_subject(), instance, cap=5) == 6


def test_entity_page_counts_paths_that_together_pass_the_cap_as_more(instance, world, user):
    """No single grant passes the cap, their union does: still "more than cap", and overlaps count once."""
    from entities.access import count_visible_entities, entity_page

    for number in range(4):
        entity(instance, f"A{number}", world["A"], world["B"], world["C"])
        entity(instance, f"X{number}", world["X"], world["Y"], world["C"])
    grant_company_role(user, Level.OWNER, world["A"], "manager")
    grant_company_role(user, Level.OWNER, world["X"], "manager")
    grant_company_role(user, Level.SERVICE_PROVIDER, world["B"], "manager")  # the four A entities again

    assert entity_page(user.access_subject(), instance, cap=7).capped
    assert (
        entity_page(user.access_subject(), instance, cap=8).total,
        count_visible_entities(user.access_subject(), instance, cap=8),
    ) == (8, 8)


def test_entity_pages_end_at_the_cap_even_when_it_splits_a_page(instance, world, user):
    """With a cap of 3 and pages of 2, page 2 holds one entity, with the role that decides it."""
    from entities.access import entity_page

    for number in range(6):
        entity(instance, f"E{number}", world["A"], world["B"] if number == 3 else world["Y"], world["C"])
    grant_company_role(user, Level.OWNER, world["A"], "manager")
    grant_company_role(user, Level.SERVICE_PROVIDER, world["B"], "provider-project-manager")  # E3 only

    pages = [entity_page(user.access_subject(), instance, number=number, per_page=2, cap=3) for number in (1, 2, 3)]

    assert [[e.name for e, _, _ in page.rows] for page in pages] == [["E0", "E1"], ["E2"], ["E2"]]
    assert all(role.name == "Manager" for page in pages for _e, role, _level in page.rows)


def test_entity_page_search_treats_percent_and_underscore_literally(instance, world, user):
    from entities.access import EntityFilter, entity_page

    entity(instance, "100% Sauber", world["A"], world["B"], world["C"])
    entity(instance, "1000 Sauber", world["A"], world["B"], world["C"])
    entity(instance, "Haus_Nord", world["A"], world["B"], world["C"])
    entity(instance, "HausXNord", world["A"], world["B"], world["C"])
    grant_company_role(user, Level.OWNER, world["A"], "manager")

    percent = entity_page(user.access_subject(), instance, entity_filter=EntityFilter(search="100%"))
    underscore = entity_page(user.access_subject(), instance, entity_filter=EntityFilter(search="s_n"))

    assert [e.name for e, _, _ in percent.rows] == ["100% Sauber"]
    assert [e.name for e, _, _ in underscore.rows] == ["Haus_Nord"]


def test_entity_page_search_with_quotes_and_sql_finds_exactly_that_text(instance, world, user):
    from entities.access import EntityFilter, count_visible_entities, entity_page

    entity(instance, "O'Brien Halle", world["A"], world["B"], world["C"])
    entity(instance, "OBrien Halle", world["A"], world["B"], world["C"])
    entity(instance, "x'); DROP TABLE entities_company; --", world["A"], world["B"], world["C"])
    grant_company_role(user, Level.OWNER, world["A"], "manager")
    subject = user.access_subject()

    quote = entity_page(subject, instance, entity_filter=EntityFilter(search="o'brien"))
    injected = EntityFilter(search="'); DROP TABLE entities_company; --")

    assert [e.name for e, _, _ in quote.rows] == ["O'Brien Halle"]
    assert [e.name for e, _, _ in entity_page(subject, instance, entity_filter=injected).rows] == [
        "x'); DROP TABLE entities_company; --"
    ]
    assert count_visible_entities(subject, instance, entity_filter=injected) == 1


def test_entity_page_beyond_the_last_shows_the_last(instance, world, user):
    from entities.access import entity_page

    for number in range(3):
        entity(instance, f"E{number}", world["A"], world["B"], world["C"])
    grant_company_role(user, Level.OWNER, world["A"], "manager")

    page = entity_page(user.access_subject(), instance, number=9, per_page=2)

    assert page.number == 2 and [e.name for e, _, _ in page.rows] == ["E2"]


def test_show_all_covers_only_the_operators_own_cockpit(instance, other_instance, world):
    from entities.models import Role

    soobr = OperatorCompanyFactory(instance=instance)
    operator = UserFactory(
        company=soobr, sees_all_entities=True, otp_required=True, all_entities_role=Role.objects.get(code="admin")
    )
    elsewhere = BusinessEntityFactory(instance=other_instance, name="elsewhere")

    assert seen(operator, other_instance) == {}
    assert entity_access(operator.access_subject(), elsewhere) is None
    assert not operator.has_perm("entities.view_master_data", elsewhere)


def test_an_operator_role_stops_counting_when_its_holder_leaves_the_operator(instance, world):
    from accounts.models import User
    from entities.access import explain_access

    soobr = OperatorCompanyFactory(instance=instance)
    sales = UserFactory(company=soobr)
    demo = entity(instance, "demo", soobr, world["B"], world["C"])
    grant_company_role(sales, Level.SERVICE_PROVIDER, world["B"], "sales")
    assert seen(sales, instance) == {"demo": (Level.SERVICE_PROVIDER, "sales")}

    # moved behind the services' back, e.g. by a script
    User.objects.filter(pk=sales.pk).update(company=world["C"])
    moved = User.objects.select_related("company").get(pk=sales.pk)

    assert seen(moved, instance) == {}
    assert entity_access(moved.access_subject(), demo) is None
    assert "no longer works for the operator" in explain_access(moved.access_subject(), demo).grants[0].note


def test_a_company_grant_is_one_row_however_many_entities_the_company_has(instance, world, user):
    BusinessEntityFactory.create_batch(
        60, instance=instance, owner=world["A"], service_provider=world["B"], customer=world["C"]
    )

    grant_company_role(user, Level.OWNER, world["A"], "manager")

    assert (CompanyGrant.objects.filter(user=user).count(), EntityGrant.objects.filter(user=user).count()) == (1, 0)
    assert visible_entities(user.access_subject(), instance).count() == 60


def test_a_stale_grant_on_a_company_of_another_cockpit_is_ignored_by_every_path(instance, other_instance, user):
    # given: a grant pointing at a company of another cockpit, as a restore or data fix can leave behind
    from entities.access import explain_access
    from entities.models import Role

    foreign = CompanyFactory(instance=other_instance)
    building = BusinessEntityFactory(instance=other_instance, owner=foreign)
    CompanyGrant.objects.create(user=user, level=Level.OWNER, company=foreign, role=Role.objects.get(code="manager"))

    # then: the list, the page, the check, has_perm and explain all say invisible
    assert agreed_answers(user, building) == {
        ("list", None),
        ("page", None),
        ("check", None),
        ("has_perm", False),
        ("explain", None),
    }
    assert "another cockpit" in explain_access(user.access_subject(), building).grants[0].note


def test_a_grant_on_a_company_moved_to_another_cockpit_stops_counting(instance, other_instance, world, user):
    from entities.access import explain_access
    from entities.models import Company

    building = entity(instance, "Klinik", world["A"], world["B"], world["C"])
    grant_company_role(user, Level.OWNER, world["A"], "manager")
    Company.objects.filter(pk=world["A"].pk).update(instance=other_instance)

    assert seen(user, instance) == {}
    assert "belongs to another cockpit" in explain_access(user.access_subject(), building).grants[0].note


def test_a_special_role_written_at_a_company_level_gives_nothing(instance, world, user):
    from entities.access import explain_access
    from entities.models import Role

    building = entity(instance, "Klinik", world["A"], world["B"], world["C"])
    CompanyGrant.objects.create(
        user=user, level=Level.OWNER, company=world["A"], role=Role.objects.get(code="tablet-provider")
    )

    assert seen(user, instance) == {}
    assert entity_access(user.access_subject(), building) is None
    assert "special role" in explain_access(user.access_subject(), building).grants[0].note


def test_a_special_role_on_a_single_entity_shows_the_entity_to_no_reader(instance, world, user):
    from entities.access import explain_access

    building = entity(instance, "Klinik", world["A"], world["B"], world["C"])
    grant_entity_role(user, building, "cad-plan-provider")

    assert seen(user, instance) == {}
    assert agreed_answers(user, building) == {
        ("list", None),
        ("page", None),
        ("check", None),
        ("has_perm", False),
        ("explain", None),
    }
    (ignored,) = explain_access(user.access_subject(), building).grants
    assert "special role; it works on its own page" in ignored.note


def test_a_special_role_on_an_entity_leaves_it_to_the_users_other_grants(instance, world, user):
    building = entity(instance, "Klinik", world["A"], world["B"], world["C"])
    grant_company_role(user, Level.CUSTOMER, world["C"], "customer")
    grant_entity_role(user, building, "cad-plan-provider")

    assert seen(user, instance) == {"Klinik": (Level.CUSTOMER, "customer")}


def test_a_deactivated_user_sees_nothing_and_explain_says_why(instance, world, user):
    from entities.access import explain_access

    building = entity(instance, "Klinik", world["A"], world["B"], world["C"])
    grant_company_role(user, Level.OWNER, world["A"], "manager")
    user.is_active = False

    assert agreed_answers(user, building) == {
        ("list", None),
        ("page", None),
        ("check", None),
        ("has_perm", False),
        ("explain", None),
    }
    assert explain_access(user.access_subject(), building).grants[0].note == "Ignored: the user is deactivated."


def test_a_page_past_an_empty_list_is_page_one_of_one(instance, world, user):
    from entities.access import EntityFilter, entity_page

    entity(instance, "Klinik", world["A"], world["B"], world["C"])
    grant_company_role(user, Level.OWNER, world["A"], "manager")

    page = entity_page(user.access_subject(), instance, entity_filter=EntityFilter(search="nothing"), number=3)

    assert (page.number, page.num_pages, page.has_previous) == (1, 1, False)


# --- the entity checks: access_entity, section_right, user_can_edit_section --------------------


def test_access_entity_refuses_an_entity_of_another_cockpit(reader, building, other_instance):
    # when / then: the reader sees the entity in its own cockpit, never under another one
    with pytest.raises(Http404):
        access_entity(reader.access_subject(), other_instance, building.pk)


def test_access_entity_returns_the_entity_asked_for(reader, instance, owner):
    # given
    _first, second = owned_by(instance, owner, "Halle 1", "Halle 2")

    # when
    entity, _access = access_entity(reader.access_subject(), instance, second.pk)

    # then
    assert entity == second


def test_section_right_names_no_right_for_an_unknown_verb_on_a_known_section():
    # when / then
    assert section_right("entities.delete_users") is None


def test_user_can_edit_section_refuses_chat_to_a_user_with_chat_switched_off(owner, building, role):
    # given: Team leader may edit chat, but the user's chat is off
    leader = UserFactory(company=owner, chat_enabled=False)
    grant_company_role(leader, Level.OWNER, owner, "team-leader")
    assert entity_access(leader.access_subject(), building).allows(Section.CHAT, Access.EDIT)

    # when / then
    assert user_can_edit_section(leader.access_subject(), building, Section.CHAT) is False


# --- subject_of / request_scope ----------------------------------------------------------------


def test_subject_of_gives_an_anonymous_user_no_subject():
    # when / then
    assert subject_of(AnonymousUser()) is None


def test_request_scope_keeps_each_persons_answers_apart(reader, user, building):
    # given: the reader sees the building, the other user does not
    with request_scope():
        # when
        seen_by_reader = entity_access(reader.access_subject(), building)
        seen_by_user = entity_access(user.access_subject(), building)

    # then
    assert (seen_by_reader is not None, seen_by_user) == (True, None)


# --- what decides on other people's entities (deciding_roles_on_grants) ---------------------------


def test_what_decides_on_a_holders_entities_is_asked_per_role_they_hold_there(instance, world, user):
    from entities.access import deciding_roles_on_grants
    from entities.models import Role

    holder = UserFactory(company=world["A"])
    grant_entity_role(holder, entity(instance, "Owned by A", world["A"], world["Y"], world["C"]), "customer")
    grant_entity_role(holder, entity(instance, "Owned by X", world["X"], world["Y"], world["C"]), "inventory-manager")
    grant_company_role(user, Level.OWNER, world["A"], "projectmanager")
    roles = dict(Role.objects.values_list("code", "id"))

    answer = deciding_roles_on_grants(user.access_subject(), instance, [holder.pk])

    assert answer == {
        (holder.pk, roles["customer"], (Level.OWNER, roles["projectmanager"])),
        (holder.pk, roles["inventory-manager"], None),
    }


def test_someone_who_holds_nothing_sees_none_of_a_holders_entities(instance, world, user):
    from entities.access import deciding_roles_on_grants

    holder = UserFactory(company=world["A"])
    grant = grant_entity_role(holder, entity(instance, "Owned by A", world["A"], world["B"], world["C"]), "customer")

    answer = deciding_roles_on_grants(user.access_subject(), instance, [holder.pk])

    assert answer == {(holder.pk, grant.role_id, None)}


def test_many_entities_are_asked_in_parts_with_the_same_answers(instance, world, user, monkeypatch, count_queries):
    from entities.access import entities_access, single

    grant_company_role(user, Level.OWNER, world["A"], "projectmanager")
    buildings = [entity(instance, f"Haus {n}", world["A"], world["Y"], world["C"]) for n in range(4)]
    buildings.append(entity(instance, "Elsewhere", world["X"], world["Y"], world["C"]))
    with request_scope():
        one_by_one = {building.pk: entity_access(user.access_subject(), building) for building in buildings}
    answers: dict = {}

    def ask(per_query: int) -> int:
        monkeypatch.setattr(single, "ENTITIES_PER_QUERY", per_query)
        with request_scope():
            return count_queries(lambda: answers.update(entities_access(user.access_subject(), buildings)))

    at_once = ask(100)
    in_three_parts = ask(2)

    assert {pk: (a.level, a.role.pk) if a else None for pk, a in answers.items()} == {
        pk: (a.level, a.role.pk) if a else None for pk, a in one_by_one.items()
    }
    assert answers[buildings[-1].pk] is None and in_three_parts == at_once + 2
