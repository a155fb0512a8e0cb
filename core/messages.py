"""marshmallow's messages in the reader's language.

marshmallow formats its messages in English before Houqin sees them. Each is matched against
the template it came from; the template is translated and the same values put back. The
templates are listed here (as marshmallow words them) so ``houqin i18n`` extracts them.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from flask_babel import gettext


def N_(text: str) -> str:
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
        return {key: translate_tree(value) for key, value in messages.items()}
    if isinstance(messages, list):
        return [translate_tree(value) for value in messages]
    return translate_message(str(messages))
