"""The repository carries its own docs: every link resolves inside it, and nothing points outside."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEXT_FILES = [
    path
    for pattern in ("*.md", "docs/*.md", "**/*.py", "templates/**/*.html", "templates/**/*.txt")
    for path in ROOT.glob(pattern)
    if ".venv" not in path.parts and "test-artifacts" not in path.parts
]


def test_no_file_refers_to_a_path_outside_the_repository():
    outside = [
        str(path.relative_to(ROOT))
        for path in TEXT_FILES
        if path.name != "test_docs.py" and re.search(r"\.\./shared|DESIGN\.md|STYLE\.md", path.read_text())
    ]

    assert outside == []


def test_every_link_between_the_docs_resolves():
    broken = []
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#]+\.md)\)", page.read_text()):
            if not (page.parent / target).resolve().is_file():
                broken.append(f"{page.name} -> {target}")

    assert broken == []


def test_the_docs_cover_access_rules_roles_sharing_and_two_factor_authentication():
    docs = {path.name for path in (ROOT / "docs").glob("*.md")}
    readme = (ROOT / "README.md").read_text()

    assert {"access-rules.md", "capability-matrix.md", "cockpit-shares.md", "sign-in.md"} <= docs
    assert "docs/product.md" in readme
