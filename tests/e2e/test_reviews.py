"""A manager starts an access review of the external people at their company, answers it row by row, and reads its
outcome once the deadline has been applied, at a phone's and a laptop's width, in English and German."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from entities.models import CompanyGrant, Level
from tests.factories import CompanyFactory, InstanceFactory, UserFactory, grant_company_role
from tests.support.browser import log_in
from users.models import AccessReview, Decision, Outcome
from users.reviews import review_deadline_apply

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def project_manager():
    instance = InstanceFactory(slug="alpine", name="Alpine Facility Services")
    owner = CompanyFactory(instance=instance, name="Zurich Property AG")
    partner = CompanyFactory(instance=instance, name="Rhein Clean GmbH")
    manager = UserFactory(company=owner, email="pm@zurich.example", first_name="Petra", last_name="Projekt")
    grant_company_role(manager, Level.OWNER, owner, "projectmanager")
    for first, last in (("Anna", "Aebi"), ("Beat", "Brunner"), ("Carla", "Caflisch")):
        guest = UserFactory(company=partner, email=f"{first.lower()}@rhein.example", first_name=first, last_name=last)
        grant_company_role(guest, Level.OWNER, owner, "customer")
    return manager


@pytest.mark.parametrize("language", ["en", "de"])
def test_a_manager_starts_a_review_answers_it_and_reads_its_outcome(page, screenshot, project_manager, language):
    User.objects.filter(pk=project_manager.pk).update(language=language)
    log_in(page, project_manager.email)
    page.goto("/c/alpine/users/")
    page.get_by_test_id("access-reviews").click()
    screenshot(f"review-list-empty-{language}")
    page.get_by_test_id("start-review").click()

    form = page.get_by_test_id("review-form")
    form.locator("#id_company").select_option(label="Zurich Property AG")
    form.locator("input[name=subject][value=external]").check()
    form.locator("input[name=unanswered][value=remove]").check()
    screenshot(f"review-start-{language}")
    form.locator("button.primary[type=submit]").click()

    expect(page.get_by_test_id("review-row")).to_have_count(3)
    screenshot(f"review-answer-{language}")
    decisions = page.get_by_test_id("decision")
    decisions.nth(0).select_option("keep")
    decisions.nth(1).select_option("remove")
    page.locator("input[name^=reason-]").nth(1).fill("Contract ended")
    page.get_by_test_id("save-answers").click()
    expect(page.get_by_test_id("decision").nth(1)).to_have_value("remove")

    review = AccessReview.objects.get()
    assert sorted(review.rows.values_list("decision", flat=True)) == ["", Decision.KEEP, Decision.REMOVE]
    # The worker at the deadline.
    AccessReview.objects.filter(pk=review.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    assert review_deadline_apply.call(review.pk) is True

    page.reload()
    expect(page.get_by_test_id("review-outcome")).to_be_visible()
    expect(page.locator("[data-outcome=removed]")).to_have_count(2)
    screenshot(f"review-outcome-{language}")
    assert review.rows.filter(outcome=Outcome.REMOVED).count() == 2
    assert CompanyGrant.objects.filter(user__company__name="Rhein Clean GmbH").count() == 1
