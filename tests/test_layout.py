"""The dependency direction the design asks for, checked on the real source."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "core": {"vision", "storage", "web", "notify", "tamu"},
    "storage": {"vision", "web", "notify", "tamu"},
    "vision": {"web", "notify", "tamu"},
    "web": {"vision", "tamu", "notify"},
    "notify": {"web", "vision", "tamu"},
}


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_never_imports_forbidden_layers(package):
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"{package}/ has no Python files"
    offenders = {
        str(f.relative_to(ROOT)): sorted(imported_packages(f) & FORBIDDEN[package]) for f in files
    }
    assert {f: bad for f, bad in offenders.items() if bad} == {}


def test_checker_sees_a_forbidden_import(tmp_path):
    sample = tmp_path / "x.py"
    sample.write_text("import os\nfrom web.auth import x\nfrom . import y\n", encoding="utf-8")
    assert imported_packages(sample) == {"os", "web"}


def test_web_never_imports_sqlalchemy():
    """Views call storage functions; queries and sessions' types come from `storage`."""
    offenders = [
        str(f.relative_to(ROOT))
        for f in sorted((ROOT / "web").rglob("*.py"))
        if "sqlalchemy" in imported_packages(f)
    ]
    assert offenders == []


MAX_LINES = 350


@pytest.mark.parametrize("package", ["storage", "web"])
def test_modules_stay_small(package):
    sizes = {
        str(f.relative_to(ROOT)): len(f.read_text(encoding="utf-8").splitlines())
        for f in sorted((ROOT / package).rglob("*.py"))
    }
    too_long = {f: n for f, n in sizes.items() if n > MAX_LINES}
    assert too_long == {}
