"""Which characters a stored text may hold, so that every school's records can be written to
PostgreSQL (no NUL), encoded as UTF-8 (no lone surrogates) and written into an .xlsx (XML 1.0
holds no control characters and no U+FFFE/U+FFFF).

Refused everywhere: NUL and the other C0 control characters, DEL, the C1 control characters
(U+0080–U+009F: no keyboard types them; they come from mis-decoded bytes or from someone
probing), lone surrogates and the two non-characters XML cannot hold. Tab, line feed and
carriage return are ordinary characters of a multi-line text (a remark, a note) and are
refused only where a text is one line (a name, a number).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _

LINE_BREAKS = "\t\n\r"
_NEVER = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff"
_UNHOLDABLE = re.compile(f"[{_NEVER}]")
_UNHOLDABLE_ON_ONE_LINE = re.compile(f"[{_NEVER}{LINE_BREAKS}]")


def unholdable(text: str, multiline: bool = False) -> str | None:
    """Why ``text`` cannot be kept, in the reader's language, or None when it can."""
    found = (_UNHOLDABLE if multiline else _UNHOLDABLE_ON_ONE_LINE).search(text)
    if found is None:
        return None
    char = found.group()
    code = f"{ord(char):04X}"
    if char == "\x00":
        return _("Holds a NUL character (U+0000), which cannot be stored.")
    if "\ud800" <= char <= "\udfff":
        return _("Holds a lone surrogate (U+%(code)s), which is not text.", code=code)
    if char in LINE_BREAKS:
        return _("Must be one line: remove the line break or tab.")
    return _("Holds the control character U+%(code)s; remove it.", code=code)


def refused_in(value: Any, multiline: bool = True) -> Any:
    """Why a text, or any text inside lists and mappings (keys included), cannot be kept, in
    marshmallow's shape of messages (a list of messages, or a mapping by key or index); None
    when everything can."""
    if isinstance(value, str):
        why = unholdable(value, multiline)
        return None if why is None else [why]
    if isinstance(value, Mapping):
        pairs = ((shown(key), refused_in(key, multiline) or refused_in(item, multiline))
                 for key, item in value.items())
    elif isinstance(value, (list, tuple)):
        pairs = ((index, refused_in(item, multiline)) for index, item in enumerate(value))
    else:
        return None
    errors = {key: why for key, why in pairs if why is not None}
    return errors or None


def shown(key: Any) -> Any:
    """A key as an error can name it: escaped where the key itself cannot be sent back."""
    if isinstance(key, str) and unholdable(key, multiline=True):
        return key.encode("unicode_escape", "backslashreplace").decode("ascii")
    return key


def holdable(text: str) -> str:
    """``text`` with whatever cannot be kept left out, for writing out what was stored before
    these characters were refused (line breaks and tabs stay)."""
    return _UNHOLDABLE.sub("", text)
