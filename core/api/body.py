"""A JSON body read within bounds, before any view or schema sees it.

Python's decoder recurses once per level of nesting, so a body of a hundred thousand ``[``
ends in a RecursionError (a server error) rather than a refusal; and a whole number longer
than Python will convert (4,300 digits) fails deep inside the decoder. No record of any
module nests deeper than a few levels or holds a number that long, so both are refused up
front with a message the client can act on, naming the body as ``json``.
"""

from __future__ import annotations

import json
from typing import Any

from flask_babel import gettext as _

# Deeper than any resource needs (the deepest, a fee plan's lines, is three levels).
MAX_DEPTH = 32
# Python's own limit for turning digits into an integer (sys.get_int_max_str_digits()).
MAX_DIGITS = 4300


class UnreadableJson(ValueError):
    """A body that is not JSON this deployment reads; the message is for the client."""


def nesting(text: str, limit: int = MAX_DEPTH) -> int:
    """How deep ``text`` nests arrays and objects, counting no further than ``limit`` + 1.
    A loop, not recursion: measuring must not fail the way decoding would."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    break
        elif char in "]}":
            depth -= 1
    return deepest


def loaded(data: bytes | str) -> Any:
    """The value a JSON body holds, or :class:`UnreadableJson` saying why it cannot be read."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise UnreadableJson(_("The body is not UTF-8 text.")) from None
    if nesting(data) > MAX_DEPTH:
        raise UnreadableJson(_("The body nests deeper than %(depth)s levels.", depth=MAX_DEPTH))
    try:
        return json.loads(data)
    except json.JSONDecodeError as exc:
        raise UnreadableJson(_("The body is not valid JSON (line %(line)s, column %(column)s).",
                               line=exc.lineno, column=exc.colno)) from None
    except ValueError:
        # The one other refusal of the decoder: an integer past Python's digit limit.
        raise UnreadableJson(_("A number in the body is longer than %(digits)s digits.",
                               digits=MAX_DIGITS)) from None
