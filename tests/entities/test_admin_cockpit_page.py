"""The admin's cockpit page shows its fields' help as written."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_cockpit_page_shows_the_slugs_help_text_whole(admin_client, instance):
    page = admin_client.get(reverse("admin:entities_instance_change", args=[instance.pk])).content.decode()

    assert "Used in URLs: /c/&lt;slug&gt;/" in page
