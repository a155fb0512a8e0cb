"""``houqin i18n``: extract translatable strings, update each language's catalogue, compile.

Core's catalogues live in ``core/translations``; a plugin passes its own package folder and
keeps its catalogues in ``<plugin>/translations`` (the app loads both).
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

LOCALES = ("zh_Hans_CN", "en")  # Babel names Simplified Chinese (China) zh_Hans_CN
DOMAIN = "messages"
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
# ``word``/``nword``/``lazy_word`` (core.wording), ``phrase``/``nphrase`` (core.messages) too.
WORDING_KEYWORDS = {"word": None, "nword": (1, 2), "lazy_word": None}
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "N_": None,
            "lazy_ngettext": (1, 2), "phrase": None, "nphrase": (1, 2), **WORDING_KEYWORDS}
SKIP = ("migrations", "tests", ".venv")


def extract(sources: list[Path], translations: Path) -> int:
    """Write ``messages.pot`` with every string marked for translation under ``sources``."""
    catalog = Catalog(project="Houqin", charset="utf-8")
    for source in sources:
        for filename, lineno, message, comments, context in extract_from_dir(
            str(source), METHODS, keywords=KEYWORDS, strip_comment_tags=True,
        ):
            if any(part in SKIP for part in Path(filename).parts):
                continue
            location = (f"{source.name}/{filename}", lineno)
            catalog.add(message, None, [location], auto_comments=comments, context=context)
        _add_wording_contexts(catalog, source)
    translations.mkdir(parents=True, exist_ok=True)
    with open(translations / f"{DOMAIN}.pot", "wb") as out:
        write_po(out, catalog, width=100, omit_header=False)
    return len(catalog)


def _add_wording_contexts(catalog: Catalog, source: Path) -> None:
    """Each text written with ``word`` once more under every wording context (a kindergarten's
    words), so the catalogue can say it differently there."""
    from core.wording import CONTEXTS

    for filename, lineno, message, comments, _ in extract_from_dir(
        str(source), METHODS, keywords=WORDING_KEYWORDS, strip_comment_tags=True,
    ):
        if any(part in SKIP for part in Path(filename).parts):
            continue
        for context in CONTEXTS:
            catalog.add(message, None, [(f"{source.name}/{filename}", lineno)],
                        auto_comments=comments, context=context)


def update(translations: Path) -> list[str]:
    """Merge the template into each language's catalogue (creating it the first time)."""
    with open(translations / f"{DOMAIN}.pot", "rb") as handle:
        template = read_po(handle)
    written = []
    for locale in LOCALES:
        po_path = translations / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
        po_path.parent.mkdir(parents=True, exist_ok=True)
        if po_path.exists():
            with open(po_path, "rb") as handle:
                catalog = read_po(handle, locale=locale)
            catalog.update(template)
        else:
            catalog = Catalog(locale=locale, project="Houqin", charset="utf-8")
            catalog.update(template)
        with open(po_path, "wb") as out:
            write_po(out, catalog, width=100, ignore_obsolete=True)
        written.append(str(po_path))
    return written


def compile_catalogues(translations: Path) -> list[str]:
    """Compile every ``.po`` under ``translations`` into the ``.mo`` the app reads."""
    written = []
    for po_path in sorted(translations.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        with open(po_path, "rb") as handle:
            catalog = read_po(handle)
        with open(po_path.with_suffix(".mo"), "wb") as out:
            write_mo(out, catalog, use_fuzzy=False)
        written.append(str(po_path.with_suffix(".mo")))
    return written


def untranslated(translations: Path, locale: str) -> list[str]:
    with open(translations / locale / "LC_MESSAGES" / f"{DOMAIN}.po", "rb") as handle:
        catalog = read_po(handle)
    return [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
