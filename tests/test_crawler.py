"""The crawler's bounds (tests/support/crawl.py): which links it leaves alone, and which it takes for one page."""

import pytest

from tests.support.crawl import Crawl

ORIGIN = "http://localhost:8000"


@pytest.fixture
def crawl() -> Crawl:
    return Crawl(origin=ORIGIN, limit=10)


def test_crawl_takes_two_rows_of_a_route_for_one_page(crawl):
    assert crawl.route(f"{ORIGIN}/c/alpine/entities/7/analytics/") == crawl.route(
        f"{ORIGIN}/c/alpine/entities/9/analytics/"
    )


def test_crawl_tells_sections_and_cockpits_apart(crawl):
    analytics = crawl.route(f"{ORIGIN}/c/alpine/entities/7/analytics/")

    assert analytics != crawl.route(f"{ORIGIN}/c/alpine/entities/7/iot/")
    assert analytics != crawl.route(f"{ORIGIN}/c/rhein/entities/7/analytics/")


def test_crawl_takes_other_pages_and_orders_of_a_list_for_the_same_page_but_not_other_filters(crawl):
    users = crawl.route(f"{ORIGIN}/c/alpine/users/")

    assert crawl.route(f"{ORIGIN}/c/alpine/users/?page=2&sort=-name") == users
    assert crawl.route(f"{ORIGIN}/c/alpine/users/?state=active") != users
    assert crawl.route(f"{ORIGIN}/c/alpine/users/?state=active") == crawl.route(
        f"{ORIGIN}/c/alpine/users/?state=invited"
    )


@pytest.mark.parametrize(
    "url",
    [
        f"{ORIGIN}/admin/accounts/user/",
        f"{ORIGIN}/accounts/logout/",
        f"{ORIGIN}/i18n/setlang/",
        f"{ORIGIN}/c/alpine/users/export.csv",
        f"{ORIGIN}/c/alpine/users/import/template.csv",
        f"{ORIGIN}/c/alpine/plans/321/files/4/",
        "https://docs.example.com/c/alpine/",
    ],
)
def test_crawl_leaves_alone_what_is_not_a_page_of_the_cockpit(crawl, url):
    assert crawl.route(url) is None


def test_crawl_queues_each_page_once_without_its_fragment(crawl):
    crawl.offer("/c/alpine/entities/7/analytics/#figures")
    crawl.offer("/c/alpine/entities/9/analytics/")
    crawl.offer("/accounts/logout/")

    assert list(crawl.queue) == [f"{ORIGIN}/c/alpine/entities/7/analytics/"]
