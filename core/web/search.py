"""The results page of the navigation's search box (``core.search``): the records a name or a
number finds, grouped by kind, each linking to its page."""

from __future__ import annotations

from itertools import groupby

from flask import render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from core import search as finder
from core.auth import current_principal
from core.permissions import requires
from core.tenancy import require_tenant
from core.web.views import bp


@bp.route("/search")
@requires(finder.PERMISSION)
def search() -> ResponseReturnValue:
    query = request.args.get("q", "").strip()
    if len(query) > finder.LONGEST:
        error = _("Type at most %(count)s characters.", count=finder.LONGEST)
        return render_template("web/search.html", query=query, kinds=[], error=error), 422
    hits = finder.search(require_tenant(), current_principal(), query)
    kinds = []
    for _kind, alike in groupby(hits, key=lambda hit: hit.kind):
        alike = list(alike)
        kinds.append((alike[0].kind_title, [(hit, url_for(hit.endpoint, **hit.values))
                                            for hit in alike]))
    return render_template("web/search.html", query=query, kinds=kinds, error=None,
                           limit=finder.LIMIT)
