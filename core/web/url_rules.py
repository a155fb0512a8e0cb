"""URL rules that write their URL builders when a URL is first built from them.

Werkzeug compiles two small Python functions for every rule when the rule is added (one to
build its URL, one to build it with extra query arguments): a third of what adding ~500 rules
costs a worker at start-up, with every module's pages and API. Most rules are never turned
back into a URL by a given worker, or only long after it started; each builder is compiled,
once, the first time it is needed. Matching requests does not use them.
"""

from __future__ import annotations

from typing import Any

from werkzeug.routing import Rule


class UrlRule(Rule):
    def _compile_builder(self, append_unknown: bool = True):
        compile_now = super()._compile_builder
        attribute = "_build_unknown" if append_unknown else "_build"

        def build(rule: Rule, *args: Any, **kwargs: Any) -> tuple[str, str]:
            builder = compile_now(append_unknown).__get__(rule, None)
            setattr(rule, attribute, builder)
            return builder(*args, **kwargs)

        return build
