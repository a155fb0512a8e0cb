"""The packages depend one way: ``tenants`` (provisioning, the school file) builds on core, and
core never imports ``tenants``, at the top of a file or inside a function, so that core can be
read, tested and changed without the lifecycle around it."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def tenants_imports(source: str) -> list[str]:
    """Every module of ``tenants`` that ``source`` imports, wherever the import stands."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if alias.name.split(".")[0] == "tenants"]
        elif (isinstance(node, ast.ImportFrom) and node.level == 0 and node.module
              and node.module.split(".")[0] == "tenants"):
            found.append(node.module)
    return found


def test_core_never_imports_tenants():
    offenders = [f"{path.relative_to(ROOT)} imports {name}"
                 for path in sorted((ROOT / "core").rglob("*.py"))
                 for name in tenants_imports(path.read_text(encoding="utf-8"))]
    assert offenders == []


def test_an_import_inside_a_function_is_found_too():
    source = ("import core.sdk\n"
              "def apply():\n"
              "    from tenants.manifests import apply_manifest\n"
              "    import tenants.schoolfile\n"
              "class Later:\n"
              "    def run(self):\n"
              "        from tenants import commands\n")
    assert tenants_imports(source) == ["tenants.manifests", "tenants.schoolfile", "tenants"]
