"""Cockpit Shares' actions read in words, in the reader's language, on every page that shows the audit log."""

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.models import User

pytestmark = pytest.mark.django_db

# The share's own actions and the operator's setting, as each language names them.
WORDS = {
    "en": {"share.created": "Cockpit shared", "share.accepted": "Invitation accepted"},
    "de": {"share.created": "Cockpit geteilt", "share.accepted": "Einladung angenommen"},
}
SETTINGS_WORDS = {"en": "Sharing settings changed", "de": "Freigabe-Einstellungen geändert"}
CODES = ("share.created", "share.accepted", "sharing.settings_changed")


def in_language(user, language):
    User.objects.filter(pk=user.pk).update(language=language)


@pytest.mark.parametrize("language", ["en", "de"])
def test_the_share_page_names_the_share_actions(client, login, admin, guest, instance, shared_with, language):
    share = shared_with(guest)
    in_language(admin, language)
    login(admin)

    with translation.override(language):
        page = client.get(reverse("sharing:share-edit", args=[instance.slug, share.pk])).content.decode()

    assert all(words in page for words in WORDS[language].values()), page
    assert not any(code in page for code in CODES)


@pytest.mark.parametrize("language", ["en", "de"])
def test_the_admin_audit_log_names_share_and_settings_actions(
    client, login, operator_admin, guest, shared_with, language
):
    shared_with(guest)
    in_language(operator_admin, language)
    login(operator_admin)

    with translation.override(language):
        page = client.get(reverse("admin:entities_auditlogentry_changelist")).content.decode()
    listed = page.split('id="result_list"', 1)[1].split("</table>", 1)[0]

    assert all(words in listed for words in [*WORDS[language].values(), SETTINGS_WORDS[language]]), listed
    assert not any(code in listed for code in CODES)
