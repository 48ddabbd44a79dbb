"""Every action the audit log records reads in words, in English and in German, wherever it is shown.

tests/conftest.py checks each entry any test writes; this module checks what no test may
happen to write: every action named in the product's code, and every registered label.
"""

import ast
from pathlib import Path

from django.conf import settings

from entities.models import AUDIT_ACTIONS

PRODUCT = ["core", "entities", "outbox", "accounts", "users", "sharing", "tablets", "plans", "cockpit"]


def actions_named_in_the_code() -> set[str]:
    """The action codes passed as `action="…"` anywhere in the product (an f-string's writes are seen by conftest)."""
    found = set()
    for app in PRODUCT:
        for path in (Path(settings.BASE_DIR) / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.keyword) and node.arg == "action":
                    values = [node.value.body, node.value.orelse] if isinstance(node.value, ast.IfExp) else [node.value]
                    found |= {value.value for value in values if isinstance(value, ast.Constant) and "." in value.value}
    return found


def test_the_code_names_the_actions_it_writes():
    # guards the scan below: it must see the actions of every app that writes some
    named = actions_named_in_the_code()

    assert {"user.created", "user.deactivated", "share.created", "tablet.added", "plans.requested"} <= named


def test_every_action_the_code_writes_has_words_in_english_and_german(audit_action_unnamed):
    unnamed = [why for action in sorted(actions_named_in_the_code()) if (why := audit_action_unnamed(action))]

    assert unnamed == []


def test_every_registered_action_has_words_in_english_and_german(audit_action_unnamed):
    unnamed = [why for action in AUDIT_ACTIONS if (why := audit_action_unnamed(action))]

    assert unnamed == []
