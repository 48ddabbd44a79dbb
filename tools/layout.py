"""The product's layout in figures: each app's size in lines and the apps it imports.

    python -m tools.layout            # apps, lines of Python (migrations apart), imported apps
    python -m tools.layout --modules  # also every product module over 300 lines

Read from the source as text (ast), nothing is imported or run; the figures of docs/product.md.
"""

import argparse
import ast
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
NOT_PRODUCT = {"tests", "tools", "node_modules", "static", "templates", "locale", "var", "docs"}


def apps() -> list[str]:
    """The top-level packages of the product: folders with an __init__.py or an apps.py."""
    return sorted(
        path.name
        for path in BASE_DIR.iterdir()
        if path.is_dir()
        and not path.name.startswith((".", "_"))
        and path.name not in NOT_PRODUCT
        and (path / "__init__.py").exists()
    )


def modules(app: str):
    for path in sorted((BASE_DIR / app).rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def imported_apps(path: Path, names: set[str]) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found & names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--modules", action="store_true", help="list every product module over 300 lines too")
    args = parser.parse_args()
    names = set(apps())
    total = sum(len(path.read_text().splitlines()) for app in names for path in modules(app))
    print(f"{'app':<10} {'lines':>6} {'share':>6}  imports")
    for app in sorted(names):
        lines = sum(len(path.read_text().splitlines()) for path in modules(app))
        uses = set().union(*(imported_apps(path, names) for path in modules(app))) - {app}
        print(f"{app:<10} {lines:>6} {lines / total:>6.0%}  {', '.join(sorted(uses)) or '-'}")
    print(f"{'all':<10} {total:>6}")
    if args.modules:
        print("\nmodules over 300 lines:")
        sized = [
            (len(path.read_text().splitlines()), path.relative_to(BASE_DIR)) for app in names for path in modules(app)
        ]
        for lines, path in sorted(sized, reverse=True):
            if lines > 300:
                print(f"  {lines:>5}  {path}")


if __name__ == "__main__":
    main()
