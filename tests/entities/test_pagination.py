"""{% pagination %}: every list's numbered pages, their links keeping the list's other parameters."""

from django.core.paginator import Paginator
from django.template import Context, Template
from django.utils import translation

from entities.access import EntityPage


def rendered(page, num_pages: int, query: str = "") -> str:
    template = Template("{% load pages %}{% pagination page num_pages %}")
    return template.render(Context({"page": page, "num_pages": num_pages, "query": query}))


def test_a_middle_page_links_both_ways_and_leaves_out_the_far_numbers():
    page = Paginator(range(500), 10).page(10)

    html = rendered(page, 50)

    assert '<span class="button current" aria-current="page">10</span>' in html
    assert '<a class="button" href="?page=9" rel="prev">Previous</a>' in html
    assert '<a class="button" href="?page=11" rel="next">Next</a>' in html
    assert '<a class="button" href="?page=1" aria-label="Page 1">1</a>' in html
    assert '<a class="button" href="?page=50" aria-label="Page 50">50</a>' in html
    assert html.count('<span class="muted" aria-hidden="true">…</span>') == 2
    assert "Page 10 of 50" in html
    assert 'aria-label="Page 5"' not in html


def test_the_links_keep_the_lists_other_parameters_escaped():
    page = EntityPage(rows=[], total=120, number=1, per_page=50, cap=2000)

    html = rendered(page, page.num_pages, query='q=Haus&owner=3"')

    assert 'href="?q=Haus&amp;owner=3&quot;&amp;page=2" rel="next"' in html
    assert 'rel="prev"' not in html


def test_a_german_reader_reads_the_pages_in_german():
    page = Paginator(range(30), 10).page(2)

    with translation.override("de"):
        html = rendered(page, 3)

    assert "Seite 2 von 3" in html
    assert 'aria-label="Seiten"' in html
    assert ">Zurück</a>" in html and ">Weiter</a>" in html
    assert 'aria-label="Seite 3"' in html
