"""The test tree: no test module imports another test module or a conftest; what they share lives in tests/support/
(helpers), tests/factories.py (factories) or a conftest's fixtures."""

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def is_test_module(name: str) -> bool:
    """Whether a dotted module name under tests names a test module (test_*) or a conftest."""
    last = name.rsplit(".", 1)[-1]
    return last.startswith("test_") or last == "conftest"


def imports_of_test_modules(source: str) -> list[str]:
    """The test modules and conftests of tests/ that `source` imports, anywhere in it (inside functions too)."""
    found = []
    for node in sorted(ast.walk(ast.parse(source)), key=lambda node: getattr(node, "lineno", 0)):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            # `from tests.x import test_y` imports the module tests.x.test_y too; a relative import stays within tests.
            base = "." * node.level + (node.module or "")
            joiner = "" if base.endswith(".") else "."
            modules = [base] + [base + joiner + alias.name for alias in node.names]
        else:
            continue
        found += [
            f"line {node.lineno}: {module}"
            for module in modules
            if (module.startswith(("tests.", ".")) or module == "tests") and is_test_module(module)
        ]
    return found


def test_no_test_module_imports_another_test_module_or_a_conftest():
    offenders = {
        str(path.relative_to(TESTS.parent)): imports
        for path in sorted(TESTS.rglob("*.py"))
        if path.name.startswith("test_") or path.name == "conftest.py"
        if (imports := imports_of_test_modules(path.read_text()))
    }

    assert offenders == {}, "move what they share to tests/support/, tests/factories.py or a fixture"


def test_the_check_finds_imports_of_test_modules_and_conftests_at_any_depth():
    source = """
import tests.accounts.test_second_factor
from tests.conftest import verify_second_factor
from tests.factories import UserFactory
from tests.support.sign_in import password_step
from tests.accounts import test_outbox
from .test_views import cockpit_url_names


def helper():
    from tests.users.test_edit_conflicts import edit_url

    import tests.plans.conftest as plans
"""

    assert imports_of_test_modules(source) == [
        "line 2: tests.accounts.test_second_factor",
        "line 3: tests.conftest",
        "line 6: tests.accounts.test_outbox",
        "line 7: .test_views",
        "line 11: tests.users.test_edit_conflicts",
        "line 13: tests.plans.conftest",
    ]
