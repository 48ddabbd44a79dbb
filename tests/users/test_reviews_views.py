"""Access reviews' pages: who reaches them (anonymous, wrong user, wrong cockpit, right user), answering and stopping
through them, the CSV, the reviewers' email, and a constant number of queries on the lists."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from entities.models import Level
from tests.factories import InstanceFactory, UserFactory, grant_company_role
from tests.support.urls import users_url
from users.models import AccessReview, Decision, ReviewerMode, ReviewState, ReviewSubject, Unanswered
from users.reviews import review_decide, review_start

pytestmark = pytest.mark.django_db


@pytest.fixture
def externals(companies):
    people = []
    for number in range(3):
        person = UserFactory(company=companies["X"], email=f"guest{number}@other-x.example", last_name=f"Guest{number}")
        grant_company_role(person, Level.OWNER, companies["A"], "customer")
        people.append(person)
    return people


@pytest.fixture
def review(pm, instance, companies, externals):
    return review_start(
        actor=pm,
        instance=instance,
        company=companies["A"],
        subject=ReviewSubject.EXTERNAL,
        reviewer_mode=ReviewerMode.STARTER,
        deadline=timezone.now() + timedelta(days=7),
        unanswered=Unanswered.KEEP,
    )


def start_data(**overrides) -> dict:
    return {
        "company": "",
        "subject": ReviewSubject.EXTERNAL,
        "reviewer_mode": ReviewerMode.STARTER,
        "deadline": (timezone.localdate() + timedelta(days=14)).isoformat(),
        "unanswered": Unanswered.REMOVE,
        "inactive_days": "",
        **overrides,
    }


def test_review_pages_send_anonymous_people_to_sign_in(client, instance, review):
    for url in (users_url(instance, "review-list"), users_url(instance, "review-detail", pk=review.pk)):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_someone_who_manages_no_users_gets_403(login, colleague, instance, review):
    client = login(colleague)

    assert client.get(users_url(instance, "review-list")).status_code == 403
    assert client.get(users_url(instance, "review-start")).status_code == 403
    assert client.get(users_url(instance, "review-detail", pk=review.pk)).status_code == 403


def test_a_review_of_another_cockpit_answers_404(login, pm, review):
    other = InstanceFactory(slug="rhein")
    client = login(pm)

    assert client.get(users_url(other, "review-list")).status_code == 404
    assert client.get(users_url(other, "review-detail", pk=review.pk)).status_code == 404


def test_a_reviewer_outside_the_scope_gets_404_on_the_review(login, ppm, instance, review):
    client = login(ppm)

    assert client.get(users_url(instance, "review-detail", pk=review.pk)).status_code == 404
    assert client.post(users_url(instance, "review-stop", pk=review.pk), {"apply_decisions": "1"}).status_code == 404
    assert client.post(users_url(instance, "review-export", pk=review.pk)).status_code == 404


def test_the_starter_sees_the_review_with_its_rows_grouped_by_person(login, pm, instance, review, externals):
    response = login(pm).get(users_url(instance, "review-detail", pk=review.pk))

    assert response.status_code == 200
    content = response.content.decode()
    assert content.count('data-testid="review-person"') == 3
    assert content.count('data-testid="decision"') == 3


def test_the_list_links_the_review_and_the_people_list_links_the_reviews(login, pm, instance, review):
    client = login(pm)

    assert users_url(instance, "review-detail", pk=review.pk) in client.get(users_url(instance, "review-list")).text
    assert users_url(instance, "review-list") in client.get(users_url(instance)).text


def test_starting_a_review_through_the_form(login, pm, instance, companies, externals):
    response = login(pm).post(users_url(instance, "review-start"), start_data(company=companies["A"].pk))

    review = AccessReview.objects.get()
    assert response.status_code == 302 and response["Location"] == users_url(instance, "review-detail", pk=review.pk)
    assert review.rows.count() == 3
    assert timezone.localtime(review.deadline).time().hour == 0
    assert review.last_day == timezone.localdate() + timedelta(days=14)


def test_starting_a_review_of_a_company_out_of_reach_answers_403(login, pm, instance, companies, externals):
    response = login(pm).post(users_url(instance, "review-start"), start_data(company=companies["B"].pk))

    assert response.status_code == 403
    assert not AccessReview.objects.exists()


def test_the_start_form_offers_only_companies_in_reach(login, pm, instance, companies):
    content = login(pm).get(users_url(instance, "review-start")).content.decode()

    assert "Owner A" in content and "Provider B" not in content


def test_a_scope_with_nothing_in_it_is_told_on_the_form(login, pm, instance, companies):
    response = login(pm).post(users_url(instance, "review-start"), start_data(company=companies["A"].pk))

    assert response.status_code == 200
    assert "nothing to review" in response.content.decode()


def test_a_deadline_in_the_past_is_told_on_the_form(login, pm, instance, externals):
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()

    response = login(pm).post(users_url(instance, "review-start"), start_data(deadline=yesterday))

    assert response.status_code == 200 and "today or later" in response.content.decode()


def test_answering_rows_one_by_one_and_for_the_chosen(login, pm, instance, review):
    first, second, third = review.rows.order_by("pk")
    data = {
        "row": [first.pk, second.pk, third.pk],
        f"decision-{first.pk}": "keep",
        f"reason-{first.pk}": "still working for us",
        f"decision-{second.pk}": "",
        f"decision-{third.pk}": "",
        "chosen": [second.pk, third.pk],
        "bulk_decision": "remove",
        "bulk_reason": "contract ended",
        "bulk": "1",
    }

    response = login(pm).post(users_url(instance, "review-detail", pk=review.pk), data)

    assert response.status_code == 302
    decided = {row.pk: (row.decision, row.reason) for row in review.rows.all()}
    assert decided == {
        first.pk: (Decision.KEEP, "still working for us"),
        second.pk: (Decision.REMOVE, "contract ended"),
        third.pk: (Decision.REMOVE, "contract ended"),
    }


def test_a_forged_decision_on_a_row_of_another_review_changes_nothing(login, pm, ppm, instance, companies, review):
    guest = UserFactory(company=companies["X"])
    grant_company_role(guest, Level.SERVICE_PROVIDER, companies["B"], "customer")
    theirs = review_start(
        actor=ppm,
        instance=instance,
        company=companies["B"],
        subject=ReviewSubject.EXTERNAL,
        reviewer_mode=ReviewerMode.STARTER,
        deadline=timezone.now() + timedelta(days=7),
        unanswered=Unanswered.KEEP,
    )
    foreign = theirs.rows.get()
    mine = review.rows.first()

    response = login(pm).post(
        users_url(instance, "review-detail", pk=review.pk),
        {"row": [mine.pk, foreign.pk], f"decision-{mine.pk}": "remove", f"decision-{foreign.pk}": "remove"},
    )

    assert response.status_code == 404
    assert not theirs.rows.filter(decision=Decision.REMOVE).exists()
    assert not review.rows.filter(decision=Decision.REMOVE).exists()


def test_stopping_the_review_early_shows_its_outcome(login, pm, instance, review):
    row = review.rows.first()
    client = login(pm)
    client.post(users_url(instance, "review-detail", pk=review.pk), {"row": [row.pk], f"decision-{row.pk}": "remove"})

    response = client.post(users_url(instance, "review-stop", pk=review.pk), {"apply_decisions": "1"})

    assert response.status_code == 302
    review.refresh_from_db()
    assert review.state == ReviewState.STOPPED_APPLIED
    page = client.get(users_url(instance, "review-detail", pk=review.pk)).content.decode()
    assert 'data-testid="review-outcome"' in page and 'data-outcome="removed"' in page
    assert 'data-testid="decision"' not in page


def test_the_csv_export_guards_against_formulas(login, pm, instance, review, externals):
    externals[0].first_name = "=HYPERLINK(1)"
    externals[0].save(update_fields=["first_name"])

    response = login(pm).post(users_url(instance, "review-export", pk=review.pk))

    text = b"".join(response.streaming_content).decode()
    assert response["Content-Type"].startswith("text/csv")
    assert "'=HYPERLINK(1)" in text
    assert len(text.strip().splitlines()) == 4


def test_the_csv_export_reads_in_the_readers_language_though_it_streams_after_the_request(
    login, pm, instance, review, externals
):
    pm.language = "de"
    pm.save(update_fields=["language"])
    row = review.rows.order_by("pk").first()
    review_decide(actor=pm, instance=instance, review=review, decisions={row.pk: (Decision.KEEP, "")})

    response = login(pm).post(users_url(instance, "review-export", pk=review.pk))

    lines = b"".join(response.streaming_content).decode().lstrip("\ufeff").splitlines()
    assert lines[0].startswith('"Person","E-Mail","Firma"')
    assert '"Behalten"' in "".join(lines[1:])


def test_the_reviewers_are_emailed_in_their_language_with_a_link_to_the_review(
    ppm, instance, companies, mailoutbox, django_capture_on_commit_callbacks
):
    from tests.factories import BusinessEntityFactory, OperatorCompanyFactory, grant_entity_role

    ppm.language = "de"
    ppm.save(update_fields=["language"])
    provided = BusinessEntityFactory(instance=instance, owner=companies["C"], service_provider=companies["B"])
    guest = UserFactory(company=companies["X"])
    grant_entity_role(guest, provided, "customer")
    staff = UserFactory(company=OperatorCompanyFactory(instance=instance), is_staff=True)

    with django_capture_on_commit_callbacks(execute=True):
        review = review_start(
            actor=staff,
            instance=instance,
            company=None,
            subject=ReviewSubject.ENTITY,
            reviewer_mode=ReviewerMode.MANAGERS,
            deadline=timezone.now() + timedelta(days=7),
            unanswered=Unanswered.KEEP,
        )

    assert [message.to for message in mailoutbox] == [[ppm.email]]
    assert mailoutbox[0].subject.startswith("Zugriffsüberprüfung")
    assert users_url(instance, "review-detail", pk=review.pk) in mailoutbox[0].body


def test_the_review_list_makes_as_many_queries_for_five_reviews_as_for_one(
    login, pm, instance, companies, externals, count_queries
):
    client = login(pm)

    def more_reviews(count):
        for _ in range(count):
            client.post(users_url(instance, "review-start"), start_data(company=companies["A"].pk))

    more_reviews(1)
    one = count_queries(lambda: client.get(users_url(instance, "review-list")))
    more_reviews(4)
    five = count_queries(lambda: client.get(users_url(instance, "review-list")))

    assert one == five


def test_the_review_page_makes_as_many_queries_for_many_people_as_for_few(
    login, pm, instance, companies, externals, count_queries
):
    client = login(pm)
    client.post(users_url(instance, "review-start"), start_data(company=companies["A"].pk))
    few = AccessReview.objects.get()
    for number in range(7):
        person = UserFactory(company=companies["X"], email=f"more{number}@other-x.example")
        grant_company_role(person, Level.OWNER, companies["A"], "customer")
    client.post(users_url(instance, "review-start"), start_data(company=companies["A"].pk))
    many = AccessReview.objects.exclude(pk=few.pk).get()

    assert count_queries(lambda: client.get(users_url(instance, "review-detail", pk=few.pk))) == count_queries(
        lambda: client.get(users_url(instance, "review-detail", pk=many.pk))
    )


def test_a_company_manager_sees_only_their_own_rows_of_a_review_started_by_staff(login, pm, ppm, instance, companies):
    from tests.factories import BusinessEntityFactory, OperatorCompanyFactory, grant_entity_role

    owned = BusinessEntityFactory(instance=instance, owner=companies["A"], name="Owned by A")
    provided = BusinessEntityFactory(
        instance=instance, owner=companies["C"], service_provider=companies["B"], name="Provided by B"
    )
    guest = UserFactory(company=companies["X"])
    grant_entity_role(guest, owned, "customer")
    grant_entity_role(guest, provided, "customer")
    staff = UserFactory(company=OperatorCompanyFactory(instance=instance), is_staff=True)
    review = review_start(
        actor=staff,
        instance=instance,
        company=None,
        subject=ReviewSubject.ENTITY,
        reviewer_mode=ReviewerMode.MANAGERS,
        deadline=timezone.now() + timedelta(days=7),
        unanswered=Unanswered.KEEP,
    )

    page = login(ppm).get(users_url(instance, "review-detail", pk=review.pk)).content.decode()

    assert "Provided by B" in page and "Owned by A" not in page
    assert 'data-testid="stop-form"' not in page
    # The counts are of the rows they read: theirs.
    assert '<p class="small" data-testid="review-counts">1 row ·' in page
