"""What a page costs the database, as the statement-count tests of the list pages read it."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

# The entity list, every kind of person: the user (with where access stands in every cockpit); the page; and,
# for someone signed in with a second factor, their verified device. The switcher's cockpits, the sidebar's
# rights and grants, whether the cockpit is shareable and the filters' companies come from the cache.
MOST_STATEMENTS = 4


def statements_of_the_list(client, instance) -> list[str]:
    """The statements of the entity list's second request, its page 1 asked for the first time: the first request
    (page 2) fills the session and the access cache, which keeps pages too (so page 1 is read from the database)."""
    address = reverse("entities:entity-list", kwargs={"instance_slug": instance.slug})
    assert client.get(address, {"page": 2}).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        response = client.get(address)
    assert response.status_code == 200
    return [query["sql"] for query in captured.captured_queries]
