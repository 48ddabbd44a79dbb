"""Every action the audit log records reads in words, in English and in German, wherever it is shown.

tests/conftest.py checks each entry any test writes; this module checks what no test may
happen to write: every action named in the product's code, and every registered label.
"""

import ast
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from accounts.models import User
from entities.models import AUDIT_ACTIONS

PRODUCT = ["core", "entities", "outbox", "accounts", "users", "sharing", "tablets", "plans", "cockpit"]


def _constants(node) -> set[str]:
    """The strings an expression can be: a constant, either branch of `a if c else b`."""
    if isinstance(node, ast.IfExp):
        return _constants(node.body) | _constants(node.orelse)
    return {node.value} if isinstance(node, ast.Constant) and isinstance(node.value, str) else set()


def _loop_actions(node: ast.For) -> set[str]:
    """`for action, … in (("share.suspended", …), …)`: the codes a loop hands its `action` variable."""
    names = node.target.elts if isinstance(node.target, ast.Tuple) else [node.target]
    positions = [i for i, name in enumerate(names) if isinstance(name, ast.Name) and name.id == "action"]
    if not positions or not isinstance(node.iter, ast.Tuple | ast.List):
        return set()
    found = set()
    for item in node.iter.elts:
        values = item.elts if isinstance(item, ast.Tuple) else [item]
        found |= {value for i in positions if i < len(values) for value in _constants(values[i])}
    return found


def _gives_action(node) -> bool:
    """`action="…"` as a keyword, or `action = …` as an assignment."""
    if isinstance(node, ast.keyword):
        return node.arg == "action"
    return isinstance(node, ast.Assign) and any(
        isinstance(target, ast.Name) and target.id == "action" for target in node.targets
    )


def actions_named_in_the_code() -> set[str]:
    """The action codes the product writes: passed as `action="…"`, assigned to `action`, looped over as `action`,
    or built as `f"{action}.<what>"` from a keyword's stem (`_audited_save(action="company")`)."""
    codes: set[str] = set()
    stems: set[str] = set()
    suffixes: set[str] = set()
    for app in PRODUCT:
        for path in (Path(settings.BASE_DIR) / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if _gives_action(node):
                    named = _constants(node.value)
                elif isinstance(node, ast.For):
                    named = _loop_actions(node)
                elif isinstance(node, ast.JoinedStr) and len(node.values) == 2:
                    head, tail = node.values
                    if (
                        isinstance(head, ast.FormattedValue)
                        and isinstance(head.value, ast.Name)
                        and head.value.id == "action"
                        and isinstance(tail, ast.Constant)
                        and str(tail.value).startswith(".")
                    ):
                        suffixes.add(tail.value)
                    continue
                else:
                    continue
                codes |= {value for value in named if "." in value}
                stems |= {value for value in named if value.isidentifier()}
    return codes | {stem + suffix for stem in stems for suffix in suffixes}


def test_the_code_names_the_actions_it_writes():
    # guards the scan below: it must see the actions of every app that writes some
    named = actions_named_in_the_code()

    assert {"user.created", "user.deactivated", "share.created", "tablet.added", "plans.requested"} <= named
    # written through a variable: a loop's (sharing), an assignment's (tablets), an f-string's (entities)
    assert {"share.suspended", "share.resumed", "tablet.retired", "company.created", "entity.changed"} <= named


def test_every_action_the_code_writes_has_words_in_english_and_german(audit_action_unnamed):
    unnamed = [why for action in sorted(actions_named_in_the_code()) if (why := audit_action_unnamed(action))]

    assert unnamed == []


def test_every_registered_action_has_words_in_english_and_german(audit_action_unnamed):
    unnamed = [why for action in AUDIT_ACTIONS if (why := audit_action_unnamed(action))]

    assert unnamed == []


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "de"])
def test_the_admins_action_filter_offers_every_action_the_code_writes_in_words(client, login, operator_admin, language):
    # given: an operator reading the admin in English or German
    User.objects.filter(pk=operator_admin.pk).update(language=language)
    login(operator_admin)

    # when
    page = client.get(reverse("admin:entities_auditlogentry_changelist")).content.decode()
    with translation.override(language):
        expected = {action: str(AUDIT_ACTIONS[action]) for action in actions_named_in_the_code()}
    by_action = page.split('data-filter-title="', 2)[1]

    # then: each action is offered under its own words (which are not its code)
    missing = [
        action
        for action, words in expected.items()
        if f'<a href="?action={action}">{escape(words)}</a>' not in by_action
    ]
    assert missing == []
