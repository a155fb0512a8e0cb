"""Words that depend on the kind of school: a kindergarten says 幼儿, 幼儿园 and 入园 where a
school says 学生, 学校 and 入学.

The difference lives in the catalogue, not in code. A text written with ``word`` (or
``nword``) is extracted twice by ``houqin i18n extract``: as the plain msgid and under each
wording context (``msgctxt "kindergarten"``). At render time the entry under the context of
the school in context wins when the catalogue has one; otherwise the plain msgid's
translation is used, so a catalogue only carries the words that really differ.

In a template::

    <h1>{{ word("Students") }}</h1>
    {{ word("Enrolment date") }}
    {{ nword("%(num)s student", "%(num)s students", n) }}

and in Python ``from core.sdk import word`` (``lazy_word`` for a label declared at import).
"""

from __future__ import annotations

from typing import Any

from flask_babel import LazyString, get_translations

from core.tenancy import current_tenant

# The tenant types whose words differ; each is a msgctxt the catalogues may fill.
CONTEXTS = ("kindergarten",)


def wording_context() -> str | None:
    """The msgctxt of the school in context, or None when it speaks like any school."""
    tenant = current_tenant()
    kind = getattr(tenant, "type", None)
    return kind if kind in CONTEXTS else None


def _text(context: str | None, singular: str, plural: str | None, n: int | None) -> str:
    translations = get_translations()
    if plural is None:
        plain = translations.ugettext(singular)
        if context is None:
            return plain
        worded = translations.upgettext(context, singular)
        return plain if worded == singular else worded
    plain = translations.ungettext(singular, plural, n)
    if context is None:
        return plain
    worded = translations.unpgettext(context, singular, plural, n)
    return plain if worded in (singular, plural) else worded


def word(msgid: str, **values: Any) -> str:
    """``msgid`` in the reader's language, in the words of the school in context."""
    text = _text(wording_context(), msgid, None, None)
    return text % values if values else text


def nword(singular: str, plural: str, num: int, **values: Any) -> str:
    """The plural form of ``word``: ``num`` picks the form and fills ``%(num)s``."""
    text = _text(wording_context(), singular, plural, num)
    return text % {"num": num, **values}


def lazy_word(msgid: str, **values: Any) -> LazyString:
    """``word`` when it is shown, for labels declared at import (a navigation entry)."""
    return LazyString(word, msgid, **values)
