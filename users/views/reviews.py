"""Access reviews' pages: the list, the start form, a review (its rows to answer, or its outcome), stopping it early,
and its CSV export. Every rule is in users.reviews and users.review_permissions."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views import View

from core.forms import add_service_error
from core.limits import ListingLimited
from core.query import page_number
from entities.requests import CockpitRequest
from users.exports import review_csv
from users.models import Decision
from users.permissions import require_manager
from users.review_forms import ReviewStartForm, ReviewStopForm, decisions_from, posted_row_ids
from users.review_permissions import access_review
from users.review_selectors import review_counts, review_rows, reviews_listed
from users.reviews import review_decide, review_export_recorded, review_start, review_stop

ROWS_PER_PAGE = 100
REVIEWS_PER_PAGE = 50


def _detail_url(instance_slug: str, pk: int) -> str:
    return reverse("users:review-detail", kwargs={"instance_slug": instance_slug, "pk": pk})


class ReviewListView(ListingLimited, View):
    """The reviews the manager started or has rows in (every review of the cockpit, for operator staff)."""

    request: CockpitRequest

    def get(self, request, instance_slug):
        reach = require_manager(request.user, request.instance)
        reviews = reviews_listed(request.user, request.instance, is_operator_staff=reach.is_operator_staff)
        page = Paginator(reviews, REVIEWS_PER_PAGE).get_page(page_number(request.GET.get("page")))
        return TemplateResponse(request, "users/reviews/review_list.html", {"page": page})


class ReviewStartView(View):
    request: CockpitRequest

    def get(self, request, instance_slug):
        reach = require_manager(request.user, request.instance)
        return self.render(ReviewStartForm(reach=reach))

    def post(self, request, instance_slug):
        reach = require_manager(request.user, request.instance)
        form = ReviewStartForm(request.POST, reach=reach)
        if not form.is_valid():
            return self.render(form)
        data = form.cleaned_data
        try:
            review = review_start(
                actor=request.user,
                instance=request.instance,
                company=data["company"],
                subject=data["subject"],
                reviewer_mode=data["reviewer_mode"],
                deadline=form.deadline_at(),
                unanswered=data["unanswered"],
                inactive_days=data["inactive_days"],
            )
        except ValidationError as error:
            add_service_error(form, error)
            return self.render(form)
        rows = review.rows.count()
        messages.success(
            request,
            ngettext(
                "The review is started with %(count)s row; its reviewers are emailed.",
                "The review is started with %(count)s rows; its reviewers are emailed.",
                rows,
            )
            % {"count": rows},
        )
        return redirect(_detail_url(instance_slug, review.pk))

    def render(self, form: ReviewStartForm):
        return TemplateResponse(self.request, "users/reviews/review_form.html", {"form": form})


class ReviewDetailView(View):
    """GET: the review's rows, grouped by person (the reviewer's own; every row for its starter and operator
    staff), to answer while open, with the outcome once finished. POST: the reviewer's answers."""

    request: CockpitRequest

    def get(self, request, instance_slug, pk):
        access = access_review(request.user, request.instance, pk)
        review = access.review
        mine_only = not access.runs
        rows = review_rows(review, reviewer=request.user if mine_only else None)
        page = Paginator(rows, ROWS_PER_PAGE).get_page(page_number(request.GET.get("page")))
        answering = access.reviews and review.takes_answers
        return TemplateResponse(
            request,
            "users/reviews/review_detail.html",
            {
                "review": review,
                "access": access,
                "page": page,
                "counts": review_counts(review, reviewer=request.user if mine_only else None),
                "answering": answering,
                "decisions": [(Decision.KEEP, Decision.KEEP.label), (Decision.REMOVE, Decision.REMOVE.label)],
                "stop_form": ReviewStopForm() if review.is_open and access.runs else None,
                "is_open": review.is_open,
            },
        )

    def post(self, request, instance_slug, pk):
        access = access_review(request.user, request.instance, pk)
        decisions = decisions_from(request.POST, posted_row_ids(request.POST))
        back = _detail_url(instance_slug, pk)
        if request.POST.get("page"):
            back += f"?page={page_number(request.POST.get('page'))}"
        try:
            changed = review_decide(
                actor=request.user, instance=request.instance, review=access.review, decisions=decisions
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages) + " " + _("Nothing was saved."))
            return redirect(back)
        messages.success(
            request,
            ngettext("%(count)s answer saved.", "%(count)s answers saved.", changed) % {"count": changed},
        )
        return redirect(back)


class ReviewStopView(View):
    """POST: stop an open review early, its decisions so far applied or discarded (users.reviews.review_stop)."""

    request: CockpitRequest
    http_method_names = ["post"]

    def post(self, request, instance_slug, pk):
        access = access_review(request.user, request.instance, pk)
        form = ReviewStopForm(request.POST)
        back = _detail_url(instance_slug, pk)
        if not form.is_valid():
            messages.error(request, _("Choose whether the decisions so far are applied or discarded."))
            return redirect(back)
        try:
            counts = review_stop(
                actor=request.user,
                instance=request.instance,
                review=access.review,
                apply_decisions=form.cleaned_data["apply_decisions"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(back)
        messages.success(
            request,
            ngettext(
                "The review is stopped; %(count)s access was removed.",
                "The review is stopped; %(count)s accesses were removed.",
                counts["removed"],
            )
            % {"count": counts["removed"]},
        )
        return redirect(back)


class ReviewExportView(ListingLimited, View):
    """POST: the review's rows as CSV (the reviewer's own, or all of them for its starter and operator staff), with
    the decisions and, once finished, the outcome; audited."""

    request: CockpitRequest
    http_method_names = ["post"]

    def post(self, request, instance_slug, pk):
        access = access_review(request.user, request.instance, pk)
        review = access.review
        review_export_recorded(actor=request.user, instance=request.instance, review=review)
        rows = review_rows(review, reviewer=None if access.runs else request.user)
        response = StreamingHttpResponse(
            review_csv(review, rows, language=get_language()), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="access-review-{review.pk}.csv"'
        return response
