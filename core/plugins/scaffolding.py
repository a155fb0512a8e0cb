"""``houqin plugin new NAME``: a complete module distribution to start from, in the shape every
module has (docs/plugin-authors.md), which installs with pip and passes its own tests.

The files are the templates in ``core/plugins/scaffold/`` (shipped in the houqin wheel):
``$name``-style placeholders in their text, and ``PACKAGE``, ``NAME`` and ``REVISION`` in
their paths, are filled in; ``.tmpl`` is dropped. The catalogues are compiled on the spot,
so the module's pages speak Chinese from its first run.
"""

from __future__ import annotations

import importlib.util
import keyword
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path
from string import Template

from packaging.version import Version

import core

SCAFFOLD = Path(__file__).parent / "scaffold"
# Core's first revision, which creates the schools (``tenants``) every module's rows belong to.
CORE_FIRST_REVISION = "930cab28e17c"
NAME_RULE = re.compile(r"[a-z][a-z0-9_]*")
# Names core's own blueprints and permissions use (``<name>_api``, ``core.*``): a module of
# one of these names would clash with them at start.
RESERVED = frozenset({"core", "tenants", "audit", "calendar", "health", "notifications",
                      "people", "places", "sessions", "transfer", "web", "api", "static"})


class ScaffoldRefused(ValueError):
    """The name cannot be a module's, or the place is taken; the message says why."""


def core_range(version: str = core.__version__) -> str:
    """The PEP 440 range of core versions a new module is written against: this minor
    version up to the next major one (below 1, the next minor one may change the SDK only
    with deprecations, so ``<1`` still holds)."""
    release = Version(version).release
    major, minor = release[0], release[1] if len(release) > 1 else 0
    return f">={major}.{minor},<{major + 1}"


def refusal(name: str, installed: set[str], directory: Path) -> str | None:
    """Why ``name`` cannot be a new module's here, or None."""
    if not NAME_RULE.fullmatch(name) or keyword.iskeyword(name):
        return (f"{name!r} is not a module name: use lower-case letters, digits and underscores,"
                " starting with a letter (a Python identifier, such as meters or school_bus)")
    if len(name) > 30:
        return f"{name!r} is too long: at most 30 characters (it prefixes table names)"
    if name in RESERVED:
        return f"{name!r} is taken by core itself: choose another name"
    if name in installed or importlib.util.find_spec(f"houqin_{name}") is not None:
        return f"{name!r} is taken: a plugin of that name is installed (houqin-{name}?)"
    if (directory / name).exists():
        return f"{directory / name} exists already: choose another --directory or name"
    return None


def new_plugin(name: str, directory: Path, installed: set[str]) -> Path:
    """Write the distribution ``houqin-<name>`` into ``directory/<name>``; returns its folder."""
    reason = refusal(name, installed, directory)
    if reason:
        raise ScaffoldRefused(reason)
    from core.i18n import compile_catalogues

    package = f"houqin_{name}"
    revision = uuid.uuid4().hex[:12]
    values = {
        "name": name, "package": package, "Title": name.replace("_", " ").capitalize(),
        "table": f"{name}_items", "core_range": core_range(), "revision": revision,
        "core_revision": CORE_FIRST_REVISION,
        "created": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"),
    }
    target = directory / name
    for source in sorted(SCAFFOLD.rglob("*.tmpl")):
        relative = source.relative_to(SCAFFOLD).with_suffix("")
        parts = [part.replace("PACKAGE", package).replace("REVISION", revision)
                 .replace("NAME", name) for part in relative.parts]
        path = target.joinpath(*parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(Template(source.read_text(encoding="utf-8")).substitute(values),
                        encoding="utf-8")
    compile_catalogues(target / package / "translations")
    return target
