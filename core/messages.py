"""marshmallow's messages in the reader's language.

marshmallow formats its messages in English before Houqin sees them. Each is matched against
the template it came from; the template is translated and the same values put back. The
templates are listed here (as marshmallow words them) so ``houqin i18n`` extracts them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from flask_babel import gettext, ngettext


def N_(text: str) -> str:
    return text


@dataclass(frozen=True)
class Phrase:
    """A message kept as its msgid and values and translated when it is read, so a job's
    progress or outcome, written once by a worker, reads in each reader's own language.

    Make one with ``phrase``/``nphrase`` (both extracted by ``houqin i18n``); ``str()`` gives
    it in the current language, ``stored()`` the text a record keeps, which ``read_stored``
    turns back into the reader's language."""

    singular: str
    plural: str | None = None
    num: int | None = None
    values: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        if self.plural is None:
            return gettext(self.singular, **self.values)
        return ngettext(self.singular, self.plural, self.num, **self.values)

    def stored(self) -> str:
        kept = {"msgid": self.singular, "values": self.values}
        if self.plural is not None:
            kept.update(plural=self.plural, num=self.num)
        return json.dumps(kept, ensure_ascii=False, separators=(",", ":"), default=str)


def phrase(msgid: str, **values: Any) -> Phrase:
    """``msgid`` with ``%(name)s`` values, translated when read (see ``Phrase``)."""
    return Phrase(msgid, values=values)


def nphrase(singular: str, plural: str, num: int, **values: Any) -> Phrase:
    """The plural form of ``phrase``: ``num`` picks the form and fills ``%(num)s``."""
    return Phrase(singular, plural, num, values)


def read_stored(text: str | None) -> str | None:
    """A stored message in the current language: a ``Phrase`` translated, any other text (one
    written before phrases, or by code that passed a plain string) as it is."""
    if not text or not text.startswith('{"msgid":'):
        return text
    try:
        kept = json.loads(text)
        return str(Phrase(kept["msgid"], kept.get("plural"), kept.get("num"),
                          kept.get("values") or {}))
    except (ValueError, KeyError, TypeError):
        return text


TEMPLATES = (
    N_("Missing data for required field."),
    N_("Field may not be null."),
    N_("Unknown field."),
    N_("Invalid value."),
    N_("Invalid input."),
    N_("Invalid input type."),
    N_("Invalid type."),
    N_("Not a valid string."),
    N_("Not a valid utf-8 string."),
    N_("Not a valid integer."),
    N_("Not a valid number."),
    N_("Number too large."),
    N_("Special numeric values (nan or infinity) are not permitted."),
    N_("Not a valid boolean."),
    N_("Not a valid date."),
    N_("Not a valid datetime."),
    N_("Not a valid time."),
    N_("Not a valid UUID."),
    N_("Not a valid email address."),
    N_("Not a valid URL."),
    N_("Not a valid list."),
    N_("Not a valid mapping type."),
    N_("String does not match expected pattern."),
    N_("Longer than maximum length {max}."),
    N_("Shorter than minimum length {min}."),
    N_("Length must be between {min} and {max}."),
    N_("Length must be {equal}."),
    N_("Must be one of: {choices}."),
    N_("Must be equal to {other}."),
    N_("Must be greater than or equal to {min}."),
    N_("Must be greater than {min}."),
    N_("Must be less than or equal to {max}."),
    N_("Must be less than {max}."),
    N_("Must be greater than or equal to {min} and less than or equal to {max}."),
    N_("Must be greater than {min} and less than {max}."),
)


@cache
def _patterns() -> list[tuple[re.Pattern[str], str]]:
    patterns = []
    # The longest first: "at least {min}" would otherwise swallow "at least {min} and at most".
    for template in sorted(TEMPLATES, key=len, reverse=True):
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>.+?)", re.escape(template))
        patterns.append((re.compile(f"^{regex}$"), template))
    return patterns


def translate_message(message: str) -> str:
    """``message`` in the current language when it is one of marshmallow's; else unchanged."""
    for pattern, template in _patterns():
        found = pattern.match(message)
        if found:
            return gettext(template).format(**found.groupdict())
    return message


def translate_tree(messages: Any) -> Any:
    """marshmallow's nested messages, same shape, each leaf in the current language."""
    if isinstance(messages, dict):
        # A form part sent without a name is marshmallow's unknown field None; JSON sorts a
        # problem's keys, and None beside a field's name cannot be sorted: call it "".
        return {"" if key is None else key: translate_tree(value)
                for key, value in messages.items()}
    if isinstance(messages, list):
        return [translate_tree(value) for value in messages]
    return translate_message(str(messages))
