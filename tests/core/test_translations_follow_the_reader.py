"""Texts follow the reader's language: nothing is translated once, at import, in whichever language the process
started in (issue 24: "The welcome email is on its way…" stayed English on German pages)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCT_APPS = ["accounts", "cockpit", "core", "entities", "outbox", "plans", "sharing", "tablets", "users"]
EAGER = {"gettext", "ngettext", "pgettext", "npgettext"}


def eager_calls_at_import(source: str) -> list[int]:
    """The lines where a module calls Django's eager gettext (under any name) while it is imported.

    Code runs at import in the module body and in class bodies, default values and decorators;
    a function's body runs later, per request, in the reader's language.
    """
    tree = ast.parse(source)
    eager_names = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation"
        for alias in node.names
        if alias.name in EAGER
    }
    found: list[int] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in eager_names:
            found.append(node.lineno)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            # Only what runs at definition: decorators and default values, not the body.
            for part in [*getattr(node, "decorator_list", []), *node.args.defaults, *node.args.kw_defaults]:
                if part is not None:
                    visit(part)
            return
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def product_modules() -> list[Path]:
    return sorted(path for app in PRODUCT_APPS for path in (ROOT / app).rglob("*.py") if "migrations" not in path.parts)


def test_no_product_module_translates_at_import():
    eager = {
        f"{path.relative_to(ROOT)}:{line}"
        for path in product_modules()
        for line in eager_calls_at_import(path.read_text())
    }
    assert eager == set()


@pytest.mark.parametrize(
    "source",
    [
        "from django.utils.translation import gettext as _\nWORDS = {'a': _('A')}\n",
        "from django.utils.translation import gettext\nclass Form:\n    label = gettext('Name')\n",
        "from django.utils.translation import ngettext\ndef f(x=ngettext('one', 'many', 2)):\n    return x\n",
    ],
)
def test_the_check_finds_a_text_translated_at_import(source):
    assert eager_calls_at_import(source) != []


@pytest.mark.parametrize(
    "source",
    [
        "from django.utils.translation import gettext as _\ndef f():\n    return _('A')\n",
        "from django.utils.translation import gettext_lazy as _\nWORDS = {'a': _('A')}\n",
        "from django.utils.translation import gettext as _\nclass V:\n    def get(self):\n        return _('A')\n",
    ],
)
def test_the_check_leaves_texts_translated_per_request(source):
    assert eager_calls_at_import(source) == []
